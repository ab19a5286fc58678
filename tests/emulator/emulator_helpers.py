"""Helpers for the emulator's tests (a unique module name, so it cannot clash with others')."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.testclient import TestClient

from workos_middleware.emulator import DEFAULT_API_KEY, DEFAULT_CLIENT_ID
from workos_middleware.emulator.defaults import EXAMPLE_ORG_ID

REDIRECT_URI = "http://127.0.0.1:8000/api/auth/callback/workos"
CLIENT_ID = DEFAULT_CLIENT_ID
API_KEY = DEFAULT_API_KEY


class FakeClock:
    """A clock tests move by hand, so codes and tokens expire without sleeping."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


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


def query_of(location: str) -> dict[str, str]:
    """The query parameters of a redirect's Location, one value each."""
    pairs = parse_qs(urlsplit(location).query, keep_blank_values=True)
    return {k: v[0] for k, v in pairs.items()}


def pending_id(html: str) -> str:
    """The pending-request id the IdP page's form carries."""
    marker = 'name="request" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


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


@dataclass
class LiveServer:
    """An emulator served by uvicorn in a background thread."""

    url: str
    app: Starlette
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def serve(app: Starlette) -> LiveServer:
    """Run ``app`` with uvicorn on a free loopback port."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the emulator did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    return LiveServer(f"http://127.0.0.1:{port}", app, server, thread)


def complete_url(page_url: Any) -> str:
    """Where a sign-in page's form posts: its URL without the query, plus ``/complete``."""
    return str(page_url).split("?", 1)[0] + "/complete"


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
