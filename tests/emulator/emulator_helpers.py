"""Helpers only the emulator's tests need (a unique module name, so it cannot clash with
others'). The clock, live server, query and sign-in-page helpers are ``tests/support``'s."""

from __future__ import annotations

from typing import Any

import httpx
from starlette.testclient import TestClient

from workos_middleware.emulator import DEFAULT_API_KEY, DEFAULT_CLIENT_ID
from workos_middleware.emulator.defaults import EXAMPLE_ORG_ID

from support import query_of
from support.emulator import complete_url, pending_id

REDIRECT_URI = "http://127.0.0.1:8000/api/auth/callback/workos"
CLIENT_ID = DEFAULT_CLIENT_ID
API_KEY = DEFAULT_API_KEY


def authorize_params(**overrides: str | None) -> dict[str, str]:
    """Valid /sso/authorize parameters for the Example organization, with ``overrides``."""
    params: dict[str, str | None] = {
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "response_type": "code",
        "organization": EXAMPLE_ORG_ID,
        "state": "xyz-state",
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def sign_in(
    http: httpx.Client | TestClient, user_id: str, path: str = "/sso/authorize", **params: Any
) -> dict[str, str]:
    """Open the IdP page, choose ``user_id``, and return the redirect's query parameters."""
    page = http.get(path, params=authorize_params(**params))
    assert page.status_code == 200, page.text
    done = http.post(f"{path}/complete", data={"request": pending_id(page.text), "user": user_id})
    assert done.status_code == 302, done.text
    return query_of(done.headers["location"])


def token_fields(code: str, **overrides: str | None) -> dict[str, str]:
    fields: dict[str, str | None] = {
        "client_id": CLIENT_ID,
        "client_secret": API_KEY,
        "grant_type": "authorization_code",
        "code": code,
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


def choose(
    http: httpx.Client | TestClient, path: str, params: dict[str, str], **form: str
) -> dict[str, str]:
    """Open the sign-in page at ``path``, post ``form`` with its request id, return the
    redirect's query parameters."""
    page = http.get(path, params=params)
    assert page.status_code == 200, page.text
    done = http.post(complete_url(page.url), data={"request": pending_id(page.text), **form})
    assert done.status_code == 302, done.text
    return query_of(done.headers["location"])


def verify_jwt(token: str, jwks: dict[str, Any], **options: Any) -> dict[str, Any]:
    """The claims of an RS256 JWT checked with PyJWT against ``jwks`` (the SDK's own library).

    ``options`` go to ``jwt.decode`` (``audience``, ``issuer``, ``leeway``...).
    """
    import jwt

    kid = jwt.get_unverified_header(token)["kid"]
    keys = {key["kid"]: key for key in jwks["keys"]}
    if kid not in keys:
        raise LookupError(f"no key {kid} in the JWKS")
    key = jwt.PyJWK.from_dict(keys[kid])
    options.setdefault("options", {"verify_aud": "audience" in options})
    claims: dict[str, Any] = jwt.decode(token, key.key, algorithms=["RS256"], **options)
    return claims
