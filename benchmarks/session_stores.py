"""What each session store costs a signed-in request, side by side in one run.

Calls each adapter directly (no HTTP server) with a valid session cookie, for the
signed-cookie store, the memory store and Redis (a ``redis-server`` this script starts
on a free loopback port, or ``--redis-url``), and prints the median time per request
and the ratio to the signed-cookie store. The Redis figure is one round trip over
loopback per request (one ``EVAL``: read the record, and slide its TTL when due).

Also prints the cost of a sign-in's store work (``create`` + ``put_once`` +
``take_once``) and of ``revoke_user`` for a user with 5 sessions.

Run: ``python benchmarks/session_stores.py [--requests N] [--redis-url URL]``.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from typing import Any

from workos_middleware import (
    AuthConfig,
    AuthMiddleware,
    CookieSessionStore,
    MemorySessionStore,
    RedisSessionStore,
    SessionStore,
    WorkOSProvider,
    WSGIAuthMiddleware,
)
from workos_middleware._adapters.drivers import run_sync
from workos_middleware._config.core import AuthCore

SECRET = "benchmark-secret-0123456789abcdef"
TOKEN = {"sub": "prof_1", "name": "Alice Anderson", "email": "alice@example.com", "image": None}


def config(store: SessionStore) -> AuthConfig:
    provider = WorkOSProvider(client_id="client_1", client_secret="sk_1")
    return AuthConfig(
        providers=[provider], secret=SECRET, url="http://app.test", session_store=store
    )


def session_cookie(cfg: AuthConfig) -> str:
    core = AuthCore.build(cfg)
    cookies = run_sync(core.sessions.start(TOKEN, {}), None)  # type: ignore[arg-type]
    return cookies[0].split(";")[0]


async def asgi_app(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def wsgi_app(environ: Any, start_response: Any) -> list[bytes]:
    start_response("200 OK", [])
    return [b"ok"]


def time_asgi(cfg: AuthConfig, cookie: str, requests: int, rounds: int) -> float:
    middleware = AuthMiddleware(asgi_app, config=cfg)
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "query_string": b"",
        "headers": [(b"cookie", cookie.encode())],
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: Any) -> None:
        pass

    async def run() -> list[float]:
        for _ in range(200):
            await middleware(dict(scope), receive, send)
        results = []
        for _ in range(rounds):
            started = time.perf_counter()
            for _ in range(requests):
                await middleware(dict(scope), receive, send)
            results.append((time.perf_counter() - started) / requests * 1e6)
        await middleware.aclose()
        return results

    return statistics.median(asyncio.run(run()))


def time_wsgi(cfg: AuthConfig, cookie: str, requests: int, rounds: int) -> float:
    middleware = WSGIAuthMiddleware(wsgi_app, config=cfg)

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Callable[..., None]:
        return lambda _: None

    def environ() -> dict[str, Any]:
        return {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": "/",
            "QUERY_STRING": "",
            "HTTP_COOKIE": cookie,
            "wsgi.input": io.BytesIO(),
        }

    for _ in range(200):
        middleware(environ(), start_response)
    results = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(requests):
            middleware(environ(), start_response)
        results.append((time.perf_counter() - started) / requests * 1e6)
    middleware.close()
    return statistics.median(results)


def time_sign_in_work(store: SessionStore, n: int) -> float:
    """µs for the store work of one sign-in: put_once, take_once, create."""
    core = AuthCore.build(config(store))
    stored = core.stored
    if stored is None:
        return 0.0
    started = time.perf_counter()
    for i in range(n):
        run_sync(stored.put_once(f"state-{i}", {"v": "x", "p": "workos"}, 900), None)  # type: ignore[arg-type]
        run_sync(stored.take_once(f"state-{i}"), None)  # type: ignore[arg-type]
        run_sync(stored.create({**TOKEN, "sub": f"user-{i}"}), None)  # type: ignore[arg-type]
    return (time.perf_counter() - started) / n * 1e6


def time_revoke(store: SessionStore, n: int) -> float:
    """µs for revoke_user_sync of a user with 5 sessions."""
    core = AuthCore.build(config(store))
    stored = core.stored
    if stored is None:
        return 0.0
    total = 0.0
    for i in range(n):
        for _ in range(5):
            run_sync(stored.create({**TOKEN, "sub": f"revoked-{i}"}), None)  # type: ignore[arg-type]
        started = time.perf_counter()
        store.revoke_user_sync(f"revoked-{i}")
        total += time.perf_counter() - started
    return total / n * 1e6


def start_redis() -> tuple[subprocess.Popen[bytes], str, str]:
    if shutil.which("redis-server") is None:
        raise SystemExit("redis-server is not installed (apt-get install redis-server)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    folder = tempfile.mkdtemp(prefix="bench-redis-")
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    process = subprocess.Popen([*command, "--dir", folder], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    return process, f"redis://127.0.0.1:{port}/0", folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--redis-url", help="an existing Redis (default: start one)")
    args = parser.parse_args()

    process = folder = None
    url = args.redis_url
    if url is None:
        process, url, folder = start_redis()
    try:
        stores: dict[str, Callable[[], SessionStore]] = {
            "cookie": CookieSessionStore,
            "memory": MemorySessionStore,
            "redis": lambda: RedisSessionStore(url),
        }
        print(f"{'adapter':8} {'store':8} {'us/request':>11} {'vs cookie':>10}")
        for adapter, timer in (("asgi", time_asgi), ("wsgi", time_wsgi)):
            baseline = 0.0
            for name, make in stores.items():
                cfg = config(make())
                micros = timer(cfg, session_cookie(cfg), args.requests, args.rounds)
                baseline = baseline or micros
                print(f"{adapter:8} {name:8} {micros:11.1f} {micros / baseline:9.2f}x")
        for name in ("memory", "redis"):
            store = stores[name]()
            sign_in = time_sign_in_work(store, 500)
            revoke = time_revoke(store, 200)
            print(
                f"{name}: store work of a sign-in {sign_in:.0f} us; revoke_user (5) {revoke:.0f} us"
            )
    finally:
        if process is not None:
            process.terminate()
            process.wait()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
