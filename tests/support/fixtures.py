"""The fixtures of the middleware's tests (imported by ``tests/conftest.py``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import respx
from anyio.from_thread import BlockingPortal, start_blocking_portal

from workos_middleware import RedisSessionStore

from .client import Client, make_config
from .constants import NO_ORGANIZATIONS, WORKOS_URL
from .live import free_port
from .redis_servers import RedisCluster, RedisServer, require_redis


@pytest.fixture(scope="session")
def portal() -> Iterator[BlockingPortal]:
    with start_blocking_portal() as running:
        yield running


@pytest.fixture(params=["asgi", "wsgi"])
def adapter(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


@pytest.fixture
def make_client(adapter: str, portal: BlockingPortal) -> Callable[..., Client]:
    def make(**overrides: Any) -> Client:
        return Client(adapter, make_config(**overrides), portal)

    return make


@pytest.fixture
def client(make_client: Callable[..., Client]) -> Client:
    return make_client()


@pytest.fixture
def workos() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=WORKOS_URL, assert_all_called=False) as router:
        # By default no organization has verified the email's domain.
        router.get("/organizations", name="organizations").respond(200, json=NO_ORGANIZATIONS)
        yield router


@pytest.fixture
def closed_store(portal: BlockingPortal) -> Iterator[RedisSessionStore]:
    """A session store that is down: Redis on a port nobody listens on."""
    store = RedisSessionStore(f"redis://127.0.0.1:{free_port()}", timeout=1)
    yield store
    store.close()
    portal.call(store.aclose)


# -- real Redis servers (see redis_servers.py) -------------------------------------------


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One redis-server for the whole run; each test using ``redis_url`` starts empty."""
    require_redis()
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisCluster]:
    """A local six-node Redis Cluster (three masters, three replicas)."""
    require_redis()
    cluster = RedisCluster(tmp_path_factory.mktemp("redis-cluster")).start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def redis_tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A redis-server speaking only TLS (``rediss://``), with a self-signed certificate."""
    require_redis()
    server = RedisServer(tmp_path_factory.mktemp("redis-tls"), tls=True).start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    redis_server.cli("flushall")
    return redis_server.url


@pytest.fixture
def redis_cluster_url(redis_cluster: RedisCluster) -> str:
    redis_cluster.flush()
    return redis_cluster.url
