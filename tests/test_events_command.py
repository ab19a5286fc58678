"""``python -m workos_middleware events``: the WorkOS Events API (mocked with respx)
read from the cursor kept in a real redis-server, the events applied once, however
often and wherever the command runs."""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx
from anyio.from_thread import BlockingPortal

from workos_middleware import AuthConfig
from workos_middleware.__main__ import main
from workos_middleware.testing import session_cookies

from support import API_KEY, APP_URL, CLIENT_ID, SECRET, WORKOS_URL, Client

ORG = "org_01EXAMPLE"
IDP_ID = "00u1a0ufowBJlzPlk357"


def directory_user(state: str = "inactive", organization_id: str = ORG) -> dict[str, Any]:
    return {
        "object": "directory_user",
        "id": "directory_user_01ALICE",
        "directory_id": "directory_01",
        "organization_id": organization_id,
        "idp_id": IDP_ID,
        "email": "alice@example.com",
        "state": state,
        "custom_attributes": {},
        "created_at": "2026-01-01T00:00:00.000Z",
        "updated_at": "2026-01-02T00:00:00.000Z",
    }


class EventsApi:
    """``GET /events`` as WorkOS answers it: oldest first, ``after`` an event id."""

    def __init__(self, router: respx.MockRouter) -> None:
        self.events: list[dict[str, Any]] = []
        self.route = router.get(f"{WORKOS_URL}/events")
        self.route.side_effect = self._answer

    def add(self, kind: str, data: dict[str, Any]) -> str:
        event_id = f"event_{len(self.events) + 1:04d}"
        self.events.append(
            {
                "object": "event",
                "id": event_id,
                "event": kind,
                "data": data,
                "created_at": "2026-01-02T00:00:00.000Z",
            }
        )
        return event_id

    def _answer(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("authorization") != f"Bearer {API_KEY}":
            return httpx.Response(401, json={"message": "Unauthorized"})
        query = dict(request.url.params)
        wanted = set(query["events"].split(","))
        start = 0
        if "after" in query:
            start = next(i + 1 for i, e in enumerate(self.events) if e["id"] == query["after"])
        limit = int(query.get("limit", "10"))
        found = [e for e in self.events[start:] if e["event"] in wanted][:limit]
        after = found[-1]["id"] if len(found) == limit else None
        return httpx.Response(
            200, json={"object": "list", "data": found, "list_metadata": {"after": after}}
        )


@pytest.fixture
def env(redis_url: str) -> dict[str, str]:
    return {
        "WORKOS_CLIENT_ID": CLIENT_ID,
        "WORKOS_API_KEY": API_KEY,
        "WORKOS_BASE_URL": WORKOS_URL,
        "AUTH_SECRET": SECRET,
        "AUTH_URL": APP_URL,
        "AUTH_REDIS_URL": redis_url,
    }


@pytest.fixture
def api() -> Iterator[EventsApi]:
    with respx.mock(assert_all_called=False) as router:
        yield EventsApi(router)


@pytest.fixture
def app(env: dict[str, str], portal: BlockingPortal) -> Client:
    return Client("wsgi", AuthConfig.from_env(env), portal)


def alice(app: Client, organization_id: str = ORG) -> Client:
    browser = Client("wsgi", app.config, app._portal)
    cookies = session_cookies(
        app.config,
        id=f"prof_{organization_id}",
        email="alice@example.com",
        organization_id=organization_id,
        groups=["Engineering"],
        claims={"idp_id": IDP_ID},
    )
    for name, value in cookies.items():
        browser.set_cookie(name, value)
    return browser


def signed_in(browser: Client) -> bool:
    return bool(browser.get("/").json()["authenticated"])


def run(env: dict[str, str], capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(["events", "--once", *args], env) == 0
    out: str = capsys.readouterr().out
    return out


def test_events_are_applied_once_however_often_the_command_runs(
    env: dict[str, str], api: EventsApi, app: Client, capsys: pytest.CaptureFixture[str]
) -> None:
    session, elsewhere = alice(app), alice(app, "org_02OTHER")
    api.add("dsync.user.updated", directory_user(state="active"))
    api.add("dsync.user.deleted", directory_user())
    assert "read 2 event(s): 2 applied, 0 skipped; cursor event_0002" in run(env, capsys)
    assert not signed_in(session) and signed_in(elsewhere)

    # Alice is back; the next run reads from the cursor: nothing old is applied again.
    again = alice(app)
    assert "read 0 event(s)" in run(env, capsys)
    assert signed_in(again)

    # Even with the cursor lost, each event id is applied once.
    redis = app.config.session_store.sync_client()  # type: ignore[attr-defined]
    redis.delete("wm:value:events:cursor")
    assert "read 2 event(s): 0 applied, 2 skipped" in run(env, capsys, "--backfill", "1e9")
    assert signed_in(again)


def test_many_pages_and_a_second_host_at_once(
    env: dict[str, str], api: EventsApi, app: Client, capsys: pytest.CaptureFixture[str]
) -> None:
    for i in range(7):
        api.add("dsync.user.updated", directory_user(state="active", organization_id=f"o{i}"))
    session = alice(app)
    api.add("dsync.user.updated", directory_user(state="suspended"))
    assert "read 8 event(s): 8 applied" in run(env, capsys, "--limit", "3")
    assert not signed_in(session)
    assert api.route.call_count == 3

    # Another host's run holds the lock: this one reads nothing.
    redis = app.config.session_store.sync_client()  # type: ignore[attr-defined]
    lock = hashlib.sha256(b"events:lock").hexdigest()
    redis.set(f"wm:once:{lock}", "1", ex=60)
    assert "another run is reading the events" in run(env, capsys)
    redis.delete(f"wm:once:{lock}")
    assert "read 0 event(s)" in run(env, capsys)


def test_a_webhook_and_the_command_apply_an_event_once(
    env: dict[str, str],
    api: EventsApi,
    portal: BlockingPortal,
    capsys: pytest.CaptureFixture[str],
) -> None:
    secret = "whsec_both_0123456789"
    app = Client("wsgi", AuthConfig.from_env({**env, "WORKOS_WEBHOOK_SECRET": secret}), portal)
    api.add("dsync.user.deleted", directory_user())
    body = json.dumps(api.events[0]).encode()
    at = int(time.time() * 1000)
    mac = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    headers = {"workos-signature": f"t={at}, v1={mac}", "content-type": "application/json"}
    assert app.post("/api/auth/webhooks/workos", content=body, headers=headers).status_code == 200
    session = alice(app)  # signed in again after the webhook
    assert "read 1 event(s): 0 applied, 1 skipped" in run(env, capsys)
    assert signed_in(session)


def test_failures_are_said_and_the_status_says_so(
    env: dict[str, str], api: EventsApi, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["events", "--once"], {**env, "WORKOS_API_KEY": "sk_wrong"}) == 1
    assert "WORKOS_API_KEY" in capsys.readouterr().err
    cookie_env = {k: v for k, v in env.items() if k != "AUTH_REDIS_URL"}
    assert main(["events", "--once"], cookie_env) == 2
    assert "AUTH_REDIS_URL" in capsys.readouterr().err
    memory_env = {**cookie_env, "AUTH_SESSION_STORE": "memory"}
    assert main(["events", "--once"], memory_env) == 2
    assert "AUTH_REDIS_URL" in capsys.readouterr().err


def test_the_command_runs_as_a_module(env: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "workos_middleware", "events", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and "--once" in done.stdout
    down = {**env, "AUTH_REDIS_URL": "redis://127.0.0.1:1/0", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "workos_middleware", "events", "--once"],
        capture_output=True,
        text=True,
        env=down,
        check=False,
        timeout=60,
    )
    assert done.returncode == 1 and "session store unavailable" in done.stderr
    assert "Traceback" not in done.stderr


# -- against the emulator's Events API over loopback ------------------------------------


@pytest.fixture
def emulator() -> Iterator[str]:
    from workos_middleware.emulator import create_app
    from workos_middleware.emulator.embedded import serve_in_thread

    yield serve_in_thread(create_app())


def test_the_emulators_events_are_applied_once(
    redis_url: str, emulator: str, portal: BlockingPortal, capsys: pytest.CaptureFixture[str]
) -> None:
    from workos_middleware.emulator import DEFAULT_API_KEY, DEFAULT_CLIENT_ID
    from workos_middleware.emulator.defaults import ALICE_DIRECTORY_USER_ID, EXAMPLE_ORG_ID

    env = {
        "WORKOS_CLIENT_ID": DEFAULT_CLIENT_ID,
        "WORKOS_API_KEY": DEFAULT_API_KEY,
        "WORKOS_BASE_URL": emulator,
        "AUTH_SECRET": SECRET,
        "AUTH_URL": APP_URL,
        "AUTH_REDIS_URL": redis_url,
    }
    app = Client("wsgi", AuthConfig.from_env(env), portal)
    alice_idp_id = "00u1a1ce0examp1e0001"  # the emulator's data file

    def alice_signs_in(organization_id: str = EXAMPLE_ORG_ID) -> Client:
        browser = Client("wsgi", app.config, portal)
        cookies = session_cookies(
            app.config,
            id=f"prof_{organization_id}",
            email="alice@example.com",
            organization_id=organization_id,
            claims={"idp_id": alice_idp_id},
        )
        for name, value in cookies.items():
            browser.set_cookie(name, value)
        return browser

    session, elsewhere = alice_signs_in(), alice_signs_in("org_01ELSEWHERE")
    # The customer's IT admin deactivates Alice (the emulator's admin API: its dashboard).
    deactivate = f"{emulator}/_emulator/directory_users/{ALICE_DIRECTORY_USER_ID}/deactivate"
    assert httpx.post(deactivate).status_code == 200
    assert "1 applied" in run(env, capsys)
    assert not signed_in(session) and signed_in(elsewhere)

    # A second run applies nothing twice: not from the cursor, nor with the cursor lost.
    again = alice_signs_in()
    assert "read 0 event(s)" in run(env, capsys)
    redis = app.config.session_store.sync_client()  # type: ignore[attr-defined]
    redis.delete("wm:value:events:cursor")
    assert "0 applied, 1 skipped" in run(env, capsys)
    assert signed_in(again)
