"""What the middleware costs a request that is not for /api/auth.

Calls each adapter directly (no server, no sockets) with a minimal request, many times,
and prints the time per request for:

- ``bare``: the app alone, the baseline;
- ``anonymous``: through the middleware, no cookie at all;
- ``other-cookies``: through the middleware, cookies but no session cookie;
- ``session``: through the middleware with a valid session cookie (one signature check);
- ``signin-page``: ``GET /api/auth/signin`` rendered by the middleware, for scale.

Run: ``python benchmarks/passthrough.py [--requests N] [--case NAME] [--adapter asgi|wsgi]``.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import time
from collections.abc import Callable
from typing import Any

from workos_middleware import AuthConfig, AuthMiddleware, WorkOSProvider, WSGIAuthMiddleware

SECRET = "benchmark-secret-0123456789abcdef"
CASES = ("bare", "anonymous", "other-cookies", "session", "signin-page")


def config() -> AuthConfig:
    provider = WorkOSProvider(client_id="client_1", client_secret="sk_1")
    return AuthConfig(providers=[provider], secret=SECRET, url="http://app.test")


def session_cookie() -> str:
    from workos_middleware._signing import KeyRing

    token = {"sub": "prof_1", "name": "Alice Anderson", "email": "alice@example.com"}
    return "next-auth.session-token=" + KeyRing([SECRET]).dumps("session", token)


def cookie_for(case: str) -> str:
    if case == "session":
        return session_cookie() + "; theme=dark"
    if case == "other-cookies":
        return "theme=dark; _ga=GA1.2.3456; csrftoken=abcdef0123456789"
    return ""


def path_for(case: str) -> str:
    return "/api/auth/signin" if case == "signin-page" else "/"


# -- ASGI ------------------------------------------------------------------------------


async def asgi_app(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def asgi_runner(case: str) -> Callable[[int], float]:
    app: Any = asgi_app if case == "bare" else AuthMiddleware(asgi_app, config())
    cookie = cookie_for(case)
    headers = [(b"host", b"app.test")] + ([(b"cookie", cookie.encode())] if cookie else [])
    scope = {
        "type": "http",
        "method": "GET",
        "path": path_for(case),
        "query_string": b"",
        "headers": headers,
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        pass

    async def loop(n: int) -> float:
        start = time.perf_counter()
        for _ in range(n):
            await app(dict(scope), receive, send)
        return time.perf_counter() - start

    return lambda n: asyncio.run(loop(n))


# -- WSGI ------------------------------------------------------------------------------


def wsgi_app(environ: Any, start_response: Any) -> list[bytes]:
    start_response("200 OK", [])
    return [b"ok"]


def wsgi_runner(case: str) -> Callable[[int], float]:
    app: Any = wsgi_app if case == "bare" else WSGIAuthMiddleware(wsgi_app, config())
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path_for(case),
        "QUERY_STRING": "",
        "HTTP_HOST": "app.test",
        "wsgi.input": io.BytesIO(),
    }
    cookie = cookie_for(case)
    if cookie:
        environ["HTTP_COOKIE"] = cookie

    def start_response(status: str, headers: Any, exc_info: Any = None) -> None:
        pass

    def loop(n: int) -> float:
        start = time.perf_counter()
        for _ in range(n):
            b"".join(app(dict(environ), start_response))
        return time.perf_counter() - start

    return loop


def measure(adapter: str, case: str, requests: int, rounds: int) -> float:
    """Median microseconds per request over ``rounds`` rounds."""
    run = asgi_runner(case) if adapter == "asgi" else wsgi_runner(case)
    run(min(requests, 1000))  # warm up: imports, template compilation, caches
    per_request = [run(requests) / requests * 1e6 for _ in range(rounds)]
    return statistics.median(per_request)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--case", choices=CASES, action="append")
    parser.add_argument("--adapter", choices=("asgi", "wsgi"), action="append")
    args = parser.parse_args()
    cases = args.case or list(CASES)
    print(f"{'adapter':8} {'case':14} {'µs/request':>11} {'over bare':>10}")
    for adapter in args.adapter or ["asgi", "wsgi"]:
        bare = measure(adapter, "bare", args.requests, args.rounds)
        for case in cases:
            requests = args.requests // 10 if case == "signin-page" else args.requests
            value = bare if case == "bare" else measure(adapter, case, requests, args.rounds)
            print(f"{adapter:8} {case:14} {value:11.2f} {value - bare:+10.2f}")


if __name__ == "__main__":
    main()
