"""Redis stopped mid-test: requests that need a session fail closed with a clear 503
and a log record naming the cause and the setting; anonymous requests go on; nothing
is lost, and service comes back when Redis does. Both adapters, a real redis-server
(with an append-only file, as a production Redis keeps its data)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import respx
from anyio.from_thread import BlockingPortal

from workos_middleware import MemorySessionStore, RedisSessionStore

from support import Client, free_port, make_config
from support.redis_servers import RedisServer, require_redis

SESSION = "next-auth.session-token"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RedisServer]:
    require_redis()
    started = RedisServer(tmp_path, "--appendonly", "yes", "--appendfsync", "always").start()
    yield started
    started.stop()


@pytest.fixture
def store(server: RedisServer, portal: BlockingPortal) -> Iterator[RedisSessionStore]:
    made = RedisSessionStore(server.url, timeout=1)
    yield made
    made.close()
    portal.call(made.aclose)


def assert_logged(caplog: pytest.LogCaptureFixture) -> None:
    records = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert records, "no log record for the outage"
    message = records[-1].getMessage()
    assert "session store unavailable" in message and "Redis at redis://127.0.0.1" in message
    assert "ConnectionError" in message
    assert "AUTH_REDIS_URL" in message and "session_store" in message
    caplog.clear()


def test_redis_down_fails_closed_and_recovers(
    adapter: str,
    portal: BlockingPortal,
    server: RedisServer,
    store: RedisSessionStore,
    workos: respx.MockRouter,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Without the local cache of session reads, every request needs Redis (with it, a
    # session read less than session_cache_ttl ago is served: tests/test_session_cache.py).
    config = make_config(session_store=store, session_cache_ttl=0)
    client = Client(adapter, config, portal)
    client.sign_in(workos)
    assert client.get("/api/auth/session").json()["user"]["name"] == "Alice Anderson"
    # A second browser is half-way through signing in when Redis goes.
    other = Client(adapter, config, portal)
    pending = other.start_sign_in()

    server.stop()
    caplog.set_level(logging.ERROR, logger="workos_middleware")

    page = client.get("/dashboard", headers={"accept": "text/html"})
    assert page.status_code == 503
    assert "text/html" in page.headers["content-type"]
    assert "try again" in page.text and "Traceback" not in page.text
    assert page.headers["retry-after"] == "5"
    assert_logged(caplog)

    api = client.get("/private", headers={"accept": "application/json"})
    assert api.status_code == 503
    assert api.json()["error"] == "Unavailable"
    assert_logged(caplog)

    session = client.get("/api/auth/session")
    assert session.status_code == 503 and session.json()["error"] == "Unavailable"
    assert_logged(caplog)

    # Signing out cannot delete the session: refused, not pretended.
    out = client.post("/api/auth/signout", data={"csrfToken": client.csrf()})
    assert out.status_code == 503
    assert_logged(caplog)

    # Signing in cannot keep its one-time record: refused before leaving for WorkOS.
    fresh = Client(adapter, config, portal)
    data = {"csrfToken": fresh.csrf(), "callbackUrl": "/dashboard", "email": "bob@example.com"}
    assert fresh.post("/api/auth/signin/workos", data=data).status_code == 503
    assert_logged(caplog)
    # The callback of the sign-in already under way waits too (its state is kept).
    callback = {"code": "code_2", "state": pending["state"]}
    assert other.callback(callback).status_code == 503

    # Requests without a session cookie never need Redis.
    anonymous = Client(adapter, config, portal)
    assert anonymous.get("/").status_code == 200
    assert anonymous.get("/").json()["authenticated"] is False

    server.start()  # the same port and data folder: the operator brings Redis back

    # Nothing lost: the session and the sign-in under way both survive.
    assert client.get("/api/auth/session").json()["user"]["name"] == "Alice Anderson"
    assert client.get("/dashboard").json()["authenticated"] is True
    done = other.callback(callback)
    assert done.headers["location"] == "http://app.test/dashboard"
    assert other.get("/api/auth/session").json()["user"]["email"] == "alice@example.com"
    out = client.post("/api/auth/signout", data={"csrfToken": client.csrf()})
    assert out.status_code == 302
    assert client.get("/api/auth/session").json() == {}


def test_a_redis_that_never_answers_fails_closed_quickly(
    adapter: str, portal: BlockingPortal, caplog: pytest.LogCaptureFixture
) -> None:
    import time

    store = RedisSessionStore(f"redis://127.0.0.1:{free_port()}/0", timeout=1)
    client = Client(adapter, make_config(session_store=store), portal)
    client.set_cookie(SESSION, "tag.sid.mac")
    caplog.set_level(logging.ERROR, logger="workos_middleware")
    started = time.monotonic()
    # An unsigned cookie is refused before the store is asked: no outage shows.
    assert client.get("/api/auth/session").json() == {}
    data = {"csrfToken": client.csrf(), "callbackUrl": "/", "email": "bob@example.com"}
    assert client.post("/api/auth/signin/workos", data=data).status_code == 503
    assert time.monotonic() - started < 5
    assert_logged(caplog)


class BrokenStore(MemorySessionStore):
    """A custom server-side store whose backend raises its own exception classes."""

    broken: Exception | None = None

    def execute(self, op: Any) -> Any:
        if self.broken is not None:
            raise self.broken
        return super().execute(op)


class VendorError(Exception):
    """Not an OSError, not a RedisError: what some client library raises."""


@pytest.mark.parametrize(
    "failure",
    [VendorError("cluster is down"), TimeoutError(), RuntimeError("pool closed"), KeyError("x")],
    ids=lambda e: type(e).__name__,
)
def test_whatever_a_store_raises_fails_closed_the_same_way(
    adapter: str,
    portal: BlockingPortal,
    workos: respx.MockRouter,
    caplog: pytest.LogCaptureFixture,
    failure: Exception,
) -> None:
    store = BrokenStore()
    client = Client(adapter, make_config(session_store=store), portal)
    client.sign_in(workos)
    store.broken = failure
    caplog.set_level(logging.ERROR, logger="workos_middleware")
    for path, accept in [("/api/auth/session", "*/*"), ("/private", "text/html")]:
        response = client.get(path, headers={"accept": accept})
        assert response.status_code == 503, response.text
        assert "secret" not in response.text and "Traceback" not in response.text
        assert not any(c.startswith(SESSION) for c in response.headers.get_list("set-cookie"))
        records = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert len(records) == 1, [r.getMessage() for r in records]
        message = records[0].getMessage()
        assert message.startswith("session store unavailable (BrokenStore, operation read): ")
        assert type(failure).__name__ in message and "session_store setting" in message
        caplog.clear()
    store.broken = None
    assert client.get("/api/auth/session").json()["user"]["name"] == "Alice Anderson"
