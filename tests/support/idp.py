"""Helpers for the OAuth 2.0 / OIDC provider tests (not imported by ``support``: it makes
RSA keys): an RSA-signed IdP mocked with respx.

ID tokens are built with PyJWT and a test RSA key, as a real IdP would sign them; the
JWKS, discovery, token and userinfo endpoints are respx routes.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import jwt
import respx
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from .client import Client
from .constants import APP_URL
from .urls import query_of

ISSUER = "https://idp.test"
OIDC_CLIENT_ID = "oidc-client"
OIDC_SECRET = "oidc-secret"

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    entry: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    entry.update(kid=kid, use="sig", alg="RS256")
    return entry


def jwks(*pairs: tuple[rsa.RSAPrivateKey, str]) -> dict[str, Any]:
    return {"keys": [public_jwk(key, kid) for key, kid in pairs]}


def id_token(
    nonce: str | None,
    *,
    key: Any = KEY,
    kid: str | None = "k1",
    algorithm: str = "RS256",
    **claims: Any,
) -> str:
    now = int(time.time())
    payload: dict[str, Any] = {
        "iss": ISSUER,
        "sub": "user-123",
        "aud": OIDC_CLIENT_ID,
        "iat": now,
        "exp": now + 300,
        "email": "olivia@idp.test",
        "email_verified": True,
        "name": "Olivia Oidc",
        "picture": "https://idp.test/olivia.png",
    }
    if nonce is not None:
        payload["nonce"] = nonce
    payload.update(claims)
    payload = {k: v for k, v in payload.items() if v is not None}
    headers = {"kid": kid} if kid is not None else None
    return jwt.encode(payload, key, algorithm=algorithm, headers=headers)


def discovery(issuer: str = ISSUER) -> dict[str, Any]:
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{ISSUER}/authorize",
        "token_endpoint": f"{ISSUER}/token",
        "userinfo_endpoint": f"{ISSUER}/userinfo",
        "jwks_uri": f"{ISSUER}/jwks",
        "id_token_signing_alg_values_supported": ["RS256"],
    }


def mock_idp(router: respx.MockRouter) -> None:
    """Discovery and JWKS routes (named "discovery" and "jwks") of the test IdP."""
    router.get(f"{ISSUER}/.well-known/openid-configuration", name="discovery").respond(
        200, json=discovery()
    )
    router.get(f"{ISSUER}/jwks", name="jwks").respond(200, json=jwks((KEY, "k1")))


def begin(client: Client, provider_id: str, **query: str) -> dict[str, str]:
    """POST the sign-in button; return the authorization URL's query parameters."""
    response = client.post(
        f"/api/auth/signin/{provider_id}",
        data={"csrfToken": client.csrf(), "callbackUrl": "/dashboard"},
        params=query,
    )
    assert response.status_code == 302, response.text
    return query_of(response.headers["location"])


def finish(client: Client, provider_id: str, state: str, code: str = "code-1") -> httpx.Response:
    return client.get(f"/api/auth/callback/{provider_id}", params={"code": code, "state": state})


def session_user(client: Client) -> dict[str, Any] | None:
    session = client.get("/api/auth/session").json()
    user: dict[str, Any] | None = session.get("user")
    return user


ERROR_CALLBACK = f"{APP_URL}/api/auth/error?error=Callback"
