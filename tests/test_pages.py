"""The built-in pages and the ``pages`` option."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from workos_middleware import AuthKitProvider, GitHubProvider, GoogleProvider

from support import API_KEY, APP_URL, CLIENT_ID, Client, make_provider, set_cookie_headers


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, name
    return match.group(1)


def test_signin_page_lists_workos_with_email_field(client: Client) -> None:
    response = client.get("/api/auth/signin", params={"callbackUrl": "/reports"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert 'action="http://app.test/api/auth/signin/workos"' in html
    assert 'type="email" name="email"' in html
    assert "Sign in with SSO" in html
    assert hidden(html, "callbackUrl") == "/reports"
    token = hidden(html, "csrfToken")
    assert client.get("/api/auth/csrf").json()["csrfToken"] == token
    assert [h for h in set_cookie_headers(response) if h.startswith("next-auth.csrf-token=")]


def test_signin_page_form_posts_work(client: Client) -> None:
    html = client.get("/api/auth/signin").text
    response = client.post(
        "/api/auth/signin/workos",
        data={
            "csrfToken": hidden(html, "csrfToken"),
            "callbackUrl": hidden(html, "callbackUrl"),
            "email": "alice@example.com",
        },
    )
    assert response.status_code == 302
    assert "organization=org_01EXAMPLE" in response.headers["location"]


def test_pages_are_self_contained_and_safe(client: Client) -> None:
    for path in ("/api/auth/signin", "/api/auth/signout", "/api/auth/error?error=AccessDenied"):
        response = client.get(path)
        html = response.text
        assert not re.search(r"<script|<link|<img|@import|url\(", html), path
        assert "prefers-color-scheme: dark" in html
        assert response.headers["referrer-policy"] == "same-origin"
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("OAuthSignin", "The sign-in could not be started. Please try again."),
        ("OAuthCallback", "started in another browser or tab. Please sign in again."),
        ("Callback", "The sign-in could not be completed. Please try again"),
        ("Cancelled", "The sign-in was cancelled."),
        ("ProviderUnavailable", "WorkOS could not be reached to sign you in."),
        ("AccessDenied", "You do not have permission to sign in."),
        ("SessionRequired", "Please sign in to access this page."),
        ("Whatever", "Unable to sign in."),
    ],
)
def test_signin_page_shows_error_messages(client: Client, code: str, message: str) -> None:
    html = client.get("/api/auth/signin", params={"error": code}).text
    assert message in html


HOSTILE = [
    '<script>alert("x")</script>',
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "\u202e\x00<b>",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_query_values_are_escaped(client: Client, value: str) -> None:
    for path in ("/api/auth/signin", "/api/auth/error", "/api/auth/signout"):
        response = client.get(
            path, params={"error": value, "callbackUrl": value}, follow_redirects=True
        )
        assert response.status_code in (200, 403, 500), path
        assert "<script>" not in response.text
        assert "<img" not in response.text
        assert "<b>" not in response.text


def test_csrf_true_shows_a_retry_message(client: Client) -> None:
    assert "expired" in client.get("/api/auth/signin?csrf=true").text


def test_signout_page_posts_with_the_csrf_token(client: Client) -> None:
    response = client.get("/api/auth/signout")
    html = response.text
    assert 'action="http://app.test/api/auth/signout"' in html
    assert hidden(html, "csrfToken") == client.get("/api/auth/csrf").json()["csrfToken"]


@pytest.mark.parametrize(
    ("code", "status", "text"),
    [
        ("Configuration", 500, "Server error"),
        ("AccessDenied", 403, "Access denied"),
        ("Verification", 403, "no longer valid"),
        ("Default", 200, "Unable to sign in"),
        ("Unknown", 200, "Unable to sign in"),
    ],
)
def test_error_page_statuses(client: Client, code: str, status: int, text: str) -> None:
    response = client.get("/api/auth/error", params={"error": code})
    assert response.status_code == status
    assert text in response.text


@pytest.mark.parametrize("code", ["OAuthSignin", "OAuthCallback", "Callback", "NoConnection"])
def test_signin_class_errors_go_to_the_signin_page(client: Client, code: str) -> None:
    response = client.get("/api/auth/error", params={"error": code})
    assert response.status_code == 302
    assert response.headers["location"] == f"{APP_URL}/api/auth/signin?error={code}"


def test_custom_pages(make_client: Callable[..., Client]) -> None:
    client = make_client(
        pages={"signIn": "/auth/signin", "signOut": "/auth/signout", "error": "/auth/error"}
    )
    response = client.get("/api/auth/signin", params={"callbackUrl": "/x", "error": "Callback"})
    assert response.headers["location"] == (
        f"{APP_URL}/auth/signin?callbackUrl=%2Fx&error=Callback"
    )
    assert client.get("/api/auth/signin").headers["location"] == f"{APP_URL}/auth/signin"
    assert client.get("/api/auth/signout").headers["location"] == f"{APP_URL}/auth/signout"
    response = client.get("/api/auth/error", params={"error": "AccessDenied"})
    assert response.headers["location"] == f"{APP_URL}/auth/error?error=AccessDenied"


def test_custom_signin_page_gets_signin_class_errors(make_client: Callable[..., Client]) -> None:
    client = make_client(pages={"signIn": "/auth/signin"})
    response = client.get("/api/auth/error", params={"error": "OAuthCallback"})
    assert response.headers["location"] == f"{APP_URL}/auth/signin?error=OAuthCallback"


def test_templates_dir_overrides_a_page(make_client: Callable[..., Client], tmp_path: Path) -> None:
    (tmp_path / "signin.html").write_text(
        "<p>Custom {{ providers[0].name }} {{ csrf_token|length }} {{ error_message }}</p>"
    )
    client = make_client(templates_dir=tmp_path)
    html = client.get("/api/auth/signin", params={"error": "<i>"}).text
    assert html == "<p>Custom WorkOS 64 Unable to sign in.</p>"
    assert "Sign out" in client.get("/api/auth/signout").text  # the others stay built in


def test_custom_page_context_from_the_app(client: Client) -> None:
    """An app's own form gets a CSRF token (and its cookie) that the middleware accepts."""
    response = client.get("/form")
    token = response.text
    assert [h for h in set_cookie_headers(response) if h.startswith("next-auth.csrf-token=")]
    assert client.get("/form").text == token  # reused, not reissued
    data = {"csrfToken": token, "email": "alice@example.com"}
    assert "sso/authorize" in client.post("/api/auth/signin/workos", data=data).headers["location"]


def _forms(html: str) -> list[str]:
    return re.findall(r"<form\b.*?</form>", html, flags=re.S)


def test_signin_page_groups_the_email_with_sso_and_marks_the_other_providers(
    make_client: Callable[..., Client],
) -> None:
    providers = [
        GitHubProvider(client_id="gh", client_secret="ghs"),
        make_provider(),
        GoogleProvider(client_id="go", client_secret="gos"),
        AuthKitProvider(client_id=CLIENT_ID, client_secret=API_KEY),
    ]
    client = make_client(providers=providers)
    html = client.get("/api/auth/signin").text
    forms = _forms(html)
    # WorkOS SSO first, whatever the configured order, with the only email field.
    assert [re.search(r'action="[^"]+/signin/(\w+)"', form).group(1) for form in forms] == [  # type: ignore[union-attr]
        "workos",
        "github",
        "google",
        "authkit",
    ]
    sso, *others = forms
    assert 'type="email" name="email"' in sso and 'class="secondary"' not in sso
    assert html.count('type="email"') == 1
    # One separator between the groups, not one between every button.
    assert html.count('role="separator"') == 1
    for form in others:
        assert 'class="secondary"' in form
        assert re.search(r'<svg class="mark"[^>]*aria-hidden="true"', form)
        assert "http" not in form.split("<svg", 1)[1].split("</svg>", 1)[0].replace(
            "http://www.w3.org", ""
        )  # drawn inline: no request leaves the page
    # Alone, a provider's button is the primary one.
    alone = make_client(providers=[GitHubProvider(client_id="gh", client_secret="ghs")])
    only = _forms(alone.get("/api/auth/signin").text)
    assert len(only) == 1 and 'class="secondary"' not in only[0]


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("Configuration", 500, "Configuration"),
        ("AccessDenied", 403, "AccessDenied"),
        ("Verification", 403, "Verification"),
        ("Something<script>", 200, "Default"),
    ],
)
def test_error_page_shows_the_error_code(
    client: Client, query: str, status: int, code: str
) -> None:
    response = client.get("/api/auth/error", params={"error": query})
    assert response.status_code == status
    assert f"Error code: <code>{code}</code>" in response.text
    assert "<script>" not in response.text


def test_signout_page_has_a_way_back(client: Client) -> None:
    html = client.get("/api/auth/signout").text
    link = re.search(r'<a class="button secondary" href="([^"]+)">Stay signed in</a>', html)
    assert link is not None and link.group(1) == APP_URL
    assert client.get(link.group(1)).status_code == 200
