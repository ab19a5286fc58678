"""The apps every benchmark drives, and the cookies they send.

One real Starlette app and one real Flask app, each in three stacks:

- ``bare``: the framework alone (the baseline);
- ``auth``: behind workos_middleware (``AuthMiddleware`` / ``WSGIAuthMiddleware``);
- ``anchor``: the framework's usual alternative for a signed-in user: Starlette's
  ``SessionMiddleware`` + ``AuthenticationMiddleware`` with a backend reading the user
  from the session, and Flask's own signed ``session``.

Every stack serves the same two endpoints, so a case differs only in what is in front:

- ``GET /``: a tiny view that reads the user (its display name, or "anonymous");
- ``GET /json``: a bare JSON endpoint returning a session-shaped value, the yardstick
  for the middleware's own ``GET /api/auth/session``.

The servers (uvicorn, gunicorn) import the factories at the bottom, choosing the stack
with ``BENCH_STACK``.
"""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.authentication import (
    AuthCredentials,
    AuthenticationBackend,
    BaseUser,
    SimpleUser,
)
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from workos_middleware import (
    USER_KEY,
    AuthConfig,
    AuthMiddleware,
    WorkOSProvider,
    WSGIAuthMiddleware,
)

SECRET = "benchmark-secret-0123456789abcdef"
APP_URL = "http://127.0.0.1:8000"
STACKS = ("bare", "auth", "anchor")
SESSION_COOKIE = "next-auth.session-token"
TOKEN: dict[str, Any] = {
    "sub": "prof_01ALICE",
    "name": "Alice Anderson",
    "email": "alice@example.com",
    "image": None,
    "organization_id": "org_01EXAMPLE",
    "connection_id": "conn_01EXAMPLE",
    "connection_type": "GenericSAML",
    "roles": None,
    "groups": None,
}
JSON_BODY: dict[str, Any] = {
    "user": {"name": "Alice Anderson", "email": "alice@example.com", "image": None},
    "expires": "2026-12-27T07:00:00.000Z",
}
OTHER_COOKIES = "theme=dark; _ga=GA1.2.345678901.1764000000; csrftoken=abcdef0123456789abcdef"


def auth_config(**overrides: Any) -> AuthConfig:
    provider = WorkOSProvider(
        client_id=os.environ.get("BENCH_CLIENT_ID", "client_bench"),
        client_secret=os.environ.get("BENCH_API_KEY", "sk_bench"),
        base_url=os.environ.get("BENCH_WORKOS_URL", "https://api.workos.com"),
    )
    url = os.environ.get("BENCH_APP_URL", APP_URL)
    options: dict[str, Any] = {"providers": [provider], "secret": SECRET, "url": url}
    options.update(overrides)
    return AuthConfig(**options)


# -- cookies ----------------------------------------------------------------------------


def session_cookie_value(token: dict[str, Any] | None = None, age: float = 0.0) -> str:
    """A session cookie value the middleware issued ``age`` seconds ago (through its own
    code, with the injected clock set back)."""
    from workos_middleware._config.core import AuthCore

    issued_at = time.time() - age
    core = AuthCore.build(auth_config(clock=lambda: issued_at))
    value, _ = core.sessions.keys.format.encode(dict(token or TOKEN))
    return str(value)


def session_cookie(age: float = 0.0, token: dict[str, Any] | None = None) -> str:
    """A Cookie header with a valid session (and the app's own cookies)."""
    return f"{SESSION_COOKIE}={session_cookie_value(token, age)}; {OTHER_COOKIES}"


def refresh_cookie() -> str:
    """A Cookie header with a session past ``updateAge`` (one day): it gets re-signed."""
    return session_cookie(age=2 * 24 * 3600)


def starlette_anchor_cookie() -> str:
    """Starlette ``SessionMiddleware``'s cookie holding the user (its own format)."""
    import itsdangerous

    data = base64.b64encode(json.dumps({"user": TOKEN}).encode())
    signed = itsdangerous.TimestampSigner(SECRET).sign(data).decode()
    return f"session={signed}; {OTHER_COOKIES}"


def flask_anchor_cookie() -> str:
    """Flask's own signed session cookie holding the user."""
    app = flask_app("anchor")
    serializer = app.session_interface.get_signing_serializer(app)
    return f"session={serializer.dumps({'user': TOKEN})}; {OTHER_COOKIES}"


# -- Starlette --------------------------------------------------------------------------


async def starlette_home(request: Request) -> Response:
    user: BaseUser | None = request.scope.get("user")
    name = user.display_name if user is not None and user.is_authenticated else "anonymous"
    return PlainTextResponse(f"hello {name}")


async def starlette_json(request: Request) -> Response:
    return JSONResponse(JSON_BODY)


class SessionUserBackend(AuthenticationBackend):
    """The anchor's backend: the user stored in Starlette's session, as many apps do."""

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        stored = conn.session.get("user")
        if not stored:
            return None
        return AuthCredentials(["authenticated"]), SimpleUser(stored["name"])


def starlette_app(stack: str, **config: Any) -> Any:
    """The Starlette app behind ``stack`` (the ASGI callable a server would run)."""
    routes = [Route("/", starlette_home), Route("/json", starlette_json)]
    if stack == "bare":
        return Starlette(routes=routes)
    if stack == "anchor":
        middleware = [
            Middleware(SessionMiddleware, secret_key=SECRET),  # type: ignore[arg-type]
            Middleware(AuthenticationMiddleware, backend=SessionUserBackend()),  # type: ignore[arg-type]
        ]
        return Starlette(routes=routes, middleware=middleware)
    if stack == "auth":
        return AuthMiddleware(Starlette(routes=routes), auth_config(**config))
    if stack == "floor":  # an empty middleware with a send wrapper (servers.one_worker)
        return starlette_floor(wrap_send=True)
    raise ValueError(f"unknown stack {stack!r}: use one of {STACKS}")


class EmptyMiddleware:
    """The floor of any pure ASGI middleware: an ``async def __call__`` that only awaits
    the app (optionally with a send wrapper that never adds anything)."""

    def __init__(self, app: Any, wrap_send: bool = False) -> None:
        self.app = app
        self.wrap_send = wrap_send

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if not self.wrap_send:
            await self.app(scope, receive, send)
            return

        def plain_send(message: Any) -> Any:
            return send(message)

        await self.app(scope, receive, plain_send)


def starlette_floor(wrap_send: bool = False) -> Any:
    routes = [Route("/", starlette_home), Route("/json", starlette_json)]
    return EmptyMiddleware(Starlette(routes=routes), wrap_send)


# -- Flask ------------------------------------------------------------------------------


def flask_app(stack: str, **config: Any) -> Any:
    """The Flask app behind ``stack`` (its WSGI callable is ``app.wsgi_app``'s caller)."""
    import flask

    app = flask.Flask(f"bench_{stack}")
    app.config["SECRET_KEY"] = SECRET

    if stack == "anchor":

        @app.get("/")
        def home_anchor() -> str:
            stored = flask.session.get("user")
            return f"hello {stored['name'] if stored else 'anonymous'}"

    else:

        @app.get("/")
        def home() -> str:
            user = flask.request.environ.get(USER_KEY)
            name = user.display_name if user is not None and user.is_authenticated else None
            return f"hello {name or 'anonymous'}"

    @app.get("/json")
    def json_view() -> Any:
        return flask.jsonify(JSON_BODY)

    if stack == "auth":
        app.wsgi_app = WSGIAuthMiddleware(app.wsgi_app, auth_config(**config))  # type: ignore[method-assign]
    elif stack == "floor":
        app.wsgi_app = empty_wsgi_middleware(app.wsgi_app)  # type: ignore[method-assign]
    elif stack not in STACKS:
        raise ValueError(f"unknown stack {stack!r}: use one of {STACKS}")
    return app


def empty_wsgi_middleware(app: Callable[..., Any]) -> Callable[..., Any]:
    """The floor of any WSGI middleware: a function that only calls the app."""

    def empty(environ: Any, start_response: Any) -> Any:
        return app(environ, start_response)

    return empty


def flask_floor() -> Any:
    """The bare Flask app behind :func:`empty_wsgi_middleware`."""
    return flask_app("floor")


# -- server entry points ----------------------------------------------------------------


def _profile_if_asked() -> None:
    """With ``BENCH_PROFILE=<dir>``, each worker writes a cProfile of its life there."""
    folder = os.environ.get("BENCH_PROFILE")
    if not folder:
        return
    import atexit
    import cProfile

    profile = cProfile.Profile()
    profile.enable()
    atexit.register(lambda: profile.dump_stats(f"{folder}/worker-{os.getpid()}.prof"))


def asgi_from_env() -> Any:
    """``uvicorn --factory bench_apps:asgi_from_env``: the stack named by ``BENCH_STACK``."""
    _profile_if_asked()
    return starlette_app(os.environ.get("BENCH_STACK", "bare"))


def wsgi_from_env() -> Callable[..., Any]:
    """``gunicorn 'bench_apps:wsgi_from_env()'``: the stack named by ``BENCH_STACK``."""
    _profile_if_asked()
    app: Callable[..., Any] = flask_app(os.environ.get("BENCH_STACK", "bare"))
    return app
