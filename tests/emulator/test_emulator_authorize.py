"""GET /sso/authorize and the IdP page: validation, selectors, login_hint, deny, domain policy."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from workos_middleware.emulator import create_app
from workos_middleware.emulator.defaults import (
    ACME_ORG_ID,
    ALICE_ID,
    BOB_ID,
    EXAMPLE_CONNECTION_ID,
    EXAMPLE_ORG_ID,
)

from emulator_helpers import REDIRECT_URI, authorize_params, sign_in
from support import FrozenClock, query_of
from support.emulator import pending_id


def refused(client: TestClient, **params: str | None) -> dict[str, str]:
    """The error redirect for an authorization request."""
    response = client.get("/sso/authorize", params=authorize_params(**params))
    assert response.status_code == 302, response.text
    assert response.headers["location"].startswith(REDIRECT_URI + "?")
    return query_of(response.headers["location"])


def button_names(html: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", b).strip() for b in re.findall(r"<button[^>]*>(.*?)</button>", html)
    ]


# -- requests that cannot be sent back to the app -------------------------------------------


@pytest.mark.parametrize("client_id", ["client_other", None])
def test_unknown_client_is_a_readable_400_page(client: TestClient, client_id: str | None) -> None:
    response = client.get("/sso/authorize", params=authorize_params(client_id=client_id))
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "Unknown client" in response.text
    assert "client_emulator" in response.text


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://evil.example/callback",
        "javascript:alert(1)",
        "http://127.0.0.1:8000/cb#fragment",
        "http://user:pw@localhost/cb",
        None,
    ],
)
def test_unregistered_redirect_uri_is_refused_without_redirecting(
    client: TestClient, redirect_uri: str | None
) -> None:
    response = client.get("/sso/authorize", params=authorize_params(redirect_uri=redirect_uri))
    assert response.status_code == 400
    assert "location" not in response.headers
    assert "Redirect URI not registered" in response.text


@pytest.mark.parametrize(
    "uri",
    [
        "http://localhost:3000/api/auth/callback/workos",
        "https://127.0.0.1/cb",
        "http://[::1]:9000/cb?keep=1",
    ],
)
def test_any_loopback_redirect_uri_is_registered(client: TestClient, uri: str) -> None:
    response = client.get("/sso/authorize", params=authorize_params(redirect_uri=uri))
    assert response.status_code == 200


def test_configured_redirect_uris_are_registered(clock: FrozenClock) -> None:
    app = create_app(
        clock=clock,
        redirect_uris=["https://app.example.com/cb"],
        data={"redirect_uris": ["https://other.example.com/cb"], "organizations": []},
    )
    with TestClient(app, follow_redirects=False) as c:
        for uri in ("https://app.example.com/cb", "https://other.example.com/cb"):
            response = c.get("/sso/authorize", params=authorize_params(redirect_uri=uri))
            # Registered, so the unknown organization is reported on the redirect URI.
            assert response.status_code == 302
            assert response.headers["location"].startswith(uri + "?error=organization_invalid")
        response = c.get(
            "/sso/authorize", params=authorize_params(redirect_uri="https://app.example.com/x")
        )
        assert response.status_code == 400


def test_escapes_what_it_echoes(client: TestClient) -> None:
    response = client.get("/sso/authorize", params=authorize_params(client_id="<script>x</script>"))
    assert "<script>x" not in response.text
    assert "&lt;script&gt;x" in response.text


@pytest.mark.parametrize(
    ("overrides", "parameter"),
    [
        ({"response_type": "token"}, "response_type"),
        ({"response_type": None}, "response_type"),
        ({"organization": None}, "connection selector"),
        ({"code_challenge": "a" * 43, "code_challenge_method": "plain"}, "code_challenge_method"),
        ({"code_challenge": "a" * 43}, "code_challenge_method"),
        ({"code_challenge": "short", "code_challenge_method": "S256"}, "code_challenge"),
        ({"code_challenge_method": "S256"}, "code_challenge_method"),
    ],
)
def test_malformed_requests_get_a_readable_400_page(
    client: TestClient, overrides: dict[str, str | None], parameter: str
) -> None:
    response = client.get("/sso/authorize", params=authorize_params(**overrides))
    assert response.status_code == 400
    assert "Invalid authorization request" in response.text
    assert f"<dt>{parameter}</dt>" in response.text


# -- errors sent back to the app ------------------------------------------------------------


def test_several_selectors_are_ambiguous(client: TestClient) -> None:
    query = refused(client, connection=EXAMPLE_CONNECTION_ID)
    assert query["error"] == "ambiguous_connection_selector"
    assert "organization" in query["error_description"]
    assert query["state"] == "xyz-state"


@pytest.mark.parametrize(
    ("selector", "error"),
    [
        ({"organization": "org_missing"}, "organization_invalid"),
        ({"organization": None, "connection": "conn_missing"}, "connection_invalid"),
        ({"organization": None, "domain": "unknown.test"}, "organization_invalid"),
        ({"organization": None, "provider": "MySpaceOAuth"}, "invalid_connection_selector"),
        ({"organization": None, "provider": "GitHubOAuth"}, "connection_invalid"),
    ],
)
def test_selector_errors_redirect_with_a_code(
    client: TestClient, selector: dict[str, str | None], error: str
) -> None:
    query = refused(client, **selector)
    assert query["error"] == error
    assert query["error_description"]
    assert query["state"] == "xyz-state"
    assert "code" not in query


def test_state_is_omitted_when_not_sent(client: TestClient) -> None:
    query = refused(client, organization="org_missing", state=None)
    assert "state" not in query


def test_an_organization_without_connection_is_invalid(client: TestClient) -> None:
    client.put("/_emulator/organizations/org_empty", json={"name": "Empty", "connections": []})
    assert refused(client, organization="org_empty")["error"] == "organization_invalid"


def test_an_organization_with_two_connections_is_ambiguous(client: TestClient) -> None:
    second = {"organization_id": EXAMPLE_ORG_ID, "connection_type": "GoogleSAML", "users": []}
    assert client.put("/_emulator/connections/conn_second", json=second).status_code == 200
    assert refused(client)["error"] == "ambiguous_connection_selector"
    # Naming the connection resolves it.
    page = client.get(
        "/sso/authorize", params=authorize_params(organization=None, connection="conn_second")
    )
    assert page.status_code == 200


def test_an_inactive_connection_is_invalid(client: TestClient) -> None:
    body = {"connection_type": "OktaSAML", "state": "inactive"}
    client.put(f"/_emulator/connections/{EXAMPLE_CONNECTION_ID}", json=body)
    query = refused(client, organization=None, connection=EXAMPLE_CONNECTION_ID)
    assert query["error"] == "connection_invalid"


# -- the IdP page ---------------------------------------------------------------------------


def test_the_idp_page_lists_the_organizations_users(client: TestClient) -> None:
    response = client.get("/sso/authorize", params=authorize_params())
    assert response.status_code == 200
    html = response.text
    assert "<title>WorkOS emulator — sign in to Example</title>" in html
    assert button_names(html) == ["Sign in as Alice Anderson", "Sign in as Bob Brown", "Deny"]
    assert "Carol" not in html
    assert "prefers-color-scheme" in html
    assert "http" not in html.split("<body>")[0].replace('"http-equiv', "")
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("selector", "title", "buttons"),
    [
        ({"organization": ACME_ORG_ID}, "Acme", ["Sign in as Carol Chen"]),
        (
            {"organization": None, "connection": EXAMPLE_CONNECTION_ID},
            "Example",
            ["Sign in as Alice Anderson", "Sign in as Bob Brown"],
        ),
        (
            {"organization": None, "provider": "GoogleOAuth"},
            "Google OAuth",
            ["Sign in as Dana Diaz"],
        ),
        ({"organization": None, "domain": "acme.test"}, "Acme", ["Sign in as Carol Chen"]),
    ],
)
def test_each_selector_shows_its_users(
    client: TestClient, selector: dict[str, str | None], title: str, buttons: list[str]
) -> None:
    response = client.get("/sso/authorize", params=authorize_params(**selector))
    assert response.status_code == 200
    assert f"sign in to {title}</title>" in response.text
    assert button_names(response.text) == [*buttons, "Deny"]


def test_signing_in_redirects_with_a_code_and_the_state(client: TestClient) -> None:
    query = sign_in(client, ALICE_ID, state="s p&a=c/e")
    assert set(query) == {"code", "state"}
    assert query["state"] == "s p&a=c/e"
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{26}", query["code"])


def test_the_redirect_keeps_the_redirect_uris_own_query(client: TestClient) -> None:
    query = sign_in(client, ALICE_ID, redirect_uri="http://localhost:3000/cb?tenant=7")
    assert query["tenant"] == "7"
    assert "code" in query


def test_deny_redirects_with_access_denied(client: TestClient) -> None:
    page = client.get("/sso/authorize", params=authorize_params())
    done = client.post(
        "/sso/authorize/complete", data={"request": pending_id(page.text), "action": "deny"}
    )
    assert done.status_code == 302
    query = query_of(done.headers["location"])
    assert query["error"] == "access_denied"
    assert query["state"] == "xyz-state"


def test_the_page_works_once(client: TestClient) -> None:
    page = client.get("/sso/authorize", params=authorize_params())
    form = {"request": pending_id(page.text), "user": ALICE_ID}
    assert client.post("/sso/authorize/complete", data=form).status_code == 302
    again = client.post("/sso/authorize/complete", data=form)
    assert again.status_code == 400
    assert "expired" in again.text


def test_the_page_expires(client: TestClient, clock: FrozenClock) -> None:
    page = client.get("/sso/authorize", params=authorize_params())
    clock.advance(3601)
    form = {"request": pending_id(page.text), "user": ALICE_ID}
    assert client.post("/sso/authorize/complete", data=form).status_code == 400


def test_a_user_of_another_connection_cannot_be_chosen(client: TestClient) -> None:
    page = client.get("/sso/authorize", params=authorize_params())
    form = {"request": pending_id(page.text), "user": "prof_01HVCAR0000000000000000000"}
    response = client.post("/sso/authorize/complete", data=form)
    assert response.status_code == 400
    assert "Unknown test user" in response.text


def test_login_hint_highlights_the_user(client: TestClient) -> None:
    response = client.get("/sso/authorize", params=authorize_params(login_hint="BOB@example.com"))
    assert response.status_code == 200
    assert re.search(r'<li class="user hinted">.*?Bob Brown', response.text, re.S)
    assert f'value="{BOB_ID}" autofocus' in response.text


def test_an_unmatched_login_hint_is_noted(client: TestClient) -> None:
    response = client.get("/sso/authorize", params=authorize_params(login_hint="zed@example.com"))
    assert response.status_code == 200
    assert "No test user of this connection matches" in response.text
    assert "hinted" not in response.text.split("<body>")[1]


def test_auto_approve_signs_the_hinted_user_in_at_once(clock: FrozenClock) -> None:
    with TestClient(create_app(clock=clock, auto_approve=True), follow_redirects=False) as c:
        response = c.get("/sso/authorize", params=authorize_params(login_hint="bob@example.com"))
        assert response.status_code == 302
        query = query_of(response.headers["location"])
        token = c.post(
            "/sso/token",
            json={
                "client_id": "client_emulator",
                "client_secret": "sk_test_emulator",
                "grant_type": "authorization_code",
                "code": query["code"],
            },
        )
        assert token.json()["profile"]["email"] == "bob@example.com"
        # Without a matching hint, the page is shown as usual.
        page = c.get("/sso/authorize", params=authorize_params(login_hint="nobody@example.com"))
        assert page.status_code == 200


def test_a_user_outside_the_organizations_domains_is_refused(client: TestClient) -> None:
    outsider = {"email": "mallory@outside.test", "first_name": "Mallory", "last_name": "Moss"}
    url = f"/_emulator/connections/{EXAMPLE_CONNECTION_ID}/users/prof_mallory"
    assert client.put(url, json=outsider).status_code == 200
    page = client.get("/sso/authorize", params=authorize_params())
    assert "Sign in as Mallory Moss" in button_names(page.text)
    done = client.post(
        "/sso/authorize/complete", data={"request": pending_id(page.text), "user": "prof_mallory"}
    )
    query = query_of(done.headers["location"])
    assert query["error"] == "profile_not_allowed_outside_organization"
    assert "outside.test" in query["error_description"]
    assert query["state"] == "xyz-state"


def test_an_organization_may_allow_outside_profiles(clock: FrozenClock) -> None:
    data = {
        "organizations": [
            {
                "id": "org_open",
                "name": "Open",
                "domains": ["open.test"],
                "allow_profiles_outside_organization": True,
                "connections": [
                    {
                        "id": "conn_open",
                        "connection_type": "GenericSAML",
                        "users": [{"id": "prof_x", "email": "x@elsewhere.test"}],
                    }
                ],
            }
        ]
    }
    with TestClient(create_app(clock=clock, data=data), follow_redirects=False) as c:
        assert "code" in sign_in(c, "prof_x", organization="org_open")


def test_an_unverified_domain_does_not_vouch_for_users(clock: FrozenClock) -> None:
    data = {
        "organizations": [
            {
                "id": "org_p",
                "name": "Pending",
                "domains": [{"domain": "pending.test", "state": "pending"}],
                "connections": [
                    {
                        "id": "conn_p",
                        "connection_type": "OktaSAML",
                        "users": [{"id": "prof_p", "email": "p@pending.test"}],
                    }
                ],
            }
        ]
    }
    with TestClient(create_app(clock=clock, data=data), follow_redirects=False) as c:
        query = sign_in(c, "prof_p", organization="org_p")
        assert query["error"] == "profile_not_allowed_outside_organization"
        # Nor does it count for the domain selector.
        response = c.get(
            "/sso/authorize", params=authorize_params(organization=None, domain="pending.test")
        )
        assert query_of(response.headers["location"])["error"] == "organization_invalid"
