"""The local cache of session reads in front of a server-side store, on both adapters
and a real redis-server: a read is reused for at most ``session_cache_ttl`` seconds;
another host's sign-out is seen once that bound has passed; this process's own sign-out
and revocation at once; never a session past its own expiry; bounded memory.

The bound is timed by the injected clock here (``AuthConfig(clock=...)`` times the
cache too); ``tests/test_multiworker.py`` shows it between real server processes.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import respx
from anyio.from_thread import BlockingPortal

from workos_middleware import (
    AuthConfig,
    ConfigurationError,
    MemorySessionStore,
    RedisSessionStore,
)

from support import APP_URL, AppClient, Client, FrozenClock, cookie_cleared, make_config

SESSION = "next-auth.session-token"
ALICE = "prof_01ALICE"


@pytest.fixture
def store(redis_url: str, portal: BlockingPortal) -> Iterator[RedisSessionStore]:
    made = RedisSessionStore(redis_url)
    yield made
    made.close()
    portal.call(made.aclose)


def signed_in(client: AppClient) -> bool:
    """Both ways the app sees a session: GET /api/auth/session and a passthrough view."""
    session = client.get("/api/auth/session").json()
    view = client.get("/").json()
    assert bool(session) == view["authenticated"], (session, view)
    return view["authenticated"] is True


def revoke_elsewhere(redis_url: str) -> None:
    """Another host (its own store object, the same Redis) signs Alice out everywhere."""
    other = RedisSessionStore(redis_url)
    try:
        assert other.revoke_user_sync(ALICE) >= 1
    finally:
        other.close()


def test_another_hosts_revocation_is_seen_once_the_bound_has_passed(
    adapter: str,
    portal: BlockingPortal,
    store: RedisSessionStore,
    redis_url: str,
    workos: respx.MockRouter,
) -> None:
    clock = FrozenClock(time.time())
    config = make_config(session_store=store, clock=clock, session_cache_ttl=1.0)
    client = Client(adapter, config, portal)
    client.sign_in(workos)
    assert signed_in(client)
    revoke_elsewhere(redis_url)
    # Inside the bound this process serves the read it made (no round trip to Redis).
    clock.advance(0.9)
    assert signed_in(client)
    # Past it, the session is gone here too, and the cookie is cleared.
    clock.advance(0.2)
    response = client.get("/api/auth/session")
    assert response.json() == {}
    assert cookie_cleared(response, SESSION)
    assert client.get("/").json()["authenticated"] is False


def test_without_the_cache_another_hosts_revocation_is_seen_at_once(
    adapter: str,
    portal: BlockingPortal,
    store: RedisSessionStore,
    redis_url: str,
    workos: respx.MockRouter,
) -> None:
    config = make_config(session_store=store, clock=FrozenClock(time.time()), session_cache_ttl=0)
    client = Client(adapter, config, portal)
    client.sign_in(workos)
    assert signed_in(client)
    revoke_elsewhere(redis_url)
    assert not signed_in(client)


def test_sign_out_and_revocation_in_this_process_are_seen_at_once(
    adapter: str,
    portal: BlockingPortal,
    store: RedisSessionStore,
    workos: respx.MockRouter,
) -> None:
    # A frozen clock: the cache would serve its reads forever, but for what this
    # process itself did.
    config = make_config(session_store=store, clock=FrozenClock(time.time()), session_cache_ttl=60)
    client = Client(adapter, config, portal)
    client.sign_in(workos)
    assert signed_in(client)
    stolen = client.cookies[SESSION]
    # A copy of the cookie, through the same middleware (the same cache): cached now.
    thief = AppClient(client.middleware, adapter, portal, base_url=APP_URL)
    thief.cookies.set(SESSION, stolen, domain="app.test")
    assert signed_in(thief)
    # And through another middleware in this process in front of the same store (its
    # own cache): a second app, a mount.
    other_app = Client(adapter, config, portal)
    other_app.set_cookie(SESSION, stolen)
    assert signed_in(other_app)
    out = client.post("/api/auth/signout", data={"csrfToken": client.csrf()})
    assert out.status_code == 302
    assert not signed_in(thief)
    assert not signed_in(other_app)

    # revoke_user() on the configured store, as an app's "sign out everywhere" calls it.
    laptop = Client(adapter, config, portal)
    laptop.sign_in(workos)
    phone = AppClient(laptop.middleware, adapter, portal, base_url=APP_URL)
    phone.cookies.set(SESSION, laptop.cookies[SESSION], domain="app.test")
    assert signed_in(laptop) and signed_in(phone)
    if adapter == "asgi":

        async def revoke() -> int:
            return await store.revoke_user(ALICE)

        assert portal.call(revoke) == 1
    else:
        assert store.revoke_user_sync(ALICE) == 1
    assert not signed_in(laptop) and not signed_in(phone)


def test_no_cached_session_outlives_its_own_expiry(
    adapter: str, portal: BlockingPortal, workos: respx.MockRouter
) -> None:
    clock = FrozenClock(time.time())
    # The memory store follows the same clock: the record expires when the session does.
    store = MemorySessionStore(clock=clock)
    config = make_config(session_store=store, clock=clock, session_max_age=30, session_cache_ttl=60)
    client = Client(adapter, config, portal)
    client.sign_in(workos)
    clock.advance(29)
    assert signed_in(client)  # read (and cached) one second before it expires
    clock.advance(1.5)
    assert not signed_in(client)


def test_bounded_memory(adapter: str, portal: BlockingPortal, workos: respx.MockRouter) -> None:
    store = MemorySessionStore()
    config = make_config(session_store=store, clock=FrozenClock(time.time()), session_cache_size=3)
    client = Client(adapter, config, portal)
    cookies = []
    for _ in range(8):
        client.cookies.clear()
        client.sign_in(workos)
        cookies.append(client.cookies[SESSION])
        assert signed_in(client)
    cache: Any = client.middleware.core.server_store
    assert len(cache) == 3
    # Every session still works: the evicted ones are read from the store again.
    for value in cookies:
        client.cookies.clear()
        client.cookies.set(SESSION, value, domain="app.test")
        assert signed_in(client)
    assert len(cache) == 3


@pytest.mark.parametrize("ttl", [-1, 61, float("nan"), float("inf"), "1", True, None])
def test_a_bad_cache_ttl_is_refused_at_construction(ttl: Any) -> None:
    with pytest.raises(ConfigurationError, match="session_cache_ttl"):
        make_config(session_cache_ttl=ttl)


@pytest.mark.parametrize("size", [0, -5, 1.5, "10", True])
def test_a_bad_cache_size_is_refused_at_construction(size: Any) -> None:
    with pytest.raises(ConfigurationError, match="session_cache_size"):
        make_config(session_cache_size=size)


def test_the_cache_ttl_from_the_environment() -> None:
    env = {
        "WORKOS_CLIENT_ID": "client_1",
        "WORKOS_API_KEY": "sk_1",
        "AUTH_SECRET": "a-secret-0123456789-0123456789",
        "AUTH_URL": "http://app.test",
    }
    assert AuthConfig.from_env(env).session_cache_ttl == 1.0
    assert AuthConfig.from_env({**env, "AUTH_SESSION_CACHE_TTL": "0.25"}).session_cache_ttl == 0.25
    assert AuthConfig.from_env({**env, "AUTH_SESSION_CACHE_TTL": "0"}).session_cache_ttl == 0
    for bad in ("soon", "-1", "3600"):
        with pytest.raises(ConfigurationError, match="AUTH_SESSION_CACHE_TTL"):
            AuthConfig.from_env({**env, "AUTH_SESSION_CACHE_TTL": bad})
