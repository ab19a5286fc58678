"""GET|POST /callback/:provider: state checks first, one token exchange, the session."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest
import respx

from support import (
    API_KEY,
    APP_URL,
    CLIENT_ID,
    PROFILE,
    TOKEN_RESPONSE,
    Client,
    cookie_cleared,
    seal,
    sign,
)

ERROR_CALLBACK = f"{APP_URL}/api/auth/error?error=Callback"
ERROR_OAUTH_CALLBACK = f"{APP_URL}/api/auth/error?error=OAuthCallback"


def signed_in(client: Client) -> bool:
    return client.get("/api/auth/session").json() != {}


def test_full_sign_in_exchanges_the_code_with_the_verifier(
    client: Client, workos: respx.MockRouter
) -> None:
    token_route = workos.post("/sso/token", name="token").respond(200, json=TOKEN_RESPONSE)
    params = client.start_sign_in()
    response = client.callback({"code": "code_123", "state": params["state"]})
    assert response.status_code == 302
    assert response.headers["location"] == f"{APP_URL}/dashboard"
    assert token_route.call_count == 1
    sent = token_route.calls.last.request
    body = json.loads(sent.content)
    verifier = body.pop("code_verifier")
    assert body == {
        "client_id": CLIENT_ID,
        "client_secret": API_KEY,
        "grant_type": "authorization_code",
        "code": "code_123",
    }
    import base64
    import hashlib

    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    assert challenge.rstrip(b"=").decode() == params["code_challenge"]
    assert cookie_cleared(response, "next-auth.state")
    assert cookie_cleared(response, "next-auth.csrf-token")  # rotated on sign-in

    session = client.get("/api/auth/session").json()
    assert session["user"] == {
        "name": "Alice Anderson",
        "email": "alice@example.com",
        "image": None,
    }
    expires = time.mktime(time.strptime(session["expires"], "%Y-%m-%dT%H:%M:%S.000Z"))
    assert abs(expires - time.mktime(time.gmtime()) - 30 * 86400) < 60


def test_session_cookie_has_no_access_token(client: Client, workos: respx.MockRouter) -> None:
    import time

    from workos_middleware._keys.signing import KeyRing
    from workos_middleware._sessions.format import SessionFormat

    from support import SECRET

    client.sign_in(workos)
    raw = client.cookies.get("next-auth.session-token")
    assert raw is not None
    keys = KeyRing([SECRET]).keys_for("session")
    decoded = SessionFormat(keys, time.time, max_age=3600).lookup(raw, time.time())
    assert decoded is not None
    token = decoded.token()
    assert TOKEN_RESPONSE["access_token"] not in json.dumps(token)
    assert token["sub"] == "prof_01ALICE"
    assert token["organization_id"] == "org_01EXAMPLE"
    assert token["connection_id"] == "conn_01EXAMPLE"
    assert token["connection_type"] == "OktaSAML"
    assert token["roles"] == ["admin"]
    assert token["groups"] == ["Engineering"]


def test_user_on_the_request_after_sign_in(client: Client, workos: respx.MockRouter) -> None:
    client.sign_in(workos)
    home = client.get("/").json()
    assert home["authenticated"] is True
    assert home["display_name"] == "Alice Anderson"
    assert home["scopes"] == ["authenticated"]
    assert home["session"]["user"]["email"] == "alice@example.com"
    assert client.get("/private").text == "secret for alice@example.com"


def test_form_post_callback_is_accepted(client: Client, workos: respx.MockRouter) -> None:
    workos.post("/sso/token").respond(200, json=TOKEN_RESPONSE)
    params = client.start_sign_in()
    response = client.post(
        "/api/auth/callback/workos", data={"code": "c", "state": params["state"]}
    )
    assert response.headers["location"] == f"{APP_URL}/dashboard"
    assert signed_in(client)


# -- the state check comes first and fails closed --------------------------------------


def assert_refused(
    client: Client, response: httpx.Response, workos: respx.MockRouter, code: str
) -> None:
    assert response.status_code == 302
    assert response.headers["location"] == f"{APP_URL}/api/auth/error?error={code}"
    assert cookie_cleared(response, "next-auth.state")
    assert not any(
        h.startswith("next-auth.session-token=") and "Max-Age=0" not in h
        for h in response.headers.get_list("set-cookie")
    )
    assert not signed_in(client)


@pytest.fixture
def token_route(workos: respx.MockRouter) -> respx.Route:
    return workos.post("/sso/token", name="token").respond(200, json=TOKEN_RESPONSE)


def test_no_state_cookie(
    client: Client, workos: respx.MockRouter, token_route: respx.Route
) -> None:
    params = client.start_sign_in()
    client.cookies.delete("next-auth.state")
    response = client.callback({"code": "c", "state": params["state"]})
    assert_refused(client, response, workos, "OAuthCallback")
    assert token_route.call_count == 0


def test_no_state_parameter(
    client: Client, workos: respx.MockRouter, token_route: respx.Route
) -> None:
    client.start_sign_in()
    response = client.callback({"code": "c"})
    # A code without state is an IdP-initiated sign-in: refused by default.
    assert_refused(client, response, workos, "IdPInitiated")
    assert token_route.call_count == 0


def test_mismatched_state(
    client: Client, workos: respx.MockRouter, token_route: respx.Route
) -> None:
    client.start_sign_in()
    response = client.callback({"code": "c", "state": "other"})
    assert_refused(client, response, workos, "OAuthCallback")
    assert token_route.call_count == 0


def test_tampered_state_cookie(
    client: Client, workos: respx.MockRouter, token_route: respx.Route
) -> None:
    params = client.start_sign_in()
    cookie = client.cookies["next-auth.state"]
    # Flip a byte in the middle of the signature (the last base64 character may only
    # carry padding bits, so changing it can leave the decoded signature the same).
    i = len(cookie) - 10
    flipped = cookie[:i] + ("A" if cookie[i] != "A" else "B") + cookie[i + 1 :]
    client.set_cookie("next-auth.state", flipped)
    response = client.callback({"code": "c", "state": params["state"]})
    assert_refused(client, response, workos, "OAuthCallback")
    assert token_route.call_count == 0


def test_expired_state_cookie(
    client: Client, workos: respx.MockRouter, token_route: respx.Route
) -> None:
    value = {"s": "st", "v": "v" * 64, "p": "workos", "u": APP_URL}
    client.set_cookie("next-auth.state", sign("state", value, age=16 * 60))
    response = client.callback({"code": "c", "state": "st"})
    assert_refused(client, response, workos, "OAuthCallback")
    assert token_route.call_count == 0


def test_fresh_forged_shape_is_still_accepted_only_when_signed(
    client: Client, workos: respx.MockRouter, token_route: respx.Route
) -> None:
    """Control for the test above: the same cookie, fresh, passes the check."""
    value = {"s": "st", "v": "v" * 64, "p": "workos", "u": APP_URL + "/dashboard"}
    client.set_cookie("next-auth.state", seal("state", value, age=60))
    response = client.callback({"code": "c", "state": "st"})
    assert response.headers["location"] == f"{APP_URL}/dashboard"
    assert token_route.call_count == 1


def test_state_for_another_provider(
    client: Client, workos: respx.MockRouter, token_route: respx.Route
) -> None:
    value = {"s": "st", "v": "v" * 64, "p": "github", "u": APP_URL}
    client.set_cookie("next-auth.state", sign("state", value))
    response = client.callback({"code": "c", "state": "st"})
    assert_refused(client, response, workos, "OAuthCallback")
    assert token_route.call_count == 0


def test_state_cookie_signed_with_session_salt_is_refused(
    client: Client, workos: respx.MockRouter, token_route: respx.Route
) -> None:
    value = {"s": "st", "v": "v" * 64, "p": "workos", "u": APP_URL}
    client.set_cookie("next-auth.state", sign("session", value))
    response = client.callback({"code": "c", "state": "st"})
    assert_refused(client, response, workos, "OAuthCallback")
    assert token_route.call_count == 0


def test_callback_for_unknown_provider(
    client: Client, workos: respx.MockRouter, token_route: respx.Route
) -> None:
    params = client.start_sign_in()
    response = client.get(
        "/api/auth/callback/github", params={"code": "c", "state": params["state"]}
    )
    assert_refused(client, response, workos, "OAuthCallback")


def test_same_callback_twice(
    client: Client, workos: respx.MockRouter, token_route: respx.Route
) -> None:
    params = client.start_sign_in()
    query = {"code": "c", "state": params["state"]}
    assert client.callback(query).status_code == 302
    client.get("/api/auth/signout")  # nothing: just a page
    client.cookies.delete("next-auth.session-token")
    again = client.callback(query)
    assert_refused(client, again, workos, "OAuthCallback")
    assert token_route.call_count == 1


def test_attackers_code_and_state_replayed_in_a_victims_browser(
    make_client: Any, workos: respx.MockRouter, token_route: respx.Route
) -> None:
    attacker, victim = make_client(), make_client()
    params = attacker.start_sign_in()
    victim.start_sign_in()  # the victim even has a state cookie of their own
    response = victim.callback({"code": "c", "state": params["state"]})
    assert_refused(victim, response, workos, "OAuthCallback")
    assert token_route.call_count == 0


def test_repeated_parameters_use_the_first(
    client: Client, workos: respx.MockRouter, token_route: respx.Route
) -> None:
    params = client.start_sign_in()
    response = client.get(f"/api/auth/callback/workos?state=evil&state={params['state']}&code=c")
    assert_refused(client, response, workos, "OAuthCallback")
    assert token_route.call_count == 0


@pytest.mark.parametrize("state", ["\r\nSet-Cookie: x=y", "x" * 5000, "\x00", "%00", "é" * 10])
def test_hostile_state_values(
    client: Client, workos: respx.MockRouter, token_route: respx.Route, state: str
) -> None:
    client.start_sign_in()
    response = client.callback({"code": "c", "state": state})
    assert_refused(client, response, workos, "OAuthCallback")


def test_huge_code_is_refused_without_a_token_call(
    client: Client, workos: respx.MockRouter, token_route: respx.Route
) -> None:
    params = client.start_sign_in()
    response = client.callback({"code": "c" * 3000, "state": params["state"]})
    assert_refused(client, response, workos, "OAuthCallback")
    assert token_route.call_count == 0


@pytest.mark.parametrize("good_state", [True, False])
def test_access_denied_from_the_idp(
    client: Client, workos: respx.MockRouter, token_route: respx.Route, good_state: bool
) -> None:
    params = client.start_sign_in()
    state = params["state"] if good_state else "bad"
    response = client.callback(
        {"error": "access_denied", "error_description": "<b>no</b>", "state": state},
    )
    assert_refused(client, response, workos, "Cancelled" if good_state else "OAuthCallback")
    assert token_route.call_count == 0
    page = client.get(response.headers["location"], follow_redirects=True)
    assert "<b>no</b>" not in page.text
    expected = "The sign-in was cancelled." if good_state else "could not be completed"
    assert expected in page.text


# -- provider faults at the token exchange ---------------------------------------------


FAULTS: dict[str, Any] = {
    "invalid_grant": httpx.Response(
        400,
        json={
            "error": "invalid_grant",
            "error_description": "The code has expired or has already been used.",
        },
    ),
    "invalid_client": httpx.Response(400, json={"error": "invalid_client"}),
    "server_error": httpx.Response(500, text="oops"),
    "unavailable": httpx.Response(503, text="<html>down</html>"),
    "rate_limited": httpx.Response(429, headers={"retry-after": "3"}),
    "invalid_json": httpx.Response(200, text="{not json"),
    "html": httpx.Response(200, text="<html></html>", headers={"content-type": "text/html"}),
    "json_list": httpx.Response(200, json=[1, 2]),
    "bad_email": httpx.Response(
        200, json={**TOKEN_RESPONSE, "profile": {**PROFILE, "email": "not an email"}}
    ),
    "no_id": httpx.Response(200, json={**TOKEN_RESPONSE, "profile": {**PROFILE, "id": None}}),
    "no_profile_no_token": httpx.Response(200, json={"token_type": "Bearer"}),
    "huge_body": httpx.Response(200, content=b"x" * (50 * 1024 * 1024)),
    "timeout": httpx.ReadTimeout("timed out"),
    "connect_error": httpx.ConnectError("connection refused"),
}


# Each cause its own code: the app's configuration, WorkOS unreachable, or this sign-in.
FAULT_CODES = {
    "invalid_client": "Configuration",
    "server_error": "ProviderUnavailable",
    "unavailable": "ProviderUnavailable",
    "rate_limited": "ProviderUnavailable",
    "timeout": "ProviderUnavailable",
    "connect_error": "ProviderUnavailable",
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_token_fault_ends_in_the_error_flow(
    client: Client, workos: respx.MockRouter, fault: str
) -> None:
    outcome = FAULTS[fault]
    route = workos.post("/sso/token")
    if isinstance(outcome, Exception):
        route.mock(side_effect=outcome)
    else:
        route.mock(return_value=outcome)
    params = client.start_sign_in()
    response = client.callback({"code": "c", "state": params["state"]})
    assert_refused(client, response, workos, FAULT_CODES.get(fault, "Callback"))
    assert route.call_count == 1  # never retried


def test_token_answer_without_profile_fetches_it(client: Client, workos: respx.MockRouter) -> None:
    workos.post("/sso/token").respond(200, json={"access_token": "tok_1", "token_type": "Bearer"})
    profile_route = workos.get("/sso/profile").respond(200, json=PROFILE)
    params = client.start_sign_in()
    response = client.callback({"code": "c", "state": params["state"]})
    assert response.headers["location"] == f"{APP_URL}/dashboard"
    assert profile_route.calls.last.request.headers["authorization"] == "Bearer tok_1"
    assert signed_in(client)


def test_profile_fetch_failure_is_callback_error(client: Client, workos: respx.MockRouter) -> None:
    workos.post("/sso/token").respond(200, json={"access_token": "tok_1"})
    workos.get("/sso/profile").respond(401, json={"error": "Unauthorized"})
    params = client.start_sign_in()
    response = client.callback({"code": "c", "state": params["state"]})
    assert_refused(client, response, workos, "Configuration")  # our API key was refused


def test_any_2xx_is_success(client: Client, workos: respx.MockRouter) -> None:
    workos.post("/sso/token").respond(201, json=TOKEN_RESPONSE)
    params = client.start_sign_in()
    client.callback({"code": "c", "state": params["state"]})
    assert signed_in(client)


def test_name_falls_back_to_first_and_last(client: Client, workos: respx.MockRouter) -> None:
    profile = {**PROFILE, "name": None, "first_name": "Al", "last_name": None}
    workos.post("/sso/token").respond(200, json={**TOKEN_RESPONSE, "profile": profile})
    params = client.start_sign_in()
    client.callback({"code": "c", "state": params["state"]})
    assert client.get("/api/auth/session").json()["user"]["name"] == "Al"


@pytest.mark.parametrize(
    ("error", "code"),
    [
        ("organization_invalid", "NoConnection"),
        ("connection_invalid", "NoConnection"),
        ("invalid_connection_selector", "NoConnection"),
        ("ambiguous_connection_selector", "NoConnection"),
        ("profile_not_allowed_outside_organization", "AccessDenied"),
        ("server_error", "OAuthCallback"),
    ],
)
def test_workos_errors_map_to_clear_codes(
    client: Client, workos: respx.MockRouter, token_route: respx.Route, error: str, code: str
) -> None:
    params = client.start_sign_in("dave@unknown.example")
    response = client.callback({"error": error, "state": params["state"]})
    assert_refused(client, response, workos, code)
    assert token_route.call_count == 0


def test_workos_errors_with_a_bad_state_say_nothing_specific(
    client: Client, workos: respx.MockRouter, token_route: respx.Route
) -> None:
    client.start_sign_in()
    response = client.callback({"error": "organization_invalid", "state": "x"})
    assert_refused(client, response, workos, "OAuthCallback")
