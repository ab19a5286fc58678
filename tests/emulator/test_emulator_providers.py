"""The OAuth providers the emulator plays: OpenID Connect (Google) and GitHub-like OAuth 2.0.

ID tokens are checked with PyJWT against the provider's JWKS, as a relying party would.
"""

from __future__ import annotations

import base64
import hashlib
import time
from typing import Any
from urllib.parse import parse_qs

import jwt
import pytest
from starlette.testclient import TestClient

from emulator_helpers import REDIRECT_URI, choose, verify_jwt
from support import FrozenClock, query_of

GOOGLE = "/oidc/google"
ISSUER = f"http://emulator.test{GOOGLE}"
GOOGLE_CLIENT = ("google-client-emulator", "google-secret-emulator")
GITHUB = "/oauth/github"
GITHUB_CLIENT = ("github-client-emulator", "github-secret-emulator")
DANA = "108234567890123456789"
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(time.time())


def google_params(**overrides: str | None) -> dict[str, str]:
    params: dict[str, str | None] = {
        "client_id": GOOGLE_CLIENT[0],
        "redirect_uri": REDIRECT_URI,
        "response_type": "code",
        "scope": "openid email profile",
        "state": "st",
        "nonce": "n-0S6_WzA2Mj",
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def google_code(client: TestClient, sub: str = DANA, **params: str | None) -> str:
    query = choose(client, f"{GOOGLE}/authorize", google_params(**params), user=sub)
    assert query["state"] == "st"
    return query["code"]


def google_token(client: TestClient, the_code: str, **fields: str) -> Any:
    body = {
        "grant_type": "authorization_code",
        "code": the_code,
        "redirect_uri": REDIRECT_URI,
        "client_id": GOOGLE_CLIENT[0],
        "client_secret": GOOGLE_CLIENT[1],
        **fields,
    }
    return client.post(f"{GOOGLE}/token", data={k: v for k, v in body.items() if v})


def id_claims(client: TestClient, id_token: str) -> dict[str, Any]:
    jwks = client.get(f"{GOOGLE}/jwks").json()
    return verify_jwt(id_token, jwks, audience=GOOGLE_CLIENT[0], issuer=ISSUER)


# -- OpenID Connect -----------------------------------------------------------------------------


def test_discovery(client: TestClient) -> None:
    doc = client.get(f"{GOOGLE}/.well-known/openid-configuration").json()
    assert doc["issuer"] == ISSUER
    assert doc["authorization_endpoint"] == f"{ISSUER}/authorize"
    assert doc["token_endpoint"] == f"{ISSUER}/token"
    assert doc["userinfo_endpoint"] == f"{ISSUER}/userinfo"
    assert doc["jwks_uri"] == f"{ISSUER}/jwks"
    assert "client_secret_basic" in doc["token_endpoint_auth_methods_supported"]
    assert doc["code_challenge_methods_supported"] == ["S256"]


def test_the_code_flow_gives_a_verifiable_id_token(client: TestClient) -> None:
    response = google_token(client, google_code(client))
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert (body["token_type"], body["scope"]) == ("Bearer", "openid email profile")
    claims = id_claims(client, body["id_token"])
    assert claims["sub"] == DANA and claims["nonce"] == "n-0S6_WzA2Mj"
    assert (claims["email"], claims["email_verified"], claims["name"]) == (
        "dana@gmail.com",
        True,
        "Dana Diaz",
    )
    assert claims["exp"] - claims["iat"] == 3600
    userinfo = client.get(
        f"{GOOGLE}/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert userinfo.json() == {
        "sub": DANA,
        "email": "dana@gmail.com",
        "email_verified": True,
        "name": "Dana Diaz",
        "given_name": "Dana",
        "family_name": "Diaz",
    }


def test_client_authentication_by_basic(client: TestClient) -> None:
    code = google_code(client, nonce=None)
    basic = base64.b64encode(":".join(GOOGLE_CLIENT).encode()).decode()
    response = client.post(
        f"{GOOGLE}/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code == 200
    assert "nonce" not in id_claims(client, response.json()["id_token"])


def test_an_unverified_email_is_said_so(client: TestClient) -> None:
    body = google_token(client, google_code(client, "108234567890123456790")).json()
    assert id_claims(client, body["id_token"])["email_verified"] is False


@pytest.mark.parametrize(
    ("fields", "status", "error"),
    [
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        ({"client_id": "other"}, 401, "invalid_client"),
        ({"grant_type": "refresh_token"}, 400, "unsupported_grant_type"),
        ({"code": "01NOPE"}, 400, "invalid_grant"),
        ({"redirect_uri": "http://127.0.0.1:9/other"}, 400, "invalid_grant"),
        ({"code_verifier": VERIFIER}, 400, "invalid_grant"),
    ],
)
def test_token_errors(client: TestClient, fields: dict[str, str], status: int, error: str) -> None:
    response = google_token(client, google_code(client), **fields)
    assert (response.status_code, response.json()["error"]) == (status, error)


def test_both_client_authentication_methods_at_once_are_refused(client: TestClient) -> None:
    basic = base64.b64encode(":".join(GOOGLE_CLIENT).encode()).decode()
    response = client.post(
        f"{GOOGLE}/token",
        data={"grant_type": "authorization_code", "code": "x", "client_secret": GOOGLE_CLIENT[1]},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.json()["error"] == "invalid_request"


def test_pkce(client: TestClient) -> None:
    pkce = {"code_challenge": CHALLENGE.decode(), "code_challenge_method": "S256"}
    missing = google_token(client, google_code(client, **pkce))
    assert missing.json()["error"] == "invalid_grant"
    right = google_token(client, google_code(client, **pkce), code_verifier=VERIFIER)
    assert right.status_code == 200


def test_userinfo_refuses_bad_tokens(client: TestClient) -> None:
    response = client.get(f"{GOOGLE}/userinfo", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_a_scope_without_openid_goes_back_with_invalid_scope(client: TestClient) -> None:
    response = client.get(f"{GOOGLE}/authorize", params=google_params(scope="email"))
    assert query_of(response.headers["location"])["error"] == "invalid_scope"


@pytest.mark.parametrize(
    "params",
    [
        google_params(client_id="other"),
        google_params(redirect_uri="https://x.test/cb"),
        google_params(response_type="token"),
    ],
)
def test_malformed_authorize_requests_get_a_page(
    client: TestClient, params: dict[str, str]
) -> None:
    assert client.get(f"{GOOGLE}/authorize", params=params).status_code == 400


def test_deny(client: TestClient) -> None:
    query = choose(client, f"{GOOGLE}/authorize", google_params(), action="deny")
    assert (query["error"], query["state"]) == ("access_denied", "st")


def test_unknown_providers_are_404(client: TestClient) -> None:
    assert client.get("/oidc/nope/.well-known/openid-configuration").status_code == 404
    assert client.get("/oidc/github/jwks").status_code == 404  # github is not OIDC
    assert client.get("/oauth/google/user").status_code == 404


@pytest.mark.parametrize(
    ("defect", "error"),
    [
        ("bad_signature", jwt.InvalidSignatureError),
        ("expired", jwt.ExpiredSignatureError),
        ("wrong_audience", jwt.InvalidAudienceError),
        ("wrong_issuer", jwt.InvalidIssuerError),
        ("future_iat", jwt.ImmatureSignatureError),
        ("unknown_kid", LookupError),
    ],
)
def test_id_token_defects(client: TestClient, defect: str, error: type) -> None:
    fault = {"endpoint": "google.token", "kind": "token_defect", "defect": defect}
    assert client.post("/_emulator/faults", json=fault).status_code == 201
    with pytest.raises(error):
        id_claims(client, google_token(client, google_code(client)).json()["id_token"])
    id_claims(client, google_token(client, google_code(client)).json()["id_token"])


def test_a_wrong_nonce(client: TestClient) -> None:
    fault = {"endpoint": "google.token", "kind": "token_defect", "defect": "wrong_nonce"}
    client.post("/_emulator/faults", json=fault)
    body = google_token(client, google_code(client)).json()
    assert id_claims(client, body["id_token"])["nonce"] != "n-0S6_WzA2Mj"


def test_key_rotation_and_an_unknown_kid(client: TestClient) -> None:
    before = client.get(f"{GOOGLE}/jwks").json()
    rotated = client.post("/_emulator/keys/rotate", json={"issuer": "google"}).json()
    token = google_token(client, google_code(client)).json()["id_token"]
    assert jwt.get_unverified_header(token)["kid"] == rotated["kid"]
    with pytest.raises(LookupError):  # a client still holding the old JWKS must refetch
        verify_jwt(token, before, audience=GOOGLE_CLIENT[0], issuer=ISSUER)
    assert id_claims(client, token)["sub"] == DANA
    keys = client.get("/_emulator/keys").json()
    assert keys["google"] == rotated["kids"] and len(keys["google"]) == 2
    assert keys["workos"] != keys["google"]


def test_provider_faults(client: TestClient) -> None:
    client.post(
        "/_emulator/faults", json={"endpoint": "google.discovery", "kind": "status", "status": 503}
    )
    assert client.get(f"{GOOGLE}/.well-known/openid-configuration").status_code == 503
    assert client.get(f"{GOOGLE}/.well-known/openid-configuration").status_code == 200
    client.post("/_emulator/faults", json={"endpoint": "google.jwks", "kind": "malformed_json"})
    malformed = client.get(f"{GOOGLE}/jwks")
    assert malformed.status_code == 200
    with pytest.raises(ValueError):
        malformed.json()
    assert client.get(f"{GOOGLE}/jwks").json()["keys"]


# -- GitHub -------------------------------------------------------------------------------------


def github_code(client: TestClient, sub: str = "1002", scope: str = "read:user user:email") -> str:
    params = {
        "client_id": GITHUB_CLIENT[0],
        "redirect_uri": REDIRECT_URI,
        "scope": scope,
        "state": "gh",
    }
    query = choose(client, f"{GITHUB}/login/oauth/authorize", params, user=sub)
    assert query["state"] == "gh"
    return query["code"]


def github_token(
    client: TestClient, the_code: str, accept: str = "application/json", **fields: str
) -> Any:
    body = {
        "client_id": GITHUB_CLIENT[0],
        "client_secret": GITHUB_CLIENT[1],
        "code": the_code,
        **fields,
    }
    return client.post(f"{GITHUB}/login/oauth/access_token", data=body, headers={"Accept": accept})


def test_github_flow_with_a_hidden_email(client: TestClient) -> None:
    body = github_token(client, github_code(client)).json()
    assert body["token_type"] == "bearer" and body["access_token"].startswith("gho_")
    auth = {"Authorization": f"Bearer {body['access_token']}"}
    user = client.get(f"{GITHUB}/user", headers=auth).json()
    assert (user["id"], user["login"], user["name"], user["email"]) == (
        1002,
        "hal9000",
        "Hal Nine",
        None,
    )
    emails = client.get(
        f"{GITHUB}/user/emails", headers={"Authorization": f"token {body['access_token']}"}
    )
    primary = [e for e in emails.json() if e["primary"] and e["verified"]]
    assert [e["email"] for e in primary] == ["hal@discovery.test"]


def test_github_answers_a_form_by_default(client: TestClient) -> None:
    response = github_token(client, github_code(client, "1001"), accept="*/*")
    assert response.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert parse_qs(response.text)["token_type"] == ["bearer"]


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"client_secret": "wrong"}, "incorrect_client_credentials"),
        ({"code": "01NOPE"}, "bad_verification_code"),
        ({"redirect_uri": "http://127.0.0.1:9/other"}, "redirect_uri_mismatch"),
    ],
)
def test_github_errors_are_200s(client: TestClient, fields: dict[str, str], error: str) -> None:
    response = github_token(client, github_code(client), **fields)
    assert (response.status_code, response.json()["error"]) == (200, error)


def test_github_emails_need_the_scope(client: TestClient) -> None:
    token = github_token(client, github_code(client, scope="read:user")).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get(f"{GITHUB}/user", headers=auth).status_code == 200
    assert client.get(f"{GITHUB}/user/emails", headers=auth).status_code == 404


def test_github_bad_credentials(client: TestClient) -> None:
    response = client.get(f"{GITHUB}/user", headers={"Authorization": "Bearer gho_nope"})
    assert (response.status_code, response.json()["message"]) == (401, "Bad credentials")
    assert client.get(f"{GITHUB}/user/emails").status_code == 401


def test_github_login_hint_and_unverified_user(client: TestClient) -> None:
    params = {"client_id": GITHUB_CLIENT[0], "redirect_uri": REDIRECT_URI, "login": "ghopper"}
    page = client.get(f"{GITHUB}/login/oauth/authorize", params=params)
    assert 'class="user hinted"' in page.text and "@ghopper" in page.text
    token = github_token(client, github_code(client, "1003")).json()["access_token"]
    emails = client.get(
        f"{GITHUB}/user/emails", headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert [e["verified"] for e in emails] == [False]


def test_auto_approve_with_a_hint(clock: FrozenClock) -> None:
    from workos_middleware.emulator import create_app

    with TestClient(create_app(auto_approve=True, clock=clock), follow_redirects=False) as c:
        google = c.get(f"{GOOGLE}/authorize", params=google_params(login_hint="dana@gmail.com"))
        code = query_of(google.headers["location"])["code"]
        assert google_token(c, code).status_code == 200
        params = {"client_id": GITHUB_CLIENT[0], "redirect_uri": REDIRECT_URI, "login": "hal9000"}
        github = c.get(f"{GITHUB}/login/oauth/authorize", params=params)
        assert "code" in query_of(github.headers["location"])
