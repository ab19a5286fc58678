"""Generic OpenID Connect provider: discovery, nonce, and ID-token checks, both adapters."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator
from typing import Any

import jwt
import pytest
import respx

from workos_middleware import ConfigurationError
from workos_middleware.providers import OIDCProvider

from support import APP_URL, Client
from support.idp import (
    ERROR_CALLBACK,
    ISSUER,
    KEY,
    OIDC_CLIENT_ID,
    OIDC_SECRET,
    OTHER_KEY,
    begin,
    discovery,
    finish,
    id_token,
    jwks,
    mock_idp,
    session_user,
)


def oidc(**overrides: Any) -> OIDCProvider:
    options: dict[str, Any] = {
        "id": "idp",
        "name": "Test IdP",
        "client_id": OIDC_CLIENT_ID,
        "client_secret": OIDC_SECRET,
        "issuer": ISSUER,
        "jwks_min_refetch_interval": 0,
    }
    options.update(overrides)
    return OIDCProvider(**options)


@pytest.fixture
def idp() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        mock_idp(router)
        yield router


@pytest.fixture
def oidc_client(make_client: Callable[..., Client]) -> Client:
    return make_client(providers=[oidc()])


def sign_in(client: Client, idp: respx.MockRouter, **token_claims: Any) -> Any:
    """One sign-in whose ID token carries the right nonce plus ``token_claims``."""
    params = begin(client, "idp")
    nonce = token_claims.pop("nonce", params["nonce"])
    token = id_token(nonce, **token_claims)
    idp.post(f"{ISSUER}/token", name="token").respond(
        200, json={"access_token": "at-1", "token_type": "Bearer", "id_token": token}
    )
    return finish(client, "idp", params["state"])


def test_authorization_url_carries_state_pkce_nonce_and_scope(
    oidc_client: Client, idp: respx.MockRouter
) -> None:
    params = begin(oidc_client, "idp", login_hint="olivia@idp.test", prompt="none")
    assert params["client_id"] == OIDC_CLIENT_ID
    assert params["redirect_uri"] == f"{APP_URL}/api/auth/callback/idp"
    assert params["response_type"] == "code"
    assert params["scope"] == "openid email profile"
    assert params["code_challenge_method"] == "S256"
    assert len(params["state"]) >= 43 and len(params["nonce"]) >= 22
    assert params["login_hint"] == "olivia@idp.test"
    assert "prompt" not in params  # not in allowed_params


def test_full_sign_in_with_a_verified_id_token(oidc_client: Client, idp: respx.MockRouter) -> None:
    response = sign_in(oidc_client, idp)
    assert response.status_code == 302
    assert response.headers["location"] == f"{APP_URL}/dashboard"
    assert session_user(oidc_client) == {
        "name": "Olivia Oidc",
        "email": "olivia@idp.test",
        "image": "https://idp.test/olivia.png",
    }
    sent = idp["token"].calls.last.request
    # client_secret_basic by default, the verifier in the body.
    expected = base64.b64encode(f"{OIDC_CLIENT_ID}:{OIDC_SECRET}".encode()).decode()
    assert sent.headers["authorization"] == f"Basic {expected}"
    body = dict(x.split("=", 1) for x in sent.content.decode().split("&"))
    assert body["grant_type"] == "authorization_code" and body["code"] == "code-1"
    assert "code_verifier" in body and "client_secret" not in body


def test_discovery_and_jwks_are_cached(oidc_client: Client, idp: respx.MockRouter) -> None:
    sign_in(oidc_client, idp)
    oidc_client.cookies.clear()
    sign_in(oidc_client, idp)
    assert session_user(oidc_client) is not None
    assert idp["discovery"].call_count == 1
    assert idp["jwks"].call_count == 1


def refused(client: Client, response: Any) -> None:
    assert response.status_code == 302
    assert response.headers["location"] == ERROR_CALLBACK
    assert session_user(client) is None


# Each case is a function of the time the test runs (not the time tests are collected:
# a long run would otherwise turn "issued in the future" into a valid token).
@pytest.mark.parametrize(
    "claims_at",
    [
        pytest.param(lambda now: {"key": OTHER_KEY}, id="bad-signature"),
        pytest.param(lambda now: {"aud": "someone-else"}, id="wrong-audience"),
        pytest.param(
            lambda now: {"aud": [OIDC_CLIENT_ID, "other"], "azp": "other"}, id="wrong-azp"
        ),
        pytest.param(lambda now: {"iss": "https://evil.test"}, id="wrong-issuer"),
        pytest.param(lambda now: {"exp": now - 120, "iat": now - 400}, id="expired"),
        pytest.param(lambda now: {"iat": now + 600}, id="issued-in-the-future"),
        pytest.param(lambda now: {"iat": now - 7200}, id="issued-too-long-ago"),
        pytest.param(lambda now: {"nonce": "not-the-one-sent"}, id="wrong-nonce"),
        pytest.param(lambda now: {"exp": None}, id="no-exp"),
        pytest.param(lambda now: {"sub": None}, id="no-sub"),
    ],
)
def test_bad_id_tokens_create_no_session(
    oidc_client: Client, idp: respx.MockRouter, claims_at: Callable[[int], dict[str, Any]]
) -> None:
    claims = claims_at(int(time.time()))
    refused(oidc_client, sign_in(oidc_client, idp, **claims))


def test_missing_nonce_is_refused(oidc_client: Client, idp: respx.MockRouter) -> None:
    params = begin(oidc_client, "idp")
    token = id_token(None)
    idp.post(f"{ISSUER}/token").respond(200, json={"access_token": "a", "id_token": token})
    refused(oidc_client, finish(oidc_client, "idp", params["state"]))


def test_small_clock_skew_is_tolerated(oidc_client: Client, idp: respx.MockRouter) -> None:
    now = int(time.time())
    sign_in(oidc_client, idp, iat=now + 30, exp=now - 30 + 300)
    assert session_user(oidc_client) is not None


@pytest.mark.parametrize("algorithm", ["HS256", "none"])
def test_symmetric_or_unsigned_tokens_are_refused(
    oidc_client: Client, idp: respx.MockRouter, algorithm: str
) -> None:
    params = begin(oidc_client, "idp")
    key = OIDC_SECRET * 4 if algorithm == "HS256" else None
    token = jwt.encode(
        {"iss": ISSUER, "aud": OIDC_CLIENT_ID, "sub": "x", "nonce": params["nonce"]},
        key,
        algorithm=algorithm,
        headers={"kid": "k1"},
    )
    idp.post(f"{ISSUER}/token").respond(200, json={"access_token": "a", "id_token": token})
    refused(oidc_client, finish(oidc_client, "idp", params["state"]))


def test_unknown_kid_refetches_the_jwks_once_then_fails(
    oidc_client: Client, idp: respx.MockRouter
) -> None:
    sign_in(oidc_client, idp)
    assert idp["jwks"].call_count == 1
    oidc_client.cookies.clear()
    refused(oidc_client, sign_in(oidc_client, idp, kid="rotated-away"))
    assert idp["jwks"].call_count == 2  # one refetch, no more


def test_rotated_key_is_found_by_the_refetch(oidc_client: Client, idp: respx.MockRouter) -> None:
    sign_in(oidc_client, idp)
    idp["jwks"].respond(200, json=jwks((KEY, "k1"), (OTHER_KEY, "k2")))
    oidc_client.cookies.clear()
    sign_in(oidc_client, idp, key=OTHER_KEY, kid="k2")
    assert session_user(oidc_client) is not None
    assert idp["jwks"].call_count == 2


def test_unknown_kids_cannot_hammer_the_jwks_endpoint(
    make_client: Callable[..., Client], idp: respx.MockRouter
) -> None:
    client = make_client(providers=[oidc(jwks_min_refetch_interval=60)])
    sign_in(client, idp)
    for _ in range(3):
        client.cookies.clear()
        refused(client, sign_in(client, idp, kid="made-up"))
    assert idp["jwks"].call_count == 1


def test_jwks_outage_fails_closed(oidc_client: Client, idp: respx.MockRouter) -> None:
    idp["jwks"].respond(503)
    refused(oidc_client, sign_in(oidc_client, idp))


def test_discovery_naming_another_issuer_fails_the_sign_in(
    oidc_client: Client, idp: respx.MockRouter
) -> None:
    idp["discovery"].respond(200, json=discovery("https://evil.test"))
    response = oidc_client.post(
        "/api/auth/signin/idp", data={"csrfToken": oidc_client.csrf(), "callbackUrl": "/"}
    )
    assert response.headers["location"] == f"{APP_URL}/api/auth/error?error=OAuthSignin"
    assert "next-auth.state" not in response.headers.get("set-cookie", "")


def test_userinfo_merged_when_asked_and_for_the_same_subject_only(
    make_client: Callable[..., Client], idp: respx.MockRouter
) -> None:
    client = make_client(providers=[oidc(userinfo=True)])
    idp.get(f"{ISSUER}/userinfo").respond(200, json={"sub": "user-123", "name": "From Info"})
    sign_in(client, idp)
    user = session_user(client)
    assert user is not None and user["name"] == "From Info"
    client.cookies.clear()
    idp.get(f"{ISSUER}/userinfo").respond(200, json={"sub": "someone-else", "name": "X"})
    refused(client, sign_in(client, idp))


def test_profile_function_maps_the_claims(
    make_client: Callable[..., Client], idp: respx.MockRouter
) -> None:
    seen: list[dict[str, Any]] = []

    def profile(claims: dict[str, Any], tokens: dict[str, Any]) -> dict[str, Any]:
        seen.append(tokens)
        return {"id": claims["sub"], "name": claims["name"].upper(), "email": None}

    client = make_client(providers=[oidc(profile=profile)])
    sign_in(client, idp)
    assert session_user(client) == {"name": "OLIVIA OIDC", "email": None, "image": None}
    assert seen[0]["access_token"] == "at-1"


def test_client_secret_post(make_client: Callable[..., Client], idp: respx.MockRouter) -> None:
    client = make_client(providers=[oidc(client_auth="client_secret_post")])
    sign_in(client, idp)
    sent = idp["token"].calls.last.request
    assert "authorization" not in sent.headers
    assert f"client_secret={OIDC_SECRET}" in sent.content.decode()


def test_explicit_endpoints_skip_discovery(
    make_client: Callable[..., Client], idp: respx.MockRouter
) -> None:
    client = make_client(
        providers=[
            oidc(
                authorization_url=f"{ISSUER}/authorize",
                token_url=f"{ISSUER}/token",
                jwks_uri=f"{ISSUER}/jwks",
            )
        ]
    )
    sign_in(client, idp)
    assert session_user(client) is not None
    assert idp["discovery"].call_count == 0


@pytest.mark.parametrize(
    "options",
    [
        {"scope": "email"},
        {"issuer": "ftp://x"},
        {"client_secret": ""},
        {"client_auth": "private_key_jwt"},
        {"idp_initiated": "accept"},
        {"authorization_url": f"{ISSUER}/authorize"},
        {"id": "bad/id"},
    ],
)
def test_configuration_errors_at_construction(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        oidc(**options)
