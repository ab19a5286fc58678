"""The server-side stores themselves, through both drivers: memory, a real redis-server
and a real six-node Redis Cluster. (The HTTP behaviour on both adapters is in
``test_store_sessions.py``.)"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from anyio.from_thread import BlockingPortal

from workos_middleware import ConfigurationError
from workos_middleware._adapters.drivers import run_async, run_sync
from workos_middleware._base.effects import Flow
from workos_middleware._keys.signing import KeyRing
from workos_middleware._keys.state import UsedStates
from workos_middleware._sessions.redis_store import RedisSessionStore
from workos_middleware._sessions.store import (
    MemorySessionStore,
    ServerSessionStore,
    SessionKeys,
    StoreUnavailable,
)

from support import SECRET, free_port, session_token
from support.redis_servers import RedisCluster, RedisServer

Run = Callable[[Flow[Any]], Any]


@pytest.fixture(params=["memory", "redis", "rediss", "cluster"])
def store(request: pytest.FixtureRequest) -> ServerSessionStore:
    if request.param == "memory":
        return MemorySessionStore()
    if request.param == "redis":
        return RedisSessionStore(request.getfixturevalue("redis_url"))
    if request.param == "rediss":
        return tls_store(request.getfixturevalue("redis_tls_server"))
    return RedisSessionStore(request.getfixturevalue("redis_cluster_url"))


def tls_store(server: RedisServer) -> RedisSessionStore:
    """A store over TLS: ``rediss://`` and the server's CA certificate."""
    server.cli("flushall")
    return RedisSessionStore(server.url, ssl_ca_certs=str(server.ca_file))


@pytest.fixture(params=["sync", "async"])
def run(request: pytest.FixtureRequest, portal: BlockingPortal) -> Run:
    if request.param == "sync":
        return lambda flow: run_sync(flow, None)  # type: ignore[arg-type]

    def run_in_loop(flow: Flow[Any]) -> Any:
        async def go() -> Any:
            return await run_async(flow, None)  # type: ignore[arg-type]

        return portal.call(go)

    return run_in_loop


class BoundStore:
    """The store's session interface for one configuration, named for what each
    operation does here (the flows are the store's own)."""

    def __init__(
        self,
        store: ServerSessionStore,
        ring: KeyRing,
        *,
        max_age: int,
        update_age: int,
    ) -> None:
        self.store = store
        self.keys = SessionKeys(
            ring, max_age=max_age, update_age=update_age, used_states=UsedStates()
        )

    def create(self, token: Any) -> Flow[Any]:
        return self.store.save(self.keys, None, token)

    def read(self, value: str) -> Flow[Any]:
        return self.store.load(self.keys, value, self.keys.clock())

    def update(self, value: str, token: Any) -> Flow[bool]:
        return (yield from self.store.save(self.keys, value, token)) is not None

    def delete(self, value: str) -> Flow[Any]:
        return self.store.end(self.keys, value)

    def put_once(self, state: str, record: dict[str, Any], ttl: int) -> Flow[None]:
        return self.store.remember_sign_in(self.keys, state, record, ttl)

    def redeem(self, state: str, verifier: str) -> Flow[bool]:
        return self.store.redeem_sign_in(self.keys, state, verifier, 60)


def sessions(store: ServerSessionStore, max_age: int = 3600, update_age: int = 600) -> BoundStore:
    return BoundStore(store, KeyRing([SECRET]), max_age=max_age, update_age=update_age)


def test_create_read_delete(store: ServerSessionStore, run: Run) -> None:
    manager = sessions(store)
    cookie, expires_at = run(manager.create(session_token()))
    assert abs(expires_at - (time.time() + 3600)) < 5
    assert "alice" not in cookie and len(cookie) < 160
    loaded = run(manager.read(cookie))
    assert loaded.token() == session_token()
    assert abs(loaded.expires_at - expires_at) < 5
    assert loaded.renewed is False
    assert run(manager.delete(cookie)) == session_token()
    assert run(manager.read(cookie)) is None
    assert run(manager.delete(cookie)) is None


def test_update_replaces_the_token_and_keeps_the_expiry(
    store: ServerSessionStore, run: Run
) -> None:
    manager = sessions(store)
    cookie, expires_at = run(manager.create(session_token()))
    assert run(manager.update(cookie, session_token(name="Alice A."))) is True
    loaded = run(manager.read(cookie))
    assert loaded.token()["name"] == "Alice A."
    assert abs(loaded.expires_at - expires_at) < 5
    run(manager.delete(cookie))
    assert run(manager.update(cookie, session_token())) is False  # never revives a session
    assert run(manager.read(cookie)) is None
    assert run(manager.update("not.a.cookie", session_token())) is False


def test_a_cookie_not_signed_by_us_is_refused(store: ServerSessionStore, run: Run) -> None:
    manager = sessions(store)
    cookie, _ = run(manager.create(session_token()))
    tag, sid, mac = cookie.split(".")
    other = BoundStore(store, KeyRing(["another-secret-0123456789"]), max_age=60, update_age=6)
    for forged in (
        f"{tag}.{sid}.{mac[:-1]}{'0' if mac[-1] != '0' else '1'}",
        f"{tag}.{sid}x.{mac}",
        f"{tag}.{sid}",
        "",
        "a.b.c.d",
        "x" * 500,
    ):
        assert run(manager.read(forged)) is None
    assert run(other.read(cookie)) is None
    assert run(manager.read(cookie)) is not None


def test_secret_rotation_keeps_session_ids_valid(store: ServerSessionStore, run: Run) -> None:
    old, new = "old-secret-0123456789abcdef", "new-secret-0123456789abcdef"
    before = BoundStore(store, KeyRing([old]), max_age=60, update_age=6)
    cookie, _ = run(before.create(session_token()))
    during = BoundStore(store, KeyRing([old, new]), max_age=60, update_age=6)
    assert run(during.read(cookie)) is not None
    after = BoundStore(store, KeyRing([new]), max_age=60, update_age=6)
    assert run(after.read(cookie)) is None


def test_read_slides_the_expiry_once_per_update_age(store: ServerSessionStore, run: Run) -> None:
    short = sessions(store, max_age=100, update_age=50)
    cookie, _ = run(short.create(session_token()))
    assert run(short.read(cookie)).renewed is False
    # A configuration with a longer max_age and updateAge 0 refreshes at once: TTL = max_age.
    longer = sessions(store, max_age=5000, update_age=0)
    loaded = run(longer.read(cookie))
    assert loaded.renewed is True
    assert abs(loaded.expires_at - (time.time() + 5000)) < 5
    assert abs(run(short.read(cookie)).expires_at - (time.time() + 5000)) < 5


def test_sign_out_everywhere(store: ServerSessionStore, run: Run, portal: BlockingPortal) -> None:
    manager = sessions(store)
    alice = [run(manager.create(session_token()))[0] for _ in range(3)]
    bob = run(manager.create(session_token(sub="prof_01BOB")))[0]
    assert store.revoke_user_sync("prof_01ALICE") == 3
    assert all(run(manager.read(cookie)) is None for cookie in alice)
    assert run(manager.read(bob)) is not None
    assert store.revoke_user_sync("prof_01ALICE") == 0
    again = run(manager.create(session_token()))[0]
    assert run(manager.read(again)) is not None  # signing in again works

    async def revoke_bob() -> int:
        return await store.revoke_user("prof_01BOB")

    assert portal.call(revoke_bob) == 1
    assert run(manager.read(bob)) is None
    assert run(manager.read(again)) is not None


def test_one_time_records_are_taken_once(store: ServerSessionStore, run: Run) -> None:
    manager = sessions(store)
    run(manager.put_once("state-1", {"v": "verifier"}, 60))
    run(manager.put_once("state-2", {"v": "verifier"}, 60))
    assert run(manager.redeem("state-2", "another verifier")) is False  # and it is gone
    assert run(manager.redeem("state-2", "verifier")) is False
    assert run(manager.redeem("state-1", "verifier")) is True
    assert run(manager.redeem("state-1", "verifier")) is False
    assert run(manager.redeem("never-stored", "verifier")) is False


def test_one_time_records_race(store: ServerSessionStore) -> None:
    """Eight threads redeem the same state at once: exactly one gets it."""
    manager = sessions(store)
    run_sync(manager.put_once("race", {"v": "x"}, 60), None)  # type: ignore[arg-type]
    results: list[Any] = []
    barrier = threading.Barrier(8)

    def redeem() -> None:
        barrier.wait()
        results.append(run_sync(manager.redeem("race", "x"), None))  # type: ignore[arg-type]

    threads = [threading.Thread(target=redeem) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(False) == 7
    assert results.count(True) == 1


def test_memory_store_expiry_follows_its_clock() -> None:
    now = [1000.0]
    store = MemorySessionStore(clock=lambda: now[0])
    manager = BoundStore(store, KeyRing([SECRET], lambda: now[0]), max_age=60, update_age=10)
    cookie, expires_at = run_sync(manager.create(session_token()), None)  # type: ignore[arg-type]
    assert expires_at == 1060
    now[0] += 30
    loaded = run_sync(manager.read(cookie), None)  # type: ignore[arg-type]
    assert loaded.renewed is True and loaded.expires_at == 1090
    now[0] += 59
    assert run_sync(manager.read(cookie), None) is not None  # type: ignore[arg-type]
    assert store.live_sessions() == 1
    now[0] += 61
    assert run_sync(manager.read(cookie), None) is None  # type: ignore[arg-type]
    assert store.live_sessions() == 0


def test_redis_ttl_is_max_age(redis_url: str) -> None:
    import redis

    store = RedisSessionStore(redis_url)
    manager = sessions(store, max_age=1, update_age=1)
    cookie, _ = run_sync(manager.create(session_token()), None)  # type: ignore[arg-type]
    client = redis.Redis.from_url(redis_url)
    [key] = [k for k in client.keys("wm:*") if b":s:" in k]
    assert 0 < client.pttl(key) <= 1000
    time.sleep(1.1)
    assert run_sync(manager.read(cookie), None) is None  # type: ignore[arg-type]
    client.close()
    store.close()


def test_cluster_keys_of_a_user_share_a_slot(
    redis_cluster_url: str, redis_cluster: RedisCluster
) -> None:
    store = RedisSessionStore(redis_cluster_url)
    manager = sessions(store)
    users = [f"user_{i}" for i in range(12)]
    for user in users:
        for _ in range(2):
            run_sync(manager.create(session_token(sub=user)), None)  # type: ignore[arg-type]
    # The users are spread over the three masters, each user's keys on one of them.
    per_node = [int(node.cli("dbsize")) for node in redis_cluster.masters()]
    assert sum(per_node) == 12 * 3 and all(n > 0 for n in per_node)
    assert all(n % 3 == 0 for n in per_node)
    for user in users:
        assert store.revoke_user_sync(user) == 2
    assert sum(int(node.cli("dbsize")) for node in redis_cluster.masters()) == 0
    store.close()


def test_unreachable_redis_fails_fast_with_the_setting_named(run: Run) -> None:
    store = RedisSessionStore(f"redis://:hunter2@127.0.0.1:{free_port()}/0", timeout=1)
    manager = sessions(store)
    started = time.monotonic()
    with pytest.raises(StoreUnavailable) as caught:
        run(manager.create(session_token()))
    assert time.monotonic() - started < 3
    message = str(caught.value)
    assert "AUTH_REDIS_URL" in message and "session_store" in message
    assert "hunter2" not in message and "***" in message
    with pytest.raises(StoreUnavailable):
        store.revoke_user_sync("prof_01ALICE")


@pytest.mark.parametrize(
    ("url", "options", "expected"),
    [
        ("", {}, "needs a url"),
        ("http://127.0.0.1:6379", {}, "must start with redis://"),
        ("redis://", {}, "names no host"),
        ("redis://127.0.0.1:notaport", {}, "invalid port"),
        ("redis://127.0.0.1", {"prefix": "{wm}"}, "without { or }"),
        ("redis://127.0.0.1", {"timeout": 0}, "positive number"),
        ("unix:///tmp/redis.sock", {"cluster": True}, "unix socket"),
    ],
)
def test_configuration_errors(url: str, options: dict[str, Any], expected: str) -> None:
    with pytest.raises(ConfigurationError, match=expected):
        RedisSessionStore(url, **options)


def test_urls_and_modes() -> None:
    assert not RedisSessionStore("redis://h:1/2").cluster
    assert RedisSessionStore("redis+cluster://h:1").cluster
    store = RedisSessionStore("rediss+cluster://u:pw@h:1")
    assert store.cluster and store.url == "rediss://u:pw@h:1"
    assert store.describe() == "Redis Cluster at rediss://u:***@h:1"
    assert RedisSessionStore("redis://h:1", cluster=True).cluster


ENV = {
    "WORKOS_CLIENT_ID": "client_1",
    "WORKOS_API_KEY": "sk_1",
    "AUTH_SECRET": SECRET,
    "AUTH_URL": "http://app.test",
}


@pytest.mark.parametrize(
    ("extra", "kind"),
    [
        ({}, "cookie"),
        ({"REDIS_URL": "redis://cache:6379/0"}, "cookie"),  # the app's own Redis: ignored
        ({"AUTH_SESSION_STORE": "cookie"}, "cookie"),
        ({"AUTH_SESSION_STORE": "memory"}, "memory"),
        ({"AUTH_REDIS_URL": "redis://sessions:6379/1"}, "redis"),
        ({"AUTH_SESSION_STORE": "redis", "REDIS_URL": "redis://cache:6379/0"}, "redis"),
        ({"AUTH_SESSION_STORE": "Redis", "AUTH_REDIS_URL": "rediss+cluster://n:7000"}, "redis"),
    ],
)
def test_from_env_chooses_the_store(extra: dict[str, str], kind: str) -> None:
    from workos_middleware import AuthConfig

    store = AuthConfig.from_env({**ENV, **extra}).session_store
    assert store.kind == kind
    if "AUTH_REDIS_URL" in extra:
        assert isinstance(store, RedisSessionStore)
        assert store.url == extra["AUTH_REDIS_URL"].replace("+cluster", "")


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"AUTH_SESSION_STORE": "postgres"}, "must be one of cookie, redis, memory"),
        ({"AUTH_SESSION_STORE": "redis"}, "needs AUTH_REDIS_URL"),
        ({"AUTH_SESSION_STORE": "memory", "AUTH_REDIS_URL": "redis://h"}, "unset one of them"),
        ({"AUTH_REDIS_URL": "http://h"}, "must start with redis://"),
    ],
)
def test_from_env_store_errors(extra: dict[str, str], expected: str) -> None:
    from workos_middleware import AuthConfig

    with pytest.raises(ConfigurationError, match=expected):
        AuthConfig.from_env({**ENV, **extra})


def test_session_store_must_be_a_store() -> None:
    from support import make_config

    with pytest.raises(ConfigurationError, match="session_store must be a SessionStore"):
        make_config(session_store="redis://127.0.0.1:6379")


def test_without_the_redis_package_the_error_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "redis", None)  # as if it were not installed
    with pytest.raises(ConfigurationError, match=r"pip install 'workos-middleware\[redis\]'"):
        RedisSessionStore("redis://127.0.0.1:6379/0")


def test_rediss_verifies_the_server_certificate(redis_tls_server: RedisServer, run: Run) -> None:
    """Without the CA that signed it, the server's certificate is refused: fail closed."""
    store = RedisSessionStore(redis_tls_server.url, timeout=1)
    with pytest.raises(StoreUnavailable, match=r"SSL|certificate"):
        run(sessions(store).create(session_token()))
    trusting = RedisSessionStore(redis_tls_server.url, ssl_ca_certs=str(redis_tls_server.ca_file))
    cookie, _ = run(sessions(trusting).create(session_token()))
    assert run(sessions(trusting).read(cookie)) is not None


def test_memory_store_drops_sessions_that_expire_unread() -> None:
    now = [0.0]
    store = MemorySessionStore(clock=lambda: now[0])
    manager = BoundStore(store, KeyRing([SECRET], lambda: now[0]), max_age=60, update_age=10)
    for i in range(1500):
        run_sync(manager.create(session_token(sub=f"user-{i}")), None)  # type: ignore[arg-type]
        now[0] += 0.1  # the first ones expire long before the last are made
    assert store.live_sessions() == 600
    assert len(store._records) < 1100  # the expired were swept, not kept forever
