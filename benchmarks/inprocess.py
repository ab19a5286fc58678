"""In-process, side by side: raw ASGI and WSGI calls, no server, no sockets.

Each case is one app stack (see :mod:`bench_apps`) and one request. Every round runs a
batch of every case, in a shuffled order, so the cases share the machine's state (CPU
frequency, other processes, caches); a case's figure is its fastest batch over the
rounds (the least disturbed), and a ratio divides it by the baseline's figure from the
same run. Time is the thread's CPU time (``time.thread_time``), not the wall clock: on a
shared machine, time spent waiting for a core is not counted. Before timing, each case
is checked once: the view saw the user it should, the response carries Set-Cookie
exactly when it should.

Run alone: ``python benchmarks/inprocess.py [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import io
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import bench_apps as apps

HOST = b"127.0.0.1:8000"


@dataclass
class Case:
    name: str
    kind: str  # "asgi" or "wsgi"
    app: Any
    path: str
    cookie: str = ""
    expect_body: bytes = b""  # a substring the response body must hold
    expect_set_cookie: bool = False
    samples: list[float] = field(default_factory=list)

    @property
    def best(self) -> float:
        """Microseconds per request: the fastest batch's mean."""
        return min(self.samples)


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def set_cookies(self) -> list[str]:
        return [v for k, v in self.headers if k.lower() == "set-cookie"]


# -- driving one request ----------------------------------------------------------------


def asgi_scope(path: str, cookie: str) -> dict[str, Any]:
    headers = [(b"host", HOST), (b"user-agent", b"bench/1"), (b"accept", b"*/*")]
    if cookie:
        headers.append((b"cookie", cookie.encode("latin-1")))
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


def wsgi_environ(path: str, cookie: str) -> dict[str, Any]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": HOST.decode(),
        "HTTP_USER_AGENT": "bench/1",
        "HTTP_ACCEPT": "*/*",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    return environ


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


def asgi_batch(case: Case) -> Callable[[int], float]:
    """A function timing ``n`` requests of ``case`` (seconds)."""
    loop = asyncio.new_event_loop()
    scope = asgi_scope(case.path, case.cookie)
    app = case.app

    async def send(message: Any) -> None:
        pass

    async def run(n: int) -> float:
        start = time.thread_time()
        for _ in range(n):
            await app(dict(scope), _receive, send)
        return time.thread_time() - start

    return lambda n: loop.run_until_complete(run(n))


def wsgi_batch(case: Case) -> Callable[[int], float]:
    environ = wsgi_environ(case.path, case.cookie)
    app = case.app

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        return None

    def run(n: int) -> float:
        start = time.thread_time()
        for _ in range(n):
            result = app(dict(environ), start_response)
            b"".join(result)
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return time.thread_time() - start

    return run


def asgi_runner_once(app: Any) -> Callable[[str, str], None]:
    """``call(path, cookie)``: one request on one long-lived event loop."""
    loop = asyncio.new_event_loop()

    async def send(message: Any) -> None:
        pass

    def call(path: str, cookie: str) -> None:
        loop.run_until_complete(app(asgi_scope(path, cookie), _receive, send))

    return call


def wsgi_runner_once(app: Any) -> Callable[[str, str], None]:
    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        return None

    def call(path: str, cookie: str) -> None:
        result = app(wsgi_environ(path, cookie), start_response)
        b"".join(result)
        close = getattr(result, "close", None)
        if close is not None:
            close()

    return call


def call_once(kind: str, app: Any, path: str, cookie: str) -> Response:
    """One request, with everything the response said (for the checks)."""
    if kind == "asgi":
        messages: list[dict[str, Any]] = []

        async def send(message: Any) -> None:
            messages.append(message)

        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(app(asgi_scope(path, cookie), _receive, send))
        finally:
            loop.close()
        start = messages[0]
        body = b"".join(m.get("body", b"") for m in messages[1:])
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in start["headers"]]
        return Response(start["status"], headers, body)
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        captured["status"] = int(status.split()[0])
        captured["headers"] = list(headers)
        return None

    result = app(wsgi_environ(path, cookie), start_response)
    body = b"".join(result)
    close = getattr(result, "close", None)
    if close is not None:
        close()
    return Response(captured["status"], captured["headers"], body)


def check(case: Case) -> None:
    """Refuse to time a case that does not do what its name says."""
    response = call_once(case.kind, case.app, case.path, case.cookie)
    problems = []
    if response.status != 200:
        problems.append(f"status {response.status}")
    if case.expect_body not in response.body:
        problems.append(f"body {response.body[:120]!r} lacks {case.expect_body!r}")
    if bool(response.set_cookies()) != case.expect_set_cookie:
        problems.append(f"Set-Cookie {response.set_cookies()!r}")
    if problems:
        raise SystemExit(f"benchmark case {case.name} is wrong: {'; '.join(problems)}")


# -- the cases ----------------------------------------------------------------------------

ALICE = b"hello Alice Anderson"
ANONYMOUS = b"hello anonymous"


def build_cases() -> tuple[list[Case], dict[str, tuple[str, str]]]:
    """The cases, and the ratios to report: name -> (case, baseline)."""
    session = apps.session_cookie()
    refresh = apps.refresh_cookie()
    other = apps.OTHER_COOKIES
    star = {stack: apps.starlette_app(stack) for stack in apps.STACKS}
    fl = {stack: apps.flask_app(stack) for stack in apps.STACKS}
    # The floor of each target: an empty pass-through middleware over the bare app.
    star_floor = apps.starlette_floor()
    fl_floor = apps.flask_floor()
    cases = [
        Case("starlette bare, no cookie", "asgi", star["bare"], "/", "", ANONYMOUS),
        Case("starlette bare, other cookies", "asgi", star["bare"], "/", other, ANONYMOUS),
        Case("starlette bare, session cookie", "asgi", star["bare"], "/", session, ANONYMOUS),
        Case("starlette bare, JSON endpoint", "asgi", star["bare"], "/json", session, b"Alice"),
        Case(
            "starlette empty middleware, no cookie",
            "asgi",
            apps.starlette_floor(),
            "/",
            "",
            ANONYMOUS,
        ),
        Case(
            "starlette empty middleware + send wrapper",
            "asgi",
            apps.starlette_floor(wrap_send=True),
            "/",
            "",
            ANONYMOUS,
        ),
        Case(
            "starlette empty middleware, session cookie",
            "asgi",
            star_floor,
            "/",
            session,
            ANONYMOUS,
        ),
        Case(
            "starlette empty middleware, JSON endpoint",
            "asgi",
            star_floor,
            "/json",
            session,
            b"Alice",
        ),
        Case("starlette auth, no cookie", "asgi", star["auth"], "/", "", ANONYMOUS),
        Case("starlette auth, other cookies", "asgi", star["auth"], "/", other, ANONYMOUS),
        Case("starlette auth, valid session", "asgi", star["auth"], "/", session, ALICE),
        Case(
            "starlette auth, session due for refresh",
            "asgi",
            star["auth"],
            "/",
            refresh,
            ALICE,
            expect_set_cookie=True,
        ),
        Case(
            "starlette auth, GET /api/auth/session",
            "asgi",
            star["auth"],
            "/api/auth/session",
            session,
            b"alice@example.com",
        ),
        Case(
            "starlette anchor, Session+AuthenticationMiddleware",
            "asgi",
            star["anchor"],
            "/",
            apps.starlette_anchor_cookie(),
            ALICE,
        ),
        Case("flask bare, no cookie", "wsgi", fl["bare"], "/", "", ANONYMOUS),
        Case("flask bare, other cookies", "wsgi", fl["bare"], "/", other, ANONYMOUS),
        Case("flask bare, session cookie", "wsgi", fl["bare"], "/", session, ANONYMOUS),
        Case("flask empty middleware, no cookie", "wsgi", fl_floor, "/", "", ANONYMOUS),
        Case("flask empty middleware, session cookie", "wsgi", fl_floor, "/", session, ANONYMOUS),
        Case("flask auth, no cookie", "wsgi", fl["auth"], "/", "", ANONYMOUS),
        Case("flask auth, other cookies", "wsgi", fl["auth"], "/", other, ANONYMOUS),
        Case("flask auth, valid session", "wsgi", fl["auth"], "/", session, ALICE),
        Case(
            "flask auth, session due for refresh",
            "wsgi",
            fl["auth"],
            "/",
            refresh,
            ALICE,
            expect_set_cookie=True,
        ),
        Case(
            "flask auth, GET /api/auth/session",
            "wsgi",
            fl["auth"],
            "/api/auth/session",
            session,
            b"alice@example.com",
        ),
        Case("flask bare, JSON endpoint", "wsgi", fl["bare"], "/json", session, b"Alice"),
        Case(
            "flask anchor, Flask's own session",
            "wsgi",
            fl["anchor"],
            "/",
            apps.flask_anchor_cookie(),
            ALICE,
        ),
    ]
    ratios = {
        "starlette-floor": ("starlette empty middleware, no cookie", "starlette bare, no cookie"),
        "starlette-floor+wrapper": (
            "starlette empty middleware + send wrapper",
            "starlette bare, no cookie",
        ),
        "starlette-session-floor": (
            "starlette empty middleware, session cookie",
            "starlette bare, session cookie",
        ),
        "api-floor": ("starlette empty middleware, JSON endpoint", "starlette bare, JSON endpoint"),
        "starlette-no-cookie": ("starlette auth, no cookie", "starlette bare, no cookie"),
        "starlette-other-cookies": (
            "starlette auth, other cookies",
            "starlette bare, other cookies",
        ),
        "starlette-session": ("starlette auth, valid session", "starlette bare, session cookie"),
        "starlette-refresh": (
            "starlette auth, session due for refresh",
            "starlette bare, session cookie",
        ),
        "starlette-anchor": (
            "starlette anchor, Session+AuthenticationMiddleware",
            "starlette bare, session cookie",
        ),
        "api-session": ("starlette auth, GET /api/auth/session", "starlette bare, JSON endpoint"),
        "flask-floor": ("flask empty middleware, no cookie", "flask bare, no cookie"),
        "flask-session-floor": (
            "flask empty middleware, session cookie",
            "flask bare, session cookie",
        ),
        "flask-no-cookie": ("flask auth, no cookie", "flask bare, no cookie"),
        "flask-other-cookies": ("flask auth, other cookies", "flask bare, other cookies"),
        "flask-session": ("flask auth, valid session", "flask bare, session cookie"),
        "flask-refresh": ("flask auth, session due for refresh", "flask bare, session cookie"),
        "flask-anchor": ("flask anchor, Flask's own session", "flask bare, session cookie"),
        "flask-api-session": ("flask auth, GET /api/auth/session", "flask bare, JSON endpoint"),
    }
    return cases, ratios


# -- Set-Cookie between refreshes ---------------------------------------------------------


def set_cookie_share(requests: int) -> tuple[float, int, int]:
    """The share of ordinary responses (valid session inside ``updateAge``) carrying a
    Set-Cookie, over both adapters and GET /api/auth/session; and, as a control, how many
    of a few sessions due for refresh got one (all must)."""
    session = apps.session_cookie()
    refresh = apps.refresh_cookie()
    stacks = [("asgi", apps.starlette_app("auth")), ("wsgi", apps.flask_app("auth"))]
    with_cookie = total = 0
    for kind, app in stacks:
        for index in range(requests):
            path = "/api/auth/session" if index % 4 == 0 else "/"
            response = call_once(kind, app, path, session)
            total += 1
            with_cookie += bool(response.set_cookies())
    refreshed = sum(bool(call_once(kind, app, "/", refresh).set_cookies()) for kind, app in stacks)
    return with_cookie / total, refreshed, len(stacks)


# -- running ------------------------------------------------------------------------------


def run(quick: bool = False, out: Any = sys.stdout) -> dict[str, Any]:
    cases, ratios = build_cases()
    for case in cases:
        check(case)
    rounds = 8 if quick else 30
    batch = {"asgi": 300 if quick else 600, "wsgi": 150 if quick else 300}
    runners = {
        case.name: (asgi_batch(case) if case.kind == "asgi" else wsgi_batch(case)) for case in cases
    }
    for case in cases:  # warm up: imports, caches, template compilation
        runners[case.name](batch[case.kind] // 3)
    shuffler = random.Random(9)
    for _ in range(rounds):
        gc.collect()
        order = list(cases)
        shuffler.shuffle(order)
        for case in order:
            n = batch[case.kind]
            case.samples.append(runners[case.name](n) / n * 1e6)
    by_name = {case.name: case for case in cases}
    print(f"\n## In-process (rounds={rounds}, fastest batch of {batch})", file=out)
    print(f"{'case':54} {'µs/request':>10}", file=out)
    for case in cases:
        print(f"{case.name:54} {case.best:10.2f}", file=out)
    print(f"\n{'ratio':24} {'case / baseline':>16} {'added µs':>9}", file=out)
    results: dict[str, Any] = {"cases": {c.name: c.best for c in cases}, "ratios": {}}
    for name, (subject, baseline) in ratios.items():
        a, b = by_name[subject].best, by_name[baseline].best
        results["ratios"][name] = a / b
        print(f"{name:24} {a / b:16.2f} {a - b:+9.2f}", file=out)
    share, refreshed, stacks = set_cookie_share(250 if quick else 1000)
    results["set_cookie_share"] = share
    results["refresh_control"] = (refreshed, stacks)
    print(
        f"\nSet-Cookie on ordinary responses: {share:.2%} "
        f"(control: {refreshed}/{stacks} sessions due for refresh re-issued)",
        file=out,
    )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    run(quick=args.quick)


if __name__ == "__main__":
    main()
