"""What each session store costs a signed-in request, side by side in one run.

Calls each adapter directly (no HTTP server) with a valid session cookie, for the
signed-cookie store, the memory store and Redis (a ``redis-server`` this script starts
on a free loopback port, or ``--redis-url``), and, as the floor, an empty pass-through
middleware with the same Cookie header. The app behind every stack reads the user's
display name (as an app that greets its user does).

Every round runs a batch of every case in a shuffled order; a case keeps its fastest
batch, and a ratio divides it by the signed-cookie case of the same adapter in the same
run. Two times are taken per batch: the thread's CPU time (``time.thread_time``: what
the ratios use, as the in-process part does, since on a shared machine time spent
waiting for a core is not counted) and the wall clock (``time.perf_counter``: it also
counts the waits for ``redis-server``; with the local cache of session reads, one per
session per ``session_cache_ttl``).

Also prints the cost of a sign-in's store work (``create`` + ``put_once`` +
``take_once``) and of ``revoke_user`` for a user with 5 sessions.

Run: ``python benchmarks/session_stores.py [--quick] [--redis-url URL]``; ``make bench``
runs it as a part of ``benchmarks/run.py``, which prints its TARGET lines.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import io
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from workos_middleware import (
    USER_KEY,
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
STORES = ("cookie", "memory", "redis")


def config(store: SessionStore) -> AuthConfig:
    provider = WorkOSProvider(client_id="client_1", client_secret="sk_1")
    return AuthConfig(
        providers=[provider], secret=SECRET, url="http://app.test", session_store=store
    )


def session_cookie(cfg: AuthConfig) -> str:
    core = AuthCore.build(cfg)
    cookies = run_sync(core.sessions.start(TOKEN, {}), None)  # type: ignore[arg-type]
    return cookies[0].split(";")[0]


def _greeting(user: Any) -> bytes:
    name = user.display_name if user is not None and user.is_authenticated else "anonymous"
    return f"hello {name}".encode()


async def asgi_app(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": _greeting(scope.get("user"))})


def wsgi_app(environ: Any, start_response: Any) -> list[bytes]:
    start_response("200 OK", [])
    return [_greeting(environ.get(USER_KEY))]


class EmptyASGI:
    """The floor: an ASGI middleware that only awaits the app."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


class EmptyWSGI:
    """The floor: a WSGI middleware that only calls the app."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: Any, start_response: Any) -> Any:
        return self.app(environ, start_response)


Timer = Callable[[int], tuple[float, float]]


def asgi_runner(app: Any, cookie: str) -> tuple[Timer, Callable[[], bytes]]:
    """A function timing ``n`` requests (CPU and wall seconds), and one returning a
    response body."""
    loop = asyncio.new_event_loop()
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "query_string": b"",
        "headers": [(b"host", b"app.test"), (b"cookie", cookie.encode())],
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: Any) -> None:
        pass

    async def run(n: int) -> tuple[float, float]:
        cpu, wall = time.thread_time(), time.perf_counter()
        for _ in range(n):
            await app(dict(scope), receive, send)
        return time.thread_time() - cpu, time.perf_counter() - wall

    async def body() -> bytes:
        messages: list[Any] = []

        async def keep(message: Any) -> None:
            messages.append(message)

        await app(dict(scope), receive, keep)
        return b"".join(m.get("body", b"") for m in messages)

    return (lambda n: loop.run_until_complete(run(n))), (lambda: loop.run_until_complete(body()))


def wsgi_runner(app: Any, cookie: str) -> tuple[Timer, Callable[[], bytes]]:
    def start_response(status: str, headers: Any, exc_info: Any = None) -> Callable[..., None]:
        return lambda _: None

    def environ() -> dict[str, Any]:
        return {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": "/",
            "QUERY_STRING": "",
            "HTTP_HOST": "app.test",
            "HTTP_COOKIE": cookie,
            "wsgi.input": io.BytesIO(),
        }

    def run(n: int) -> tuple[float, float]:
        cpu, wall = time.thread_time(), time.perf_counter()
        for _ in range(n):
            b"".join(app(environ(), start_response))
        return time.thread_time() - cpu, time.perf_counter() - wall

    return run, lambda: b"".join(app(environ(), start_response))


def build_cases(redis_url: str) -> tuple[dict[tuple[str, str], Any], list[Callable[[], Any]]]:
    """(adapter, case) -> (timer, body); and the closers of the middleware."""
    stores: dict[str, Callable[[], SessionStore]] = {
        "cookie": CookieSessionStore,
        "memory": MemorySessionStore,
        "redis": lambda: RedisSessionStore(redis_url),
    }
    cases: dict[tuple[str, str], Any] = {}
    closers: list[Callable[[], Any]] = []
    cookie_only = ""
    for name, make in stores.items():
        cfg = config(make())
        cookie = session_cookie(cfg)
        cookie_only = cookie_only or cookie
        asgi = AuthMiddleware(asgi_app, config=cfg)
        wsgi = WSGIAuthMiddleware(wsgi_app, config=cfg)
        cases["asgi", name] = asgi_runner(asgi, cookie)
        cases["wsgi", name] = wsgi_runner(wsgi, cookie)
        closers.append(wsgi.close)
    cases["asgi", "empty"] = asgi_runner(EmptyASGI(asgi_app), cookie_only)
    cases["wsgi", "empty"] = wsgi_runner(EmptyWSGI(wsgi_app), cookie_only)
    return cases, closers


def measure(redis_url: str, quick: bool) -> dict[tuple[str, str], tuple[float, float]]:
    """µs per request of each (adapter, case), CPU and wall: the fastest batches."""
    cases, closers = build_cases(redis_url)
    for (adapter, name), (_, body) in cases.items():
        expected = b"hello anonymous" if name == "empty" else b"hello Alice Anderson"
        if body() != expected:
            raise SystemExit(f"store case {adapter}/{name} is wrong: {body()!r}")
    rounds = 6 if quick else 20
    batch = 300 if quick else 1000
    for timer, _ in cases.values():
        timer(batch // 3)
    samples: dict[tuple[str, str], list[tuple[float, float]]] = {key: [] for key in cases}
    shuffler = random.Random(17)
    for _ in range(rounds):
        gc.collect()
        order = list(cases)
        shuffler.shuffle(order)
        for key in order:
            cpu, wall = cases[key][0](batch)
            samples[key].append((cpu / batch * 1e6, wall / batch * 1e6))
    for close in closers:
        close()
    return {
        key: (min(cpu for cpu, _ in values), min(wall for _, wall in values))
        for key, values in samples.items()
    }


def time_sign_in_work(store: SessionStore, n: int) -> float:
    """µs for the store work of one sign-in: put_once, take_once, create."""
    core = AuthCore.build(config(store))
    sessions = core.sessions
    if core.server_store is None:
        return 0.0
    started = time.perf_counter()
    for i in range(n):
        once = {"v": "x", "p": "workos"}
        run_sync(sessions.remember_sign_in(f"state-{i}", once, 900), None)  # type: ignore[arg-type]
        run_sync(sessions.redeem_sign_in(f"state-{i}", "x", 900), None)  # type: ignore[arg-type]
        run_sync(sessions.start({**TOKEN, "sub": f"user-{i}"}, {}), None)  # type: ignore[arg-type]
    return (time.perf_counter() - started) / n * 1e6


def time_revoke(store: SessionStore, n: int) -> float:
    """µs for revoke_user_sync of a user with 5 sessions."""
    core = AuthCore.build(config(store))
    if core.server_store is None:
        return 0.0
    total = 0.0
    for i in range(n):
        for _ in range(5):
            run_sync(core.sessions.start({**TOKEN, "sub": f"revoked-{i}"}, {}), None)  # type: ignore[arg-type]
        started = time.perf_counter()
        store.revoke_user_sync(f"revoked-{i}")
        total += time.perf_counter() - started
    return total / n * 1e6


@contextmanager
def redis_server(url: str | None) -> Iterator[str]:
    """``url``, or a ``redis-server`` started on a free loopback port (stopped after)."""
    if url is not None:
        yield url
        return
    if shutil.which("redis-server") is None:
        raise SystemExit("redis-server is not installed (apt-get install redis-server)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    folder = tempfile.mkdtemp(prefix="bench-redis-")
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    process = subprocess.Popen([*command, "--dir", folder], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait()
        shutil.rmtree(folder, ignore_errors=True)


def run(quick: bool = False, out: Any = sys.stdout, redis_url: str | None = None) -> dict[str, Any]:
    """Print the table; return the ratios ``{"asgi": {"memory": x, ...}, "wsgi": ...}``."""
    with redis_server(redis_url) as url:
        figures = measure(url, quick)
        work = {}
        for name in ("memory", "redis"):
            store: SessionStore = (
                MemorySessionStore() if name == "memory" else RedisSessionStore(url)
            )
            work[name] = (
                time_sign_in_work(store, 100 if quick else 500),
                time_revoke(store, 50 if quick else 200),
            )
    print(
        "\n## Session stores (a signed-in request, in process; fastest batches; the ratio "
        "is of CPU time)",
        file=out,
    )
    print(f"{'adapter':8} {'store':14} {'cpu us':>8} {'vs cookie':>10} {'wall us':>8}", file=out)
    ratios: dict[str, Any] = {}
    for adapter in ("asgi", "wsgi"):
        baseline = figures[adapter, "cookie"][0]
        ratios[adapter] = {}
        for name in ("empty", *STORES):
            micros, wall = figures[adapter, name]
            ratios[adapter][name] = micros / baseline
            label = "empty (floor)" if name == "empty" else name
            print(
                f"{adapter:8} {label:14} {micros:8.2f} {micros / baseline:9.2f}x {wall:8.2f}",
                file=out,
            )
    for name, (sign_in, revoke) in work.items():
        print(
            f"{name}: store work of a sign-in {sign_in:.0f} us; revoke_user (5) {revoke:.0f} us",
            file=out,
        )
    return ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter rounds")
    parser.add_argument("--redis-url", help="an existing Redis (default: start one)")
    args = parser.parse_args()
    run(args.quick, redis_url=args.redis_url)


if __name__ == "__main__":
    main()
