"""The emulator's strict OpenID Connect mode, seen by a relying party: profile claims only
from userinfo, ``iss`` in every redirect (RFC 9207), and RP-initiated logout that ends
the provider's own browser session (and refuses what the specification refuses)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from starlette.testclient import TestClient

from workos_middleware.emulator import DataError, create_app

from emulator_helpers import REDIRECT_URI, choose, verify_jwt
from support import query_of

STRICT = "/oidc/strict"
ISSUER = f"http://emulator.test{STRICT}"
CLIENT = ("strict-client", "strict-secret")
DATA = {
    "providers": [
        {
            "id": "strict",
            "client_id": CLIENT[0],
            "client_secret": CLIENT[1],
            "strict": True,
            "users": [
                {"sub": "olivia", "email": "olivia@example.com", "name": "Olivia Ortiz"},
                {"sub": "mallory", "email": "mallory@example.com", "email_verified": False},
            ],
        }
    ]
}
PARAMS = {
    "client_id": CLIENT[0],
    "redirect_uri": REDIRECT_URI,
    "response_type": "code",
    "scope": "openid email profile",
    "state": "st",
    "nonce": "n-1",
}
BACK = "http://127.0.0.1:8000/"


@pytest.fixture
def client() -> Iterator[TestClient]:
    app = create_app(data=DATA)
    with TestClient(app, base_url="http://emulator.test", follow_redirects=False) as c:
        yield c


def tokens(client: TestClient, code: str) -> dict[str, str]:
    body = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    answer = client.post(f"{STRICT}/token", data=body, auth=CLIENT)
    assert answer.status_code == 200, answer.text
    found: dict[str, str] = answer.json()
    return found


def test_discovery_promises_iss_and_names_the_end_session_endpoint(client: TestClient) -> None:
    document = client.get(f"{STRICT}/.well-known/openid-configuration").json()
    assert document["authorization_response_iss_parameter_supported"] is True
    assert document["end_session_endpoint"] == f"{ISSUER}/end_session"
    plain = client.get("/oidc/google/.well-known/openid-configuration")
    assert plain.status_code == 404  # not in this data; the default Google is not strict


def test_the_id_token_says_who_and_userinfo_says_the_rest(client: TestClient) -> None:
    query = choose(client, f"{STRICT}/authorize", PARAMS, user="olivia")
    assert query["iss"] == ISSUER and query["state"] == "st"
    answer = tokens(client, query["code"])
    jwks = client.get(f"{STRICT}/jwks").json()
    claims = verify_jwt(answer["id_token"], jwks, audience=CLIENT[0], issuer=ISSUER)
    assert "email" not in claims and "name" not in claims and claims["sub"] == "olivia"
    info = client.get(
        f"{STRICT}/userinfo", headers={"authorization": f"Bearer {answer['access_token']}"}
    ).json()
    assert info["email"] == "olivia@example.com" and info["name"] == "Olivia Ortiz"


def test_an_unverified_user_is_marked_so_in_userinfo(client: TestClient) -> None:
    query = choose(client, f"{STRICT}/authorize", PARAMS, user="mallory")
    access = tokens(client, query["code"])["access_token"]
    info = client.get(f"{STRICT}/userinfo", headers={"authorization": f"Bearer {access}"}).json()
    assert info["email"] == "mallory@example.com" and info["email_verified"] is False


def test_deny_and_errors_carry_iss_too(client: TestClient) -> None:
    query = choose(client, f"{STRICT}/authorize", PARAMS, action="deny")
    assert query["error"] == "access_denied" and query["iss"] == ISSUER
    refused = client.get(f"{STRICT}/authorize", params={**PARAMS, "scope": "email"})
    assert query_of(refused.headers["location"])["iss"] == ISSUER


def test_the_providers_session_skips_the_page_until_logout(client: TestClient) -> None:
    query = choose(client, f"{STRICT}/authorize", PARAMS, user="olivia")
    id_token = tokens(client, query["code"])["id_token"]
    again = client.get(f"{STRICT}/authorize", params=PARAMS)
    assert again.status_code == 302 and query_of(again.headers["location"])["code"]
    forced = client.get(f"{STRICT}/authorize", params={**PARAMS, "prompt": "login"})
    assert forced.status_code == 200  # prompt=login asks anyway

    logout = {"id_token_hint": id_token, "post_logout_redirect_uri": BACK, "state": "s2"}
    out = client.get(f"{STRICT}/end_session?{urlencode(logout)}")
    assert out.status_code == 302 and out.headers["location"] == f"{BACK}?state=s2"
    assert client.get(f"{STRICT}/authorize", params=PARAMS).status_code == 200


@pytest.mark.parametrize(
    ("logout", "heading"),
    [
        ({"id_token_hint": "not.a.token", "post_logout_redirect_uri": BACK}, "id_token_hint"),
        ({"post_logout_redirect_uri": BACK}, "Logout request refused"),
        ({"client_id": "someone-else"}, "Unknown client"),
        (
            {"client_id": CLIENT[0], "post_logout_redirect_uri": "https://evil.example/"},
            "Unregistered post_logout_redirect_uri",
        ),
    ],
)
def test_end_session_refuses_what_the_specification_refuses(
    client: TestClient, logout: dict[str, str], heading: str
) -> None:
    answer = client.get(f"{STRICT}/end_session?{urlencode(logout)}")
    assert answer.status_code == 400 and heading in answer.text


def test_end_session_without_a_destination_shows_a_page(client: TestClient) -> None:
    answer = client.post(f"{STRICT}/end_session", data={"client_id": CLIENT[0]})
    assert answer.status_code == 200 and "session has ended" in answer.text


def test_only_an_oidc_provider_can_be_strict() -> None:
    github = {"providers": [{"id": "gh", "kind": "github", "strict": True}]}
    with pytest.raises(DataError, match="strict"):
        create_app(data=github)
