"""IdP-initiated sign-in: a callback with a code and no state never signs anyone in.

Refused by default; with ``idp_initiated="restart"`` it starts a fresh SP-initiated
sign-in (for WorkOS through the same connection), which then completes with this
browser's own state and PKCE.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import respx

from workos_middleware.providers import GitHubProvider

from support import APP_URL, TOKEN_RESPONSE, WORKOS_URL, Client, make_provider, query_of
from support.idp import session_user

REFUSED = f"{APP_URL}/api/auth/error?error=IdPInitiated"


def unsolicited(client: Client, provider: str = "workos", code: str = "idp_code") -> object:
    return client.get(f"/api/auth/callback/{provider}", params={"code": code})


def test_refused_by_default_without_a_token_call(client: Client, workos: respx.MockRouter) -> None:
    token = workos.post("/sso/token").respond(200, json=TOKEN_RESPONSE)
    response = client.get("/api/auth/callback/workos", params={"code": "idp_code"})
    assert response.status_code == 302
    assert response.headers["location"] == REFUSED
    assert token.call_count == 0
    assert session_user(client) is None
    # The sign-in page explains it.
    page = client.get("/api/auth/error", params={"error": "IdPInitiated"}, follow_redirects=True)
    assert "identity provider" in page.text and "Sign in here" in page.text


def test_refused_even_with_a_valid_state_cookie_from_an_earlier_sign_in(
    client: Client, workos: respx.MockRouter
) -> None:
    token = workos.post("/sso/token").respond(200, json=TOKEN_RESPONSE)
    client.start_sign_in()
    response = client.get("/api/auth/callback/workos", params={"code": "idp_code"})
    assert response.headers["location"] == REFUSED
    assert token.call_count == 0 and session_user(client) is None


def test_restart_mode_signs_in_through_the_same_connection_with_state_and_pkce(
    make_client: Callable[..., Client], workos: respx.MockRouter
) -> None:
    client = make_client(providers=[make_provider(idp_initiated="restart")])
    token = workos.post("/sso/token", name="token").respond(200, json=TOKEN_RESPONSE)
    response = client.get("/api/auth/callback/workos", params={"code": "idp_code"})
    # The unsolicited code was exchanged only to learn its connection: no session.
    assert token.call_count == 1
    assert "code_verifier" not in json.loads(token.calls.last.request.content)
    assert session_user(client) is None
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(f"{WORKOS_URL}/sso/authorize?")
    params = query_of(location)
    assert params["connection"] == "conn_01EXAMPLE"
    assert params["code_challenge_method"] == "S256" and params["state"]
    # A browser applies Set-Cookie in order: the fresh state cookie must be the last word.
    state_cookies = [
        h for h in response.headers.get_list("set-cookie") if h.startswith("next-auth.state=")
    ]
    assert len(state_cookies) == 1 and "Max-Age=900" in state_cookies[0]

    # The user comes back through the SP-initiated flow: now they are signed in.
    done = client.callback({"code": "sp_code", "state": params["state"]})
    assert done.headers["location"] == f"{APP_URL}/"
    sent = json.loads(token.calls.last.request.content)
    assert sent["code"] == "sp_code" and "code_verifier" in sent
    user = session_user(client)
    assert user is not None and user["email"] == "alice@example.com"


def test_forged_idp_initiated_callback_in_restart_mode_grants_nothing(
    make_client: Callable[..., Client], workos: respx.MockRouter
) -> None:
    """An attacker sends the victim a callback link with the attacker's own code."""
    client = make_client(providers=[make_provider(idp_initiated="restart")])
    workos.post("/sso/token").respond(200, json=TOKEN_RESPONSE)
    response = client.get("/api/auth/callback/workos", params={"code": "attacker_code"})
    assert session_user(client) is None
    assert "session-token" not in response.headers.get("set-cookie", "")
    # Replaying the attacker's code with a made-up state gets nowhere either.
    again = client.get(
        "/api/auth/callback/workos", params={"code": "attacker_code", "state": "forged"}
    )
    assert again.headers["location"] == f"{APP_URL}/api/auth/error?error=OAuthCallback"
    assert session_user(client) is None


def test_restart_mode_with_an_unusable_code_is_refused(
    make_client: Callable[..., Client], workos: respx.MockRouter
) -> None:
    client = make_client(providers=[make_provider(idp_initiated="restart")])
    workos.post("/sso/token").respond(
        400, json={"error": "invalid_grant", "error_description": "expired"}
    )
    response = client.get("/api/auth/callback/workos", params={"code": "stale"})
    assert response.headers["location"] == REFUSED
    assert session_user(client) is None


def test_generic_oauth_provider_refuses_by_default(
    make_client: Callable[..., Client],
) -> None:
    client = make_client(providers=[GitHubProvider(client_id="a", client_secret="b")])
    with respx.mock() as router:
        response = client.get("/api/auth/callback/github", params={"code": "c"})
        assert not router.calls
    assert response.headers["location"] == REFUSED


def test_generic_oauth_provider_restarts_without_exchanging_the_code(
    make_client: Callable[..., Client],
) -> None:
    provider = GitHubProvider(client_id="a", client_secret="b", idp_initiated="restart")
    client = make_client(providers=[provider])
    with respx.mock() as router:
        response = client.get("/api/auth/callback/github", params={"code": "c"})
        assert not router.calls
    location = response.headers["location"]
    assert location.startswith("https://github.com/login/oauth/authorize?")
    assert query_of(location)["state"]
    assert session_user(client) is None


def test_oidc_provider_restart_discovers_its_endpoints_first(
    make_client: Callable[..., Client],
) -> None:
    from workos_middleware.providers import OIDCProvider

    from support.idp import ISSUER, mock_idp

    provider = OIDCProvider(
        id="idp",
        name="IdP",
        client_id="c",
        client_secret="s",
        issuer=ISSUER,
        idp_initiated="restart",
    )
    client = make_client(providers=[provider])
    with respx.mock(assert_all_called=False) as router:
        mock_idp(router)
        response = client.get("/api/auth/callback/idp", params={"code": "c"})
        assert router["discovery"].call_count == 1
        assert not [c for c in router.calls if c.request.method == "POST"]
    location = response.headers["location"]
    assert location.startswith(f"{ISSUER}/authorize?")
    assert query_of(location)["nonce"] and query_of(location)["state"]
    assert session_user(client) is None
