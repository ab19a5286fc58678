"""AuthKit (User Management): hosted sign-in, SSO through AuthKit, authenticate, refresh,
organization switching, JWKS and logout. Tokens are checked with PyJWT against the JWKS."""

from __future__ import annotations

import base64
import hashlib
import time
from typing import Any

import jwt
import pytest
from starlette.testclient import TestClient

from workos_middleware.emulator import create_app
from workos_middleware.emulator.defaults import (
    ACME_ORG_ID,
    ALICE_ID,
    DANA_ID,
    EXAMPLE_CONNECTION_ID,
    EXAMPLE_ORG_ID,
)

from emulator_helpers import API_KEY, CLIENT_ID, REDIRECT_URI, choose, complete_url, verify_jwt
from support import FrozenClock, query_of
from support.emulator import pending_id

ALICE = "user_01HVA1CE000000000000000000"
BOB = "user_01HVB0B0000000000000000000"
ERIN = "user_01HVER1N000000000000000000"
ISSUER = f"http://emulator.test/user_management/{CLIENT_ID}"
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=")


@pytest.fixture
def clock() -> FrozenClock:
    """Now, so that PyJWT (which reads the real time) accepts fresh tokens."""
    return FrozenClock(time.time())


def authorize(**overrides: str | None) -> dict[str, str]:
    params: dict[str, str | None] = {
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "response_type": "code",
        "provider": "authkit",
        "state": "st",
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def code_for(client: TestClient, user: str = ALICE, **params: str | None) -> str:
    query = choose(client, "/user_management/authorize", authorize(**params), user=user)
    assert query["state"] == "st"
    return query["code"]


def authenticate(client: TestClient, **fields: str) -> Any:
    body = {"client_id": CLIENT_ID, "client_secret": API_KEY, **fields}
    return client.post("/user_management/authenticate", json=body)


def signed_in(client: TestClient, user: str = ALICE, **params: str | None) -> dict[str, Any]:
    response = authenticate(
        client, grant_type="authorization_code", code=code_for(client, user, **params)
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def claims_of(client: TestClient, token: str) -> dict[str, Any]:
    return verify_jwt(token, client.get(f"/sso/jwks/{CLIENT_ID}").json(), issuer=ISSUER)


def refresh(client: TestClient, token: str, **fields: str) -> Any:
    return authenticate(client, grant_type="refresh_token", refresh_token=token, **fields)


# -- the hosted page --------------------------------------------------------------------------


def test_the_hosted_page_offers_an_email_field_and_the_users(client: TestClient) -> None:
    page = client.get("/user_management/authorize", params=authorize(login_hint="bob@example.com"))
    assert page.status_code == 200
    assert 'name="email" type="email"' in page.text and 'value="bob@example.com"' in page.text
    for name in ("Alice Anderson", "Bob Brown", "Erin Evans"):
        assert f"Sign in as {name}" in page.text


def test_a_chosen_user_gets_the_full_authenticate_answer(client: TestClient) -> None:
    body = signed_in(client)
    assert set(body) == {
        "user",
        "organization_id",
        "access_token",
        "refresh_token",
        "authentication_method",
    }
    assert body["authentication_method"] == "Password"
    assert body["organization_id"] == EXAMPLE_ORG_ID  # the first of Alice's two
    user = body["user"]
    assert (user["object"], user["id"], user["email"]) == ("user", ALICE, "alice@example.com")
    assert user["email_verified"] is True and user["last_sign_in_at"].endswith("Z")
    claims = claims_of(client, body["access_token"])
    assert claims["sub"] == ALICE and claims["sid"].startswith("session_01")
    assert (claims["org_id"], claims["role"], claims["roles"]) == (
        EXAMPLE_ORG_ID,
        "admin",
        ["admin"],
    )
    assert claims["permissions"] == ["reports:read", "reports:write", "widgets:manage"]
    assert claims["exp"] - claims["iat"] == 300
    assert claims["auth_time"] == claims["iat"] and claims["jti"]


def test_a_typed_email_signs_in(client: TestClient) -> None:
    query = choose(client, "/user_management/authorize", authorize(), email="ERIN@startup.test")
    body = authenticate(client, grant_type="authorization_code", code=query["code"]).json()
    assert body["user"]["id"] == ERIN
    assert body["organization_id"] is None
    assert "org_id" not in claims_of(client, body["access_token"])


def test_an_unknown_email_shows_the_page_again(client: TestClient) -> None:
    page = client.get("/user_management/authorize", params=authorize())
    again = client.post(
        complete_url(page.url), data={"request": pending_id(page.text), "email": "zed@nowhere.test"}
    )
    assert again.status_code == 400
    assert "No test user has the email zed@nowhere.test." in again.text
    done = client.post(
        complete_url(page.url), data={"request": pending_id(again.text), "user": BOB}
    )
    assert query_of(done.headers["location"])["state"] == "st"


def test_sign_up_makes_a_new_user(client: TestClient) -> None:
    params = authorize(screen_hint="sign-up")
    assert "Create an account" in client.get("/user_management/authorize", params=params).text
    query = choose(client, "/user_management/authorize", params, email="new@person.test")
    body = authenticate(client, grant_type="authorization_code", code=query["code"]).json()
    assert body["user"]["email"] == "new@person.test"
    users = client.get("/_emulator/data").json()["users"]
    assert "new@person.test" in [u["email"] for u in users]


def test_organization_id_limits_the_page_to_its_members(client: TestClient) -> None:
    # Acme has an SSO connection, so provider=authkit is needed to get the hosted page.
    params = authorize(organization_id=ACME_ORG_ID)
    page = client.get("/user_management/authorize", params=params)
    assert "Sign in to Acme" in page.text and "Bob Brown" not in page.text
    body = signed_in(client, ALICE, organization_id=ACME_ORG_ID)
    assert body["organization_id"] == ACME_ORG_ID
    assert claims_of(client, body["access_token"])["role"] == "member"
    refused = client.post(
        complete_url(page.url), data={"request": pending_id(page.text), "user": BOB}
    )
    assert "bob@example.com is not a member of this organization." in refused.text


def test_deny_goes_back_with_access_denied(client: TestClient) -> None:
    query = choose(client, "/user_management/authorize", authorize(), action="deny")
    assert (query["error"], query["state"]) == ("access_denied", "st")


# -- SSO and OAuth connections through AuthKit -------------------------------------------------


def test_a_connection_signs_in_through_the_idp_page(client: TestClient) -> None:
    params = authorize(provider=None, connection_id=EXAMPLE_CONNECTION_ID)
    query = choose(client, "/user_management/authorize", params, user=ALICE_ID)
    body = authenticate(client, grant_type="authorization_code", code=query["code"]).json()
    assert (body["user"]["id"], body["authentication_method"]) == (ALICE, "SSO")
    assert body["organization_id"] == EXAMPLE_ORG_ID


def test_an_organization_with_sso_uses_its_connection(client: TestClient) -> None:
    params = authorize(provider=None, organization_id=EXAMPLE_ORG_ID)
    page = client.get("/user_management/authorize", params=params)
    assert "Example Okta" in page.text and "Sign in as Alice Anderson" in page.text


def test_an_oauth_provider_provisions_the_user_just_in_time(client: TestClient) -> None:
    params = authorize(provider="GoogleOAuth")
    query = choose(client, "/user_management/authorize", params, user=DANA_ID)
    body = authenticate(client, grant_type="authorization_code", code=query["code"]).json()
    assert (body["user"]["email"], body["authentication_method"]) == (
        "dana@gmail.com",
        "GoogleOAuth",
    )
    assert body["organization_id"] is None
    assert body["user"]["id"] in [u["id"] for u in client.get("/_emulator/data").json()["users"]]


def test_sso_adds_the_membership_of_the_connections_organization(client: TestClient) -> None:
    client.put(
        f"/_emulator/connections/{EXAMPLE_CONNECTION_ID}/users/prof_gus",
        json={"email": "gus@example.com", "name": "Gus", "role": "editor"},
    )
    params = authorize(provider=None, connection_id=EXAMPLE_CONNECTION_ID)
    query = choose(client, "/user_management/authorize", params, user="prof_gus")
    body = authenticate(client, grant_type="authorization_code", code=query["code"]).json()
    assert claims_of(client, body["access_token"])["role"] == "editor"


# -- authenticate -----------------------------------------------------------------------------


def test_pkce_lets_a_public_client_leave_the_secret_out(client: TestClient) -> None:
    code = code_for(client, code_challenge=CHALLENGE.decode(), code_challenge_method="S256")
    body = {"client_id": CLIENT_ID, "grant_type": "authorization_code", "code": code}
    wrong = client.post("/user_management/authenticate", json={**body, "code_verifier": "v" * 43})
    assert wrong.json()["error"] == "invalid_grant"
    code = code_for(client, code_challenge=CHALLENGE.decode(), code_challenge_method="S256")
    body["code"] = code
    right = client.post("/user_management/authenticate", json={**body, "code_verifier": VERIFIER})
    assert right.status_code == 200
    plain = client.post("/user_management/authenticate", json={**body, "code": code_for(client)})
    assert plain.json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"client_secret": "sk_wrong", "grant_type": "authorization_code"}, "invalid_client"),
        ({"client_id": "client_other", "grant_type": "authorization_code"}, "invalid_client"),
        ({"grant_type": "password"}, "unsupported_grant_type"),
        ({"grant_type": ""}, "invalid_request"),
        ({"grant_type": "authorization_code"}, "invalid_request"),
        ({"grant_type": "authorization_code", "code": "01NOPE"}, "invalid_grant"),
        ({"grant_type": "refresh_token"}, "invalid_request"),
        ({"grant_type": "refresh_token", "refresh_token": "nope"}, "invalid_grant"),
    ],
)
def test_authenticate_errors(client: TestClient, fields: dict[str, str], error: str) -> None:
    response = authenticate(client, **fields)
    assert response.status_code == 400
    assert response.json()["error"] == error and response.json()["error_description"]


def test_a_code_works_once(client: TestClient) -> None:
    code = code_for(client)
    assert authenticate(client, grant_type="authorization_code", code=code).status_code == 200
    assert authenticate(client, grant_type="authorization_code", code=code).status_code == 400


def test_an_sso_code_is_not_an_authkit_code(client: TestClient) -> None:
    from emulator_helpers import sign_in

    sso_code = sign_in(client, ALICE_ID)["code"]
    assert authenticate(client, grant_type="authorization_code", code=sso_code).status_code == 400


# -- refresh, rotation and organization switching ---------------------------------------------


def test_refresh_tokens_are_single_use(client: TestClient) -> None:
    first = signed_in(client)
    second = refresh(client, first["refresh_token"])
    assert second.status_code == 200
    renewed = second.json()
    assert renewed["refresh_token"] != first["refresh_token"]
    assert (
        claims_of(client, renewed["access_token"])["sid"]
        == claims_of(client, first["access_token"])["sid"]
    )
    reused = refresh(client, first["refresh_token"])
    assert reused.json()["error"] == "invalid_grant"
    assert "already been used" in reused.json()["error_description"]
    assert refresh(client, renewed["refresh_token"]).status_code == 200


def test_refresh_switches_organization(client: TestClient) -> None:
    first = signed_in(client)
    switched = refresh(client, first["refresh_token"], organization_id=ACME_ORG_ID).json()
    assert switched["organization_id"] == ACME_ORG_ID
    claims = claims_of(client, switched["access_token"])
    assert (claims["org_id"], claims["role"], claims["permissions"]) == (
        ACME_ORG_ID,
        "member",
        ["reports:read"],
    )
    # The session stays in Acme on the next plain refresh.
    assert refresh(client, switched["refresh_token"]).json()["organization_id"] == ACME_ORG_ID


def test_switching_to_a_foreign_organization_keeps_the_token(client: TestClient) -> None:
    bob = signed_in(client, BOB)
    refused = refresh(client, bob["refresh_token"], organization_id=ACME_ORG_ID)
    assert refused.json()["error"] == "invalid_grant"
    assert "not a member" in refused.json()["error_description"]
    assert refresh(client, bob["refresh_token"]).status_code == 200


# -- JWKS and keys ------------------------------------------------------------------------------


def test_the_jwks_has_workos_shape(client: TestClient) -> None:
    [key] = client.get(f"/sso/jwks/{CLIENT_ID}").json()["keys"]
    assert {"alg", "kty", "use", "kid", "n", "e", "x5c", "x5t#S256"} <= set(key)
    assert (key["alg"], key["kty"], key["use"]) == ("RS256", "RSA", "sig")
    assert client.get("/sso/jwks/client_other").status_code == 404


def test_key_rotation_publishes_a_new_kid(client: TestClient) -> None:
    before = signed_in(client)
    old_kid = jwt.get_unverified_header(before["access_token"])["kid"]
    rotated = client.post("/_emulator/keys/rotate", json={"issuer": "workos"}).json()
    assert rotated["kid"] != old_kid and rotated["kids"] == [rotated["kid"], old_kid]
    after = signed_in(client)
    assert jwt.get_unverified_header(after["access_token"])["kid"] == rotated["kid"]
    claims_of(client, before["access_token"])  # the old key is still published
    client.post("/_emulator/keys/rotate", json={"keep_previous": False})
    with pytest.raises(LookupError):
        claims_of(client, before["access_token"])
    client.post("/_emulator/reset")
    assert client.get("/_emulator/keys").json()["workos"] == [old_kid]


@pytest.mark.parametrize(
    ("defect", "error"),
    [
        ("bad_signature", jwt.InvalidSignatureError),
        ("expired", jwt.ExpiredSignatureError),
        ("wrong_issuer", jwt.InvalidIssuerError),
        ("future_iat", jwt.ImmatureSignatureError),
        ("unknown_kid", LookupError),
    ],
)
def test_token_defects_on_the_access_token(client: TestClient, defect: str, error: type) -> None:
    fault = {"endpoint": "authenticate", "kind": "token_defect", "defect": defect}
    assert client.post("/_emulator/faults", json=fault).status_code == 201
    spoiled = signed_in(client)
    with pytest.raises(error):
        claims_of(client, spoiled["access_token"])
    claims_of(client, refresh(client, spoiled["refresh_token"]).json()["access_token"])


# -- logout -------------------------------------------------------------------------------------


def test_logout_ends_the_session_and_returns(client: TestClient) -> None:
    body = signed_in(client)
    sid = claims_of(client, body["access_token"])["sid"]
    out = client.get(
        "/user_management/sessions/logout",
        params={"session_id": sid, "return_to": "http://127.0.0.1:8000/"},
    )
    assert (out.status_code, out.headers["location"]) == (302, "http://127.0.0.1:8000/")
    assert "has ended" in refresh(client, body["refresh_token"]).json()["error_description"]
    [session] = client.get("/_emulator/sessions").json()["data"]
    assert (session["id"], session["ended"]) == (sid, True)
    again = client.get("/user_management/sessions/logout", params={"session_id": sid})
    assert again.status_code == 200 and "Signed out" in again.text


def test_logout_may_return_to_the_origin_of_a_registered_redirect(clock: FrozenClock) -> None:
    app = create_app(
        redirect_uris=["https://app.example.com/api/auth/callback/authkit"], clock=clock
    )
    with TestClient(app, follow_redirects=False) as c:
        params = {"session_id": "session_x", "return_to": "https://app.example.com/signed-out"}
        out = c.get("/user_management/sessions/logout", params=params)
        assert out.headers["location"] == "https://app.example.com/signed-out"
        params["return_to"] = "https://app.example.com.evil.test/"
        assert c.get("/user_management/sessions/logout", params=params).status_code == 400


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"session_id": "session_x", "return_to": "https://elsewhere.test/"},
        {"session_id": "session_x", "return_to": "javascript:alert(1)"},
    ],
)
def test_logout_refuses_what_it_cannot_do(client: TestClient, params: dict[str, str]) -> None:
    assert client.get("/user_management/sessions/logout", params=params).status_code == 400


# -- malformed requests -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        authorize(client_id="client_other"),
        authorize(redirect_uri="https://elsewhere.test/cb"),
        authorize(provider=None),
        authorize(provider="MySpaceOAuth"),
        authorize(screen_hint="sign-sideways"),
        authorize(response_type="token"),
        authorize(code_challenge="short", code_challenge_method="S256"),
    ],
)
def test_malformed_requests_get_a_readable_400_page(
    client: TestClient, params: dict[str, str]
) -> None:
    response = client.get("/user_management/authorize", params=params)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")


def test_an_unknown_organization_goes_back_with_an_error(client: TestClient) -> None:
    response = client.get("/user_management/authorize", params=authorize(organization_id="org_x"))
    assert query_of(response.headers["location"])["error"] == "organization_invalid"


# -- impersonation and auto-approve -------------------------------------------------------------


def test_impersonation(client: TestClient) -> None:
    started = client.post(
        "/_emulator/impersonate",
        json={
            "email": "bob@example.com",
            "impersonator": "admin@foocorp.test",
            "reason": "Support ticket 42",
            "redirect_uri": REDIRECT_URI,
        },
    )
    assert started.status_code == 200, started.text
    body = authenticate(client, grant_type="authorization_code", code=started.json()["code"])
    answer = body.json()
    assert answer["authentication_method"] == "Impersonation"
    assert answer["impersonator"] == {"email": "admin@foocorp.test", "reason": "Support ticket 42"}
    assert claims_of(client, answer["access_token"])["act"] == {"sub": "admin@foocorp.test"}
    renewed = refresh(client, answer["refresh_token"]).json()
    assert renewed["impersonator"]["email"] == "admin@foocorp.test"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"email": "nobody@x.test", "impersonator": "a@b.test"}, "user_id or email"),
        ({"email": "bob@example.com", "impersonator": "not-an-email"}, "impersonator"),
        ({"email": "bob@example.com", "impersonator": "a@b.test", "reason": 5}, "reason"),
        (
            {
                "email": "bob@example.com",
                "impersonator": "a@b.test",
                "organization_id": ACME_ORG_ID,
            },
            "not a member",
        ),
        ({"email": "bob@example.com", "impersonator": "a@b.test"}, "redirect_uri"),
        ([], "object"),
    ],
)
def test_impersonation_refuses(client: TestClient, body: object, message: str) -> None:
    response = client.post("/_emulator/impersonate", json=body)
    assert response.status_code == 400
    assert message in response.json()["message"]


def test_auto_approve_signs_the_hinted_user_in_at_once(clock: FrozenClock) -> None:
    with TestClient(create_app(auto_approve=True, clock=clock), follow_redirects=False) as c:
        hosted = c.get("/user_management/authorize", params=authorize(login_hint="bob@example.com"))
        assert hosted.status_code == 302
        code = query_of(hosted.headers["location"])["code"]
        answer = authenticate(c, grant_type="authorization_code", code=code).json()
        assert answer["user"]["id"] == BOB
        params = authorize(provider=None, connection_id=EXAMPLE_CONNECTION_ID)
        sso = c.get(
            "/user_management/authorize", params={**params, "login_hint": "alice@example.com"}
        )
        assert sso.status_code == 302 and "code" in query_of(sso.headers["location"])
        unhinted = c.get("/user_management/authorize", params=authorize())
        assert unhinted.status_code == 200
