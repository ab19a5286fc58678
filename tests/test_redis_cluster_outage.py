"""A real six-node Redis Cluster (three masters, three replicas) failing under the
middleware, on both adapters: a master killed with ``kill -9`` while users sign in
and read their sessions, and every node down, then back.

The rule under test: whatever redis-py raises (its ``RedisClusterException`` is not a
``RedisError``), a request that needs the store gets the 503 and one log record naming
the cause and ``AUTH_REDIS_URL``; never a 500, never an anonymous answer for a
signed-in user, never a session dropped because the store was out.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import respx
from anyio.from_thread import BlockingPortal

from workos_middleware import AuthConfig, RedisSessionStore

from support import Client, make_config
from support.redis_servers import RedisCluster, require_redis
from support.urls import query_of

NAME = "Alice Anderson"
# Long enough for a failover with a 1 s node timeout, on a loaded machine.
FAILOVER_LIMIT = 60.0


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[RedisCluster]:
    """A cluster of its own: these tests kill its nodes."""
    require_redis()
    started = RedisCluster(tmp_path).start()
    yield started
    started.stop()


@pytest.fixture
def store(cluster: RedisCluster, portal: BlockingPortal) -> Iterator[RedisSessionStore]:
    made = RedisSessionStore(cluster.url, timeout=1)
    yield made
    made.close()
    portal.call(made.aclose)


def outage_records(caplog: pytest.LogCaptureFixture) -> list[str]:
    # Ours only: redis-py logs its own topology refreshes ("Topology refresh failed,
    # keeping the current one") when one happens to run during the outage.
    found = [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.ERROR and r.name.startswith("workos_middleware")
    ]
    caplog.clear()
    return found


def assert_one_outage_record(caplog: pytest.LogCaptureFixture) -> None:
    records = outage_records(caplog)
    assert len(records) == 1, records
    assert "session store unavailable (Redis Cluster at redis://127.0.0.1" in records[0]
    assert "AUTH_REDIS_URL" in records[0] and "session_store" in records[0]
    assert "Traceback" not in records[0]


def signed_in_users(
    adapter: str, portal: BlockingPortal, config: AuthConfig, workos: respx.MockRouter, count: int
) -> list[Client]:
    """``count`` browsers, each through a whole sign-in (as Alice: one user, one slot)."""
    users = [Client(adapter, config, portal) for _ in range(count)]
    for user in users:
        assert user.sign_in(workos).status_code == 302
        assert read(user).status_code == 200
    return users


def read(client: Client) -> httpx.Response:
    """The session endpoint: the user's session, or a 503; never anonymous, never 500."""
    response = client.get("/api/auth/session")
    assert response.status_code in (200, 503), (response.status_code, response.text)
    if response.status_code == 200:
        assert response.json()["user"]["name"] == NAME, response.text
    else:
        assert response.json()["error"] == "Unavailable"
        assert response.headers["retry-after"] == "5"
        # The session cookie is kept: an outage signs nobody out.
        cookies = response.headers.get_list("set-cookie")
        assert not any(c.startswith("next-auth.session-token") for c in cookies), cookies
    return response


def test_every_node_down_fails_closed_then_recovers(
    adapter: str,
    portal: BlockingPortal,
    cluster: RedisCluster,
    store: RedisSessionStore,
    workos: respx.MockRouter,
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = make_config(session_store=store)
    users = signed_in_users(adapter, portal, config, workos, 3)

    cluster.stop()
    caplog.set_level(logging.ERROR, logger="workos_middleware")

    for user in users:
        assert read(user).status_code == 503
        assert_one_outage_record(caplog)
        page = user.get("/dashboard", headers={"accept": "text/html"})
        assert page.status_code == 503
        assert "try again" in page.text and "Traceback" not in page.text
        assert_one_outage_record(caplog)
        protected = user.get("/private")
        assert protected.status_code == 503 and "secret" not in protected.text
        assert_one_outage_record(caplog)
    # Signing in needs the store for its one-time record: refused before leaving.
    fresh = Client(adapter, config, portal)
    data = {"csrfToken": fresh.csrf(), "callbackUrl": "/dashboard", "email": "bob@example.com"}
    assert fresh.post("/api/auth/signin/workos", data=data).status_code == 503
    assert_one_outage_record(caplog)
    # A request without a session never asks the store.
    assert fresh.get("/").json()["authenticated"] is False

    for node in cluster.nodes:
        node.start()  # same ports, same files: the cluster forms again
    cluster.wait_ok()

    deadline = time.monotonic() + FAILOVER_LIMIT
    while read(users[0]).status_code != 200:
        assert time.monotonic() < deadline, "the sessions did not come back"
        time.sleep(0.2)
    for user in users:
        assert read(user).status_code == 200
        assert user.get("/private").text == "secret for alice@example.com"
    assert Client(adapter, config, portal).sign_in(workos).status_code == 302


def test_a_killed_master_fails_over_without_losing_sessions(
    adapter: str,
    portal: BlockingPortal,
    cluster: RedisCluster,
    store: RedisSessionStore,
    workos: respx.MockRouter,
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = make_config(session_store=store)
    # One user's sessions share a slot (a hash tag): all of them live on one master.
    users = signed_in_users(adapter, portal, config, workos, 8)
    holders = [node for node in cluster.masters() if int(node.cli("dbsize")) > 0]
    assert len(holders) == 1
    master = holders[0]
    # What the replica has is what must survive: wait until it has every write.
    assert int(master.cli("wait", "1", "5000")) == 1

    caplog.set_level(logging.ERROR, logger="workos_middleware")
    master.kill()

    # Users keep reading and signing in while the replica takes over.
    statuses: list[int] = []
    signed_in = 0
    deadline = time.monotonic() + FAILOVER_LIMIT
    while True:
        rounds = [read(user).status_code for user in users]
        statuses.extend(rounds)
        # A newcomer signs in: its one-time record and its session each live on some
        # master, the dead one's slots included. Each step is 302 or 503, nothing else.
        newcomer = Client(adapter, config, portal)
        data = {"csrfToken": newcomer.csrf(), "callbackUrl": "/", "email": "alice@example.com"}
        started = newcomer.post("/api/auth/signin/workos", data=data)
        assert started.status_code in (302, 503), started.text
        done = None
        if started.status_code == 302:
            state = query_of(started.headers["location"])["state"]
            done = newcomer.callback({"code": "code_1", "state": state})
            assert done.status_code in (302, 503), done.text
            if done.status_code == 302:
                signed_in += 1
                read(newcomer)
        recovered = done is not None and done.status_code == 302
        if recovered and all(status == 200 for status in rounds):
            break
        assert time.monotonic() < deadline, f"no recovery: {statuses[-len(users) :]}"
        time.sleep(0.1)
    assert master not in cluster.masters()

    # Every record is the 503's one line; nothing else went wrong.
    for record in outage_records(caplog):
        assert "session store unavailable (Redis Cluster" in record, record
        assert "AUTH_REDIS_URL" in record

    # Once failed over, every session the replica had reads again, and stays read.
    for user in users:
        assert read(user).status_code == 200
        assert user.get("/dashboard").json()["authenticated"] is True
    assert signed_in >= 1

    # The killed master comes back as a replica of the one that took over.
    master.start()
    cluster.wait_ok()
    assert master not in cluster.masters()
    for user in users:
        assert read(user).status_code == 200
