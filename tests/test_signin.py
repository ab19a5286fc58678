"""POST /signin/:provider: CSRF, authorization parameters, state + PKCE cookie."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable

import httpx
import pytest
import respx

from support import (
    API_KEY,
    APP_URL,
    CLIENT_ID,
    WORKOS_URL,
    Client,
    make_provider,
    organizations,
    query_lists,
    set_cookie_headers,
)


def location_params(location: str) -> dict[str, list[str]]:
    return query_lists(location)


def test_email_in_domain_map_selects_the_organization(client: Client) -> None:
    params = client.start_sign_in("alice@example.com")
    assert set(params) == {
        "organization",
        "login_hint",
        "client_id",
        "redirect_uri",
        "response_type",
        "state",
        "code_challenge",
        "code_challenge_method",
    }
    assert params["organization"] == "org_01EXAMPLE"
    assert params["login_hint"] == "alice@example.com"
    assert params["client_id"] == CLIENT_ID
    assert params["redirect_uri"] == f"{APP_URL}/api/auth/callback/workos"
    assert params["response_type"] == "code"
    assert params["code_challenge_method"] == "S256"
    assert len(params["state"]) >= 32


def test_email_mapped_to_a_connection_uses_connection(client: Client) -> None:
    params = client.start_sign_in("carol@ACME.test")
    assert params["connection"] == "conn_01ACME"
    assert "organization" not in params and "domain" not in params


def test_unmapped_email_domain_is_sent_as_domain(client: Client, workos: respx.MockRouter) -> None:
    params = client.start_sign_in("dave@unknown.example")
    assert params["domain"] == "unknown.example"
    assert params["login_hint"] == "dave@unknown.example"
    assert "organization" not in params
    lookup = workos["organizations"].calls.last.request
    assert lookup.url.params["domains"] == "unknown.example"
    assert lookup.headers["authorization"] == f"Bearer {API_KEY}"


def test_unmapped_domain_is_looked_up_among_organizations(
    client: Client, workos: respx.MockRouter
) -> None:
    workos["organizations"].respond(
        200,
        json=organizations(
            ("org_PENDING", "other.example", "pending"),
            ("org_FOUND", "other.example", "verified"),
        ),
    )
    params = client.start_sign_in("dave@Other.Example")
    assert params["organization"] == "org_FOUND"
    assert "domain" not in params


def test_unverified_domains_are_not_trusted(client: Client, workos: respx.MockRouter) -> None:
    workos["organizations"].respond(
        200, json=organizations(("org_PENDING", "other.example", "pending"))
    )
    params = client.start_sign_in("dave@other.example")
    assert params["domain"] == "other.example"
    assert "organization" not in params


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(200, text="not json"),
        httpx.Response(200, json={"data": "nope"}),
    ],
)
def test_failed_lookup_falls_back_to_domain(
    client: Client, workos: respx.MockRouter, failure: object
) -> None:
    if isinstance(failure, Exception):
        workos["organizations"].mock(side_effect=failure)
    else:
        workos["organizations"].mock(return_value=failure)
    params = client.start_sign_in("dave@other.example")
    assert params["domain"] == "other.example"


@pytest.mark.parametrize(
    ("failure", "code"),
    [
        (httpx.Response(500), "ProviderUnavailable"),
        (httpx.ConnectTimeout("slow"), "ProviderUnavailable"),
        (httpx.Response(401, json={"message": "Unauthorized"}), "Configuration"),
    ],
)
def test_lookup_outage_or_refusal_stops_the_sign_in_here(
    client: Client, workos: respx.MockRouter, failure: object, code: str
) -> None:
    """Never on to a WorkOS that cannot be reached (the browser would show its own
    "site can't be reached") or that refuses our API key."""
    if isinstance(failure, Exception):
        workos["organizations"].mock(side_effect=failure)
    else:
        workos["organizations"].mock(return_value=failure)
    data = {"csrfToken": client.csrf(), "email": "dave@other.example"}
    response = client.post("/api/auth/signin/workos", data=data)
    assert response.headers["location"] == (
        f"{APP_URL}/api/auth/error?error={code}&email=dave%40other.example"
    )


def test_lookup_can_be_turned_off(
    make_client: Callable[..., Client], workos: respx.MockRouter
) -> None:
    client = make_client(providers=[make_provider(lookup_organizations=False)])
    params = client.start_sign_in("dave@other.example")
    assert params["domain"] == "other.example"
    assert workos["organizations"].call_count == 0


def test_mapped_domains_need_no_lookup(client: Client, workos: respx.MockRouter) -> None:
    client.start_sign_in("alice@example.com")
    assert workos["organizations"].call_count == 0


def test_state_cookie_holds_a_pkce_verifier_matching_the_challenge(client: Client) -> None:
    from workos_middleware._keys.signing import KeyRing

    from support import SECRET

    params = client.start_sign_in()
    cookie = client.cookies.get("next-auth.state")
    assert cookie is not None
    assert KeyRing([SECRET]).loads("state", cookie, 900) is None  # not merely signed
    assert params["code_challenge"] not in cookie
    loaded = KeyRing([SECRET]).unseal("state", cookie, 900)
    assert loaded is not None
    data = loaded[0]
    assert data["s"] == params["state"]
    assert data["p"] == "workos"
    assert data["u"] == f"{APP_URL}/dashboard"
    digest = hashlib.sha256(data["v"].encode()).digest()
    assert params["code_challenge"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_state_cookie_attributes(client: Client) -> None:
    data = {"csrfToken": client.csrf(), "email": "alice@example.com"}
    response = client.post("/api/auth/signin/workos", data=data)
    [state] = [h for h in set_cookie_headers(response) if h.startswith("next-auth.state=")]
    assert "Max-Age=900" in state and "HttpOnly" in state and "SameSite=Lax" in state


def test_each_sign_in_gets_a_fresh_state(client: Client) -> None:
    assert client.start_sign_in()["state"] != client.start_sign_in()["state"]


def test_query_authorization_params_are_allowlisted(client: Client) -> None:
    params = client.start_sign_in(
        email=None,
        organization="org_FROM_QUERY",
        login_hint="x@example.com",
        domain_hint="example.com",
        state="attacker",
        redirect_uri="https://evil.test/cb",
        client_id="client_evil",
        response_type="token",
        code_challenge="evil",
        code_challenge_method="plain",
        scope="everything",
    )
    assert params["organization"] == "org_FROM_QUERY"
    assert params["login_hint"] == "x@example.com"
    assert params["domain_hint"] == "example.com"
    assert params["state"] != "attacker"
    assert params["redirect_uri"] == f"{APP_URL}/api/auth/callback/workos"
    assert params["client_id"] == CLIENT_ID
    assert params["response_type"] == "code"
    assert params["code_challenge"] != "evil"
    assert params["code_challenge_method"] == "S256"
    assert "scope" not in params


@pytest.mark.parametrize("selector", ["organization", "connection", "provider", "domain"])
def test_each_query_selector_is_passed_on(client: Client, selector: str) -> None:
    params = client.start_sign_in(email=None, **{selector: "value_1"})
    assert params[selector] == "value_1"


def test_query_selector_wins_over_email_domain(client: Client) -> None:
    params = client.start_sign_in("alice@example.com", connection="conn_EXPLICIT")
    assert params["connection"] == "conn_EXPLICIT"
    assert "organization" not in params
    assert params["login_hint"] == "alice@example.com"


def test_default_organization_is_used_without_selector(
    make_client: Callable[..., Client],
) -> None:
    client = make_client(providers=[make_provider(organization="org_DEFAULT")])
    assert client.start_sign_in(email=None)["organization"] == "org_DEFAULT"


def test_no_selector_and_no_default_is_a_clear_error(client: Client) -> None:
    response = client.post("/api/auth/signin/workos", data={"csrfToken": client.csrf()})
    assert response.status_code == 302
    assert response.headers["location"] == f"{APP_URL}/api/auth/error?error=NoConnection"
    followed = client.get(response.headers["location"])
    assert followed.headers["location"] == f"{APP_URL}/api/auth/signin?error=NoConnection"
    page = client.get(followed.headers["location"])
    assert "Single sign-on is not set up for that email address" in page.text
    assert WORKOS_URL not in response.headers["location"]


def test_malformed_email_is_refused_before_workos(client: Client) -> None:
    for email in ("not-an-email", "a@b", "x@@example.com", "a b@example.com", "a@exa mple.com"):
        data = {"csrfToken": client.csrf(), "email": email}
        response = client.post("/api/auth/signin/workos", data=data)
        assert "error=NoConnection&email=" in response.headers["location"], email


def test_json_true_answers_with_the_url(client: Client) -> None:
    data = {"csrfToken": client.csrf(), "email": "alice@example.com", "json": "true"}
    response = client.post("/api/auth/signin/workos", data=data)
    assert response.status_code == 200
    assert response.json()["url"].startswith(f"{WORKOS_URL}/sso/authorize?")


def test_unknown_provider_redirects_to_signin(client: Client) -> None:
    response = client.post("/api/auth/signin/github", data={"csrfToken": client.csrf()})
    assert response.status_code == 302
    assert response.headers["location"] == f"{APP_URL}/api/auth/signin"


# -- CSRF -----------------------------------------------------------------------------


def assert_csrf_refused(client: Client, response: object) -> None:
    from httpx import Response

    assert isinstance(response, Response)
    assert response.status_code == 302
    assert response.headers["location"] == f"{APP_URL}/api/auth/signin?csrf=true"
    assert not any(h.startswith("next-auth.state=") for h in set_cookie_headers(response))


def test_csrf_missing_token(client: Client) -> None:
    client.csrf()
    response = client.post("/api/auth/signin/workos", data={"email": "alice@example.com"})
    assert_csrf_refused(client, response)


def test_csrf_forged_token(client: Client) -> None:
    client.csrf()
    data = {"csrfToken": "f" * 64, "email": "alice@example.com"}
    assert_csrf_refused(client, client.post("/api/auth/signin/workos", data=data))


def test_csrf_cookie_only(client: Client) -> None:
    client.csrf()
    assert_csrf_refused(client, client.post("/api/auth/signin/workos", data={}))


def test_csrf_body_only(client: Client) -> None:
    token = client.csrf()
    client.cookies.clear()
    data = {"csrfToken": token, "email": "alice@example.com"}
    assert_csrf_refused(client, client.post("/api/auth/signin/workos", data=data))


def test_csrf_cookie_signed_with_another_secret(client: Client) -> None:
    import hashlib
    import hmac

    token = "a" * 64
    key = hashlib.sha256(b"workos-middleware.csrf\0another-secret-0123456789").digest()
    mac = hmac.new(key, token.encode(), hashlib.sha256).hexdigest()
    client.set_cookie("next-auth.csrf-token", f"{token}|{mac}")
    data = {"csrfToken": token, "email": "alice@example.com"}
    assert_csrf_refused(client, client.post("/api/auth/signin/workos", data=data))


@pytest.mark.parametrize("origin", ["https://evil.test", "null", "http://app.test.evil.test"])
def test_cross_origin_post_is_refused(client: Client, origin: str) -> None:
    data = {"csrfToken": client.csrf(), "email": "alice@example.com"}
    response = client.post("/api/auth/signin/workos", data=data, headers={"origin": origin})
    assert_csrf_refused(client, response)


def test_same_origin_header_is_accepted(client: Client) -> None:
    data = {"csrfToken": client.csrf(), "email": "alice@example.com"}
    response = client.post("/api/auth/signin/workos", data=data, headers={"origin": APP_URL})
    assert response.headers["location"].startswith(WORKOS_URL)


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "multipart/form-data; boundary=x", "application/octet-stream", ""],
)
def test_odd_content_types_fail_csrf(client: Client, content_type: str) -> None:
    token = client.csrf()
    response = client.post(
        "/api/auth/signin/workos",
        content=f"csrfToken={token}".encode(),
        headers={"content-type": content_type},
    )
    assert_csrf_refused(client, response)


def test_json_body_with_token_is_accepted(client: Client) -> None:
    token = client.csrf()
    response = client.post(
        "/api/auth/signin/workos", json={"csrfToken": token, "email": "alice@example.com"}
    )
    assert response.headers["location"].startswith(WORKOS_URL)


def test_csrf_failure_with_json_true(client: Client) -> None:
    response = client.post("/api/auth/signin/workos", data={"json": "true"})
    assert response.status_code == 200
    assert response.json() == {"url": f"{APP_URL}/api/auth/signin?csrf=true"}


def test_get_signin_provider_shows_the_page_and_starts_nothing(client: Client) -> None:
    response = client.get("/api/auth/signin/workos")
    assert response.status_code == 200
    assert "Sign in with SSO" in response.text
    assert client.cookies.get("next-auth.state") is None


SPOOFED = {
    "host": "evil.test",
    "x-forwarded-host": "evil.test",
    "x-forwarded-proto": "https",
    "forwarded": "host=evil.test;proto=https",
}


def test_spoofed_host_headers_change_no_url(client: Client, workos: respx.MockRouter) -> None:
    """The public URL comes from configuration, never from Host or X-Forwarded-*."""
    providers = client.get("/api/auth/providers", headers=SPOOFED).json()
    assert providers["workos"]["callbackUrl"] == f"{APP_URL}/api/auth/callback/workos"
    data = {"csrfToken": client.csrf(), "email": "alice@example.com"}
    response = client.post("/api/auth/signin/workos", data=data, headers=SPOOFED)
    params = location_params(response.headers["location"])
    assert params["redirect_uri"] == [f"{APP_URL}/api/auth/callback/workos"]
    csrf = client.post("/api/auth/signout", data={}, headers=SPOOFED)
    assert csrf.headers["location"].startswith(f"{APP_URL}/")
