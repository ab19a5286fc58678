"""Fixtures for the emulator's tests: a fake clock, an in-process client, a live server."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient
from workos import WorkOSClient

from workos_middleware.emulator import create_app

from emulator_helpers import API_KEY, CLIENT_ID
from support import FrozenClock, LiveServer, serve


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def app(clock: FrozenClock) -> Starlette:
    return create_app(clock=clock)


@pytest.fixture
def client(app: Starlette) -> Iterator[TestClient]:
    """An in-process client that does not follow redirects."""
    with TestClient(app, base_url="http://emulator.test", follow_redirects=False) as c:
        yield c


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    """One real emulator on loopback for the whole session."""
    running = serve(create_app())
    yield running
    running.stop()


@pytest.fixture
def live(live_server: LiveServer) -> LiveServer:
    """The live emulator, reset to its loaded data with no codes, tokens or faults."""
    httpx.post(f"{live_server.url}/_emulator/reset").raise_for_status()
    return live_server


@pytest.fixture
def workos(live: LiveServer) -> Iterator[WorkOSClient]:
    """The official SDK pointed at the live emulator (no retries: a fault shows at once)."""
    with WorkOSClient(
        api_key=API_KEY, client_id=CLIENT_ID, base_url=live.url, max_retries=0
    ) as client:
        yield client
