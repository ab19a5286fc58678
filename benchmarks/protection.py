"""What protection rules cost a passthrough request.

Calls each adapter directly (no server, no sockets), many times, and prints the time
per request for:

- ``bare``: the app alone, the baseline;
- ``no-rules``: through the middleware with no rule configured, anonymous;
- ``public``: rules configured (exact, prefix, glob, a method rule), an anonymous
  request for a path no rule protects;
- ``public-odd``: the same, for a path that takes the slow normalisation
  (``/docs//a/./b;v=1``);
- ``miss``: an anonymous request for a protected path (answered 401 by the middleware);
- ``signed-in``: a protected path with a valid session (one signature check, rules
  passed).

Run: ``python benchmarks/protection.py [--requests N] [--case NAME] [--adapter asgi|wsgi]``.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import time
from collections.abc import Callable
from typing import Any

from workos_middleware import (
    AccessRule,
    AuthConfig,
    AuthMiddleware,
    Rule,
    WorkOSProvider,
    WSGIAuthMiddleware,
)

SECRET = "benchmark-secret-0123456789abcdef"
CASES = ("bare", "no-rules", "public", "public-odd", "miss", "signed-in")
PATHS = {
    "bare": "/docs/a",
    "no-rules": "/docs/a",
    "public": "/docs/a",
    "public-odd": "/docs//a/./b;v=1",
    "miss": "/admin/users",
    "signed-in": "/admin/users",
}


def config(case: str) -> AuthConfig:
    provider = WorkOSProvider(client_id="client_1", client_secret="sk_1")
    rules: dict[str, Any] = {}
    if case != "no-rules":
        rules = {
            "protect": [
                "/dashboard",
                "/admin/**",
                "/orgs/*/settings",
                Rule("/api/posts/**", methods=["POST", "DELETE"]),
                Rule("/billing/**", allow=AccessRule(roles=["admin"])),
            ],
            "public": ["/admin/help"],
            "allow": AccessRule(domains=["example.com"]),
        }
    return AuthConfig(providers=[provider], secret=SECRET, url="http://app.test", **rules)


def cookie_for(case: str) -> str:
    if case != "signed-in":
        return ""
    from workos_middleware._config.core import AuthCore

    token: Any = {"sub": "prof_1", "name": "Alice", "email": "alice@example.com", "roles": []}
    value, _ = AuthCore.build(config(case)).sessions.keys.format.encode(token)
    return "next-auth.session-token=" + value


async def asgi_app(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def asgi_runner(case: str) -> Callable[[int], float]:
    app: Any = asgi_app if case == "bare" else AuthMiddleware(asgi_app, config(case))
    cookie = cookie_for(case)
    headers = [(b"host", b"app.test"), (b"accept", b"application/json")]
    headers += [(b"cookie", cookie.encode())] if cookie else []
    scope = {
        "type": "http",
        "method": "GET",
        "path": PATHS[case],
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


def wsgi_app(environ: Any, start_response: Any) -> list[bytes]:
    start_response("200 OK", [])
    return [b"ok"]


def wsgi_runner(case: str) -> Callable[[int], float]:
    app: Any = wsgi_app if case == "bare" else WSGIAuthMiddleware(wsgi_app, config(case))
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": PATHS[case],
        "QUERY_STRING": "",
        "HTTP_HOST": "app.test",
        "HTTP_ACCEPT": "application/json",
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
    run(min(requests, 1000))
    return statistics.median(run(requests) / requests * 1e6 for _ in range(rounds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--case", choices=CASES, action="append")
    parser.add_argument("--adapter", choices=("asgi", "wsgi"), action="append")
    args = parser.parse_args()
    print(f"{'adapter':8} {'case':12} {'µs/request':>11} {'over bare':>10}")
    for adapter in args.adapter or ["asgi", "wsgi"]:
        bare = measure(adapter, "bare", args.requests, args.rounds)
        for case in args.case or list(CASES):
            value = bare if case == "bare" else measure(adapter, case, args.requests, args.rounds)
            print(f"{adapter:8} {case:12} {value:11.2f} {value - bare:+10.2f}")


if __name__ == "__main__":
    main()
