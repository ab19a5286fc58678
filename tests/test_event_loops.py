"""The ASGI adapter under any number of event loops: Starlette's ``TestClient`` used as
FastAPI's documentation teaches it (``client = TestClient(app)`` at module level, no
``with`` block) runs every request in a new event loop. Full sign-ins, with the
organization lookup on, against the emulator served over real HTTP, five in a row."""

from __future__ import annotations

import asyncio
import gc
import warnings
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.testclient import TestClient

from workos_middleware import AuthConfig, AuthMiddleware, RedisSessionStore, WorkOSProvider
from workos_middleware._base.per_loop import PerLoop
from workos_middleware.emulator import DEFAULT_API_KEY, DEFAULT_CLIENT_ID, create_app
from workos_middleware.emulator.defaults import ALICE_ID

from support import APP_URL, free_port, serve
from support.emulator import pick

EMULATOR_URL = f"http://127.0.0.1:{free_port()}"


def _config(**options: Any) -> AuthConfig:
    provider = WorkOSProvider(
        client_id=DEFAULT_CLIENT_ID,
        client_secret=DEFAULT_API_KEY,
        base_url=EMULATOR_URL,
        lookup_organizations=True,  # sign-in by email domain: GET /organizations first
    )
    return AuthConfig(
        providers=[provider], secret="event-loops-secret-7c2e9f4a1b", url=APP_URL, **options
    )


starlette_app = Starlette(middleware=[Middleware(AuthMiddleware, config=_config())])
fastapi_app = FastAPI(middleware=[Middleware(AuthMiddleware, config=_config())])

# As the FastAPI tutorial writes it: module level, no ``with`` (so no lifespan, and each
# request in an event loop of its own).
starlette_client = TestClient(starlette_app, base_url=APP_URL, follow_redirects=False)
fastapi_client = TestClient(fastapi_app, base_url=APP_URL, follow_redirects=False)


@pytest.fixture(scope="module", autouse=True)
def emulator() -> Iterator[str]:
    callback = f"{APP_URL}/api/auth/callback/workos"
    server = serve(create_app(redirect_uris=[callback]), port=int(EMULATOR_URL.rsplit(":", 1)[1]))
    yield server.url
    server.stop()


def sign_in(client: TestClient, email: str) -> dict[str, object]:
    client.cookies.clear()
    token = client.get("/api/auth/csrf").json()["csrfToken"]
    started = client.post("/api/auth/signin/workos", data={"csrfToken": token, "email": email})
    assert started.status_code == 302, started.text
    authorize = started.headers["location"]
    assert authorize.startswith(f"{EMULATOR_URL}/sso/authorize?"), authorize
    assert "organization=org_" in authorize  # found by the organization lookup
    with httpx.Client() as browser:
        back = pick(browser, authorize, user=ALICE_ID)
    done = client.get(back)
    assert done.status_code == 302, done.text
    assert "error" not in done.headers["location"], done.headers["location"]
    session: dict[str, object] = client.get("/api/auth/session").json()
    return session


def auth_middleware(app: Any) -> AuthMiddleware:
    """The AuthMiddleware instance in a Starlette app's middleware stack."""
    layer = app.middleware_stack
    while not isinstance(layer, AuthMiddleware):
        layer = layer.app
    return layer


@pytest.mark.parametrize("client", [starlette_client, fastapi_client], ids=["starlette", "fastapi"])
def test_five_sign_ins_in_a_row_each_in_its_own_event_loop(client: TestClient) -> None:
    for _ in range(5):
        session = sign_in(client, "alice@example.com")
        user = session["user"]
        assert isinstance(user, dict) and user["email"] == "alice@example.com"
    # Each request's loop closed its provider client when it ended: none is left over.
    clients = auth_middleware(client.app).http_clients
    assert isinstance(clients, PerLoop) and len(clients) == 0


def test_the_redis_store_follows_the_event_loops_too(redis_url: str) -> None:
    """redis.asyncio's connections belong to a loop as well: sessions stored in Redis,
    read and written from a new loop at every request."""
    store = RedisSessionStore(redis_url)
    # No local cache of session reads: every read goes to Redis.
    config = _config(session_store=store, session_cache_ttl=0)
    app = Starlette(middleware=[Middleware(AuthMiddleware, config=config)])
    client = TestClient(app, base_url=APP_URL, follow_redirects=False)
    for _ in range(5):
        session = sign_in(client, "alice@example.com")
        user = session["user"]
        assert isinstance(user, dict) and user["email"] == "alice@example.com"
        assert client.get("/api/auth/session").json()["user"] == user  # read from Redis again
    assert len(store._async) == 0  # type: ignore[attr-defined]


def test_a_loop_closed_without_shutdown_leaves_no_client_behind() -> None:
    """A loop closed by hand (no ``shutdown_asyncgens``) cannot close its client; the
    next loop that needs one drops it from the table."""
    app = Starlette(middleware=[Middleware(AuthMiddleware, config=_config())])
    app.middleware_stack = app.build_middleware_stack()
    clients = auth_middleware(app).http_clients
    assert isinstance(clients, PerLoop)

    async def organization_lookup() -> int:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=APP_URL) as browser:
            token = (await browser.get("/api/auth/csrf")).json()["csrfToken"]
            started = await browser.post(
                "/api/auth/signin/workos",
                data={"csrfToken": token, "email": "alice@example.com"},
            )
        assert "organization=org_" in started.headers["location"]
        return len(clients)

    loop = asyncio.new_event_loop()
    assert loop.run_until_complete(organization_lookup()) == 1
    loop.close()
    assert len(clients) == 1  # nobody told the table
    with warnings.catch_warnings():
        # The dead loop's sockets are closed by the garbage collector (ResourceWarning).
        warnings.simplefilter("ignore", ResourceWarning)
        assert asyncio.run(organization_lookup()) == 1  # the dead loop's client dropped
        gc.collect()
    assert len(clients) == 0  # and this loop's closed with it
