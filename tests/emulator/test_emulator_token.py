"""POST /sso/token and GET /sso/profile: bodies, client checks, single-use codes, PKCE."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest
from starlette.testclient import TestClient

from workos_middleware.emulator.defaults import (
    ALICE_ID,
    DANA_ID,
    EXAMPLE_CONNECTION_ID,
    EXAMPLE_ORG_ID,
    GOOGLE_CONNECTION_ID,
)

from emulator_helpers import sign_in, token_fields
from support import FrozenClock

VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=")

PROFILE_KEYS = {
    "object",
    "id",
    "organization_id",
    "connection_id",
    "connection_type",
    "idp_id",
    "email",
    "first_name",
    "last_name",
    "name",
    "role",
    "roles",
    "groups",
    "custom_attributes",
    "raw_attributes",
}


def a_code(client: TestClient, user_id: str = ALICE_ID, **params: Any) -> str:
    return sign_in(client, user_id, **params)["code"]


def a_pkce_code(client: TestClient) -> str:
    return a_code(client, code_challenge=CHALLENGE.decode(), code_challenge_method="S256")


def assert_error(response: Any, error: str, status: int = 400) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error
    assert isinstance(body["error_description"], str) and body["error_description"]


def test_a_json_body_gets_the_full_token_response(client: TestClient) -> None:
    response = client.post("/sso/token", json=token_fields(a_code(client)))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token_type", "access_token", "expires_in", "profile", "oauth_tokens"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 600
    assert body["oauth_tokens"] is None
    profile = body["profile"]
    assert set(profile) == PROFILE_KEYS
    assert profile == {
        "object": "profile",
        "id": ALICE_ID,
        "organization_id": EXAMPLE_ORG_ID,
        "connection_id": EXAMPLE_CONNECTION_ID,
        "connection_type": "OktaSAML",
        "idp_id": "00u1a1ce0examp1e0001",
        "email": "alice@example.com",
        "first_name": "Alice",
        "last_name": "Anderson",
        "name": "Alice Anderson",
        "role": {"slug": "admin"},
        "roles": [{"slug": "admin"}],
        "groups": ["Engineering", "Admins"],
        "custom_attributes": {"department": "Engineering"},
        "raw_attributes": {},
    }


def test_a_form_body_works(client: TestClient) -> None:
    response = client.post("/sso/token", data=token_fields(a_code(client)))
    assert response.status_code == 200
    assert response.json()["profile"]["email"] == "alice@example.com"


def test_the_query_string_works(client: TestClient) -> None:
    response = client.post("/sso/token", params=token_fields(a_code(client)))
    assert response.status_code == 200


def test_a_body_without_content_type_is_sniffed(client: TestClient) -> None:
    code = a_code(client)
    content = (
        "client_id=client_emulator&client_secret=sk_test_emulator"
        f"&grant_type=authorization_code&code={code}"
    )
    response = client.post("/sso/token", content=content, headers={"content-type": ""})
    assert response.status_code == 200


def test_an_oauth_provider_profile_has_no_organization(client: TestClient) -> None:
    code = a_code(client, DANA_ID, organization=None, provider="GoogleOAuth")
    profile = client.post("/sso/token", json=token_fields(code)).json()["profile"]
    assert profile["organization_id"] is None
    assert profile["connection_id"] == GOOGLE_CONNECTION_ID
    assert profile["connection_type"] == "GoogleOAuth"


@pytest.mark.parametrize(
    "overrides",
    [
        {"client_secret": "sk_wrong"},
        {"client_id": "client_other"},
        {"client_id": None},
    ],
)
def test_wrong_client_credentials_are_invalid_client(
    client: TestClient, overrides: dict[str, str | None]
) -> None:
    code = a_code(client)
    response = client.post("/sso/token", json=token_fields(code, **overrides))
    assert_error(response, "invalid_client")
    assert response.json()["error_description"] == "Invalid client ID or secret."
    # The code was not used up by the failed attempt.
    assert client.post("/sso/token", json=token_fields(code)).status_code == 200


def test_no_secret_without_pkce_is_invalid_client(client: TestClient) -> None:
    response = client.post("/sso/token", json=token_fields(a_code(client), client_secret=None))
    assert_error(response, "invalid_client")


def test_other_grant_types_are_unsupported(client: TestClient) -> None:
    fields = token_fields(a_code(client), grant_type="refresh_token")
    assert_error(client.post("/sso/token", json=fields), "unsupported_grant_type")


@pytest.mark.parametrize("missing", ["grant_type", "code"])
def test_missing_fields_are_invalid_request(client: TestClient, missing: str) -> None:
    fields = token_fields("anything")
    del fields[missing]
    assert_error(client.post("/sso/token", json=fields), "invalid_request")


def test_malformed_json_is_invalid_request(client: TestClient) -> None:
    response = client.post(
        "/sso/token", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert_error(response, "invalid_request")


def test_a_code_works_once(client: TestClient) -> None:
    code = a_code(client)
    assert client.post("/sso/token", json=token_fields(code)).status_code == 200
    response = client.post("/sso/token", json=token_fields(code))
    assert_error(response, "invalid_grant")
    assert response.json()["error_description"] == "The code has expired or has already been used."


def test_an_unknown_code_is_invalid_grant(client: TestClient) -> None:
    assert_error(client.post("/sso/token", json=token_fields("01NOPE")), "invalid_grant")


def test_a_code_lives_ten_minutes(client: TestClient, clock: FrozenClock) -> None:
    fresh, stale = a_code(client), a_code(client)
    clock.advance(599)
    assert client.post("/sso/token", json=token_fields(fresh)).status_code == 200
    clock.advance(1)
    assert_error(client.post("/sso/token", json=token_fields(stale)), "invalid_grant")


def test_pkce_with_the_right_verifier(client: TestClient) -> None:
    response = client.post(
        "/sso/token", json=token_fields(a_pkce_code(client), code_verifier=VERIFIER)
    )
    assert response.status_code == 200


def test_pkce_public_client_needs_no_secret(client: TestClient) -> None:
    fields = token_fields(a_pkce_code(client), client_secret=None, code_verifier=VERIFIER)
    assert client.post("/sso/token", data=fields).status_code == 200


@pytest.mark.parametrize("verifier", [VERIFIER[:-1] + "A", "x" * 43, "short", None])
def test_pkce_with_a_wrong_or_missing_verifier(client: TestClient, verifier: str | None) -> None:
    code = a_pkce_code(client)
    response = client.post("/sso/token", json=token_fields(code, code_verifier=verifier))
    assert_error(response, "invalid_grant")
    # The failed attempt used the code up.
    again = client.post("/sso/token", json=token_fields(code, code_verifier=VERIFIER))
    assert_error(again, "invalid_grant")


def test_a_verifier_for_a_code_without_challenge(client: TestClient) -> None:
    fields = token_fields(a_code(client), code_verifier=VERIFIER)
    assert_error(client.post("/sso/token", json=fields), "invalid_grant")


def test_the_profile_endpoint(client: TestClient, clock: FrozenClock) -> None:
    token = client.post("/sso/token", json=token_fields(a_code(client))).json()
    response = client.get(
        "/sso/profile", headers={"Authorization": f"Bearer {token['access_token']}"}
    )
    assert response.status_code == 200
    assert response.json() == token["profile"]
    clock.advance(600)
    expired = client.get(
        "/sso/profile", headers={"Authorization": f"Bearer {token['access_token']}"}
    )
    assert expired.status_code == 401


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic Zm9vOmJhcg=="}],
)
def test_the_profile_endpoint_refuses_bad_tokens(
    client: TestClient, headers: dict[str, str]
) -> None:
    response = client.get("/sso/profile", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"error": "Unauthorized"}


def test_the_api_key_is_not_an_access_token(client: TestClient) -> None:
    response = client.get("/sso/profile", headers={"Authorization": "Bearer sk_test_emulator"})
    assert response.status_code == 401
