"""Several workers, one Redis: a session made by one worker is read by the others, and
a sign-out or a "sign out everywhere" on one worker holds on all of them within the
bound of the local cache of session reads (``AUTH_SESSION_CACHE_TTL``, 1 s): every
request that starts once the bound has passed is refused, on every worker.

Real servers as a deployment runs them: uvicorn (2 workers, ASGI adapter, redis.asyncio)
and gunicorn (2 sync workers, WSGI adapter, the blocking redis client), serving
``multiworker_app.py``, configured from the environment; the WorkOS emulator over
loopback; a real redis-server. An httpx client plays the browser.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from workos_middleware import AuthConfig, RedisSessionStore, WorkOSProvider
from workos_middleware.emulator import DEFAULT_API_KEY, DEFAULT_CLIENT_ID, create_app
from workos_middleware.emulator.defaults import (
    ALICE_DIRECTORY_USER_ID,
    ALICE_ID,
    EXAMPLE_ORG_ID,
)
from workos_middleware.emulator.embedded import serve_in_thread
from workos_middleware.testing import session_cookies

from support import free_port
from support.emulator import pick

HERE = Path(__file__).resolve().parent
ALICE_IDP_ID = "00u1a1ce0examp1e0001"  # the emulator's data file
WORKERS = 2
EMULATORS: dict[str, str] = {}  # the app's URL -> its emulator's
SESSION = "next-auth.session-token"
SECRET = "multi-worker-secret-0123456789"
WEBHOOK_SECRET = "whsec_multiworker_0123456789"
CACHE_TTL = 1.0


@pytest.fixture(params=["uvicorn", "gunicorn"])
def app_url(request: pytest.FixtureRequest, redis_url: str) -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    emulator = serve_in_thread(create_app(redirect_uris=[f"{url}/api/auth/callback/workos"]))
    EMULATORS[url] = emulator
    env = {
        **os.environ,
        "WORKOS_CLIENT_ID": DEFAULT_CLIENT_ID,
        "WORKOS_API_KEY": DEFAULT_API_KEY,
        "WORKOS_BASE_URL": emulator,
        "AUTH_SECRET": SECRET,
        "AUTH_URL": url,
        "AUTH_REDIS_URL": redis_url,
        "WORKOS_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "AUTH_SESSION_CACHE_TTL": str(CACHE_TTL),
        "PYTHONPATH": str(HERE),
    }
    if request.param == "uvicorn":
        command = [sys.executable, "-m", "uvicorn", "multiworker_app:asgi_app"]
        command += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(WORKERS)]
        command += ["--log-level", "warning"]
    else:
        command = [sys.executable, "-m", "gunicorn", "multiworker_app:wsgi_app"]
        command += ["--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS)]
        command += ["--log-level", "warning"]
    server = subprocess.Popen(command, env=env, cwd=HERE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60  # a loaded machine starts workers slowly
        while len(spread(url, "/whoami")) < WORKERS:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{request.param} did not start its {WORKERS} workers")
            time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        assert server.stderr is not None
        server.stderr.close()


def spread(url: str, path: str, cookies: dict[str, str] | None = None) -> dict[int, Any]:
    """GET ``path`` until every worker has answered: rounds of concurrent requests on
    fresh connections, each holding its worker busy for a moment (at most 10 rounds).
    ``{pid: email or None}``; a worker answering two ways fails the test."""

    def one(_: int) -> tuple[int, Any] | None:
        try:
            with httpx.Client(base_url=url, cookies=cookies, timeout=10) as client:
                body = client.get(path, params={"hold": "0.1"}).json()
        except httpx.HTTPError:
            return None
        return body["pid"], body["email"]

    seen: dict[int, Any] = {}
    with ThreadPoolExecutor(WORKERS * 2) as pool:
        for _ in range(10):
            for result in pool.map(one, range(WORKERS * 2)):
                if result is None:
                    continue
                pid, email = result
                assert seen.get(pid, email) == email, f"worker {pid} answered two ways"
                seen[pid] = email
            if len(seen) >= WORKERS:
                break
    return seen


def sign_in(url: str) -> httpx.Client:
    """The whole sign-in, as a browser does it; returns the signed-in browser."""
    browser = httpx.Client(base_url=url, timeout=10)
    csrf = browser.get("/api/auth/csrf").json()["csrfToken"]
    data = {"csrfToken": csrf, "callbackUrl": "/whoami", "email": "alice@example.com"}
    authorize = browser.post("/api/auth/signin/workos", data=data).headers["location"]
    callback = browser.get(pick(browser, authorize, user=ALICE_ID))
    assert callback.headers["location"] == f"{url}/whoami", callback.text
    return browser


def past_the_bound(started: float) -> None:
    """Wait until the cache's bound has passed since ``started`` (a monotonic time taken
    before the sign-out began): every read cached before it is stale by then."""
    time.sleep(max(0.0, started + CACHE_TTL + 0.05 - time.monotonic()))


def test_sessions_are_shared_and_revoked_across_workers(app_url: str, redis_url: str) -> None:
    browser = sign_in(app_url)
    cookies = {SESSION: browser.cookies[SESSION]}
    seen = spread(app_url, "/whoami", cookies)
    assert len(seen) == WORKERS and set(seen.values()) == {"alice@example.com"}

    # Sign out on one worker (both have the session in their cache now): the same
    # cookie (a copy, as a thief would keep it) is refused by every worker once the
    # bound has passed.
    csrf = browser.get("/api/auth/csrf").json()["csrfToken"]
    started = time.monotonic()
    assert browser.post("/api/auth/signout", data={"csrfToken": csrf}).status_code == 302
    past_the_bound(started)
    seen = spread(app_url, "/whoami", cookies)
    assert len(seen) == WORKERS and set(seen.values()) == {None}

    # Sign out everywhere, from the app on one worker: two devices, both refused.
    laptop, phone = sign_in(app_url), sign_in(app_url)
    for device in (laptop, phone):
        assert set(spread(app_url, "/whoami", dict(device.cookies)).values()) == {
            "alice@example.com"
        }
    started = time.monotonic()
    revoked = laptop.post("/revoke-me").json()
    assert revoked["revoked"] >= 2
    past_the_bound(started)
    for device in (laptop, phone):
        seen = spread(app_url, "/whoami", {SESSION: device.cookies[SESSION]})
        assert len(seen) == WORKERS and set(seen.values()) == {None}

    # And from outside the servers (an admin script on another host): the same API.
    tablet = sign_in(app_url)
    assert set(spread(app_url, "/whoami", dict(tablet.cookies)).values()) == {"alice@example.com"}
    started = time.monotonic()
    assert RedisSessionStore(redis_url).revoke_user_sync(ALICE_ID) == 1
    past_the_bound(started)
    seen = spread(app_url, "/whoami", {SESSION: tablet.cookies[SESSION]})
    assert set(seen.values()) == {None}
    for client in (browser, laptop, phone, tablet):
        client.close()


def assert_signed_out_everywhere(url: str, cookies: dict[str, str], deadline: float) -> None:
    """Every worker answers "signed out" before ``deadline`` (a worker may keep a
    session it read a moment ago for up to its cache's bound, so rounds are repeated)."""
    while True:
        try:
            seen = spread(url, "/whoami", cookies)
        except AssertionError:  # a worker changed its answer during the round
            seen = {}
        if len(seen) == WORKERS and set(seen.values()) == {None}:
            return
        assert time.monotonic() < deadline, f"still signed in on some worker: {seen}"
        time.sleep(0.2)


def _signed_webhook(body: bytes) -> dict[str, str]:
    """The headers WorkOS sends with ``body``: its signature, made now."""
    at = int(time.time() * 1000)
    mac = hmac.new(WEBHOOK_SECRET.encode(), f"{at}.".encode() + body, hashlib.sha256)
    return {"content-type": "application/json", "workos-signature": f"t={at}, v1={mac.hexdigest()}"}


def test_a_deprovisioned_user_is_signed_out_on_every_worker(app_url: str, redis_url: str) -> None:
    browser = sign_in(app_url)
    cookies = {SESSION: browser.cookies[SESSION]}
    assert set(spread(app_url, "/whoami", cookies).values()) == {"alice@example.com"}
    # The same person (same IdP id and email) signed in to another organization.
    store = RedisSessionStore(redis_url)
    config = AuthConfig(
        providers=[WorkOSProvider(client_id="client_01", client_secret="sk_unused")],
        secret=SECRET,
        url=app_url,
        session_store=store,
    )
    elsewhere = session_cookies(
        config,
        id="prof_elsewhere",
        email="alice@example.com",
        organization_id="org_01ELSEWHERE",
        claims={"idp_id": ALICE_IDP_ID},
    )
    assert set(spread(app_url, "/whoami", elsewhere).values()) == {"alice@example.com"}

    user = {
        "object": "directory_user",
        "id": "directory_user_01ALICE",
        "directory_id": "directory_01EXAMPLE",
        "organization_id": EXAMPLE_ORG_ID,
        "idp_id": ALICE_IDP_ID,
        "email": "alice@example.com",
        "emails": [{"primary": True, "type": "work", "value": "alice@example.com"}],
        "state": "inactive",
        "custom_attributes": {},
        "created_at": "2026-01-01T00:00:00.000Z",
        "updated_at": "2026-01-02T00:00:00.000Z",
    }
    body = json.dumps(
        {"object": "event", "id": "event_01MW", "event": "dsync.user.deleted", "data": user}
    )
    answer = httpx.post(
        f"{app_url}/api/auth/webhooks/workos", content=body, headers=_signed_webhook(body.encode())
    )
    assert answer.status_code == 200, answer.text

    assert_signed_out_everywhere(app_url, cookies, time.monotonic() + 5)
    assert set(spread(app_url, "/whoami", elsewhere).values()) == {"alice@example.com"}
    store.close()
    browser.close()


def test_the_emulators_webhook_signs_out_on_every_worker(app_url: str) -> None:
    """The emulator plays WorkOS: a directory change there is a signed webhook here."""
    emulator = EMULATORS[app_url]
    endpoint = {"url": f"{app_url}/api/auth/webhooks/workos", "secret": WEBHOOK_SECRET}
    assert httpx.post(f"{emulator}/_emulator/webhooks", json=endpoint).status_code == 201
    browser = sign_in(app_url)
    cookies = {SESSION: browser.cookies[SESSION]}
    assert set(spread(app_url, "/whoami", cookies).values()) == {"alice@example.com"}

    user = f"{emulator}/_emulator/directory_users/{ALICE_DIRECTORY_USER_ID}"
    event = httpx.post(f"{user}/delete").json()
    # The emulator delivers in the background: once WorkOS's side says delivered (within
    # the 5 s), every worker has Alice signed out.
    deadline = time.monotonic() + 5
    while True:
        deliveries = httpx.get(
            f"{emulator}/_emulator/webhooks/deliveries", params={"event_id": event["id"]}
        ).json()["data"]
        if [d["state"] for d in deliveries] == ["delivered"]:
            break
        assert time.monotonic() < deadline, f"not delivered: {deliveries}"
        time.sleep(0.1)
    assert_signed_out_everywhere(app_url, cookies, deadline)
    browser.close()
