"""One adapter matrix: the same app behind every entry point, driven with raw requests.

The five entry points are Starlette and FastAPI (``AuthMiddleware``), Flask
(``WSGIAuthMiddleware``), and a Django project with the native middleware under WSGI and
under ASGI. The mounted combinations put the same apps where users put them: a Flask app
mounted in FastAPI through an ASGI-to-WSGI bridge (``WSGIMiddleware``, the middleware on
the FastAPI side), a wrapped Starlette app mounted under ``/app`` in another Starlette
app, and a wrapped Flask app under ``/app`` in werkzeug's ``DispatcherMiddleware``.

Every app answers every path and every method with the same JSON (``CONTENT``, the
signed-in user's email, the ``X-Auth-Request-*`` headers it sees, by any spelling): the
worst case, a catch-all view that serves anything it is handed (Django function views
answer ``OPTIONS`` too). Requests are sent as a server delivers them: a hand-built ASGI
scope (header names lower-cased, the path percent-decoded as UTF-8) or a PEP 3333 environ
(bytes as latin-1), so a test controls the exact request target and header spellings.
This module is also the Django project's ``ROOT_URLCONF`` for the matrix.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import anyio
import httpx
import pytest
from anyio.from_thread import BlockingPortal
from fastapi import Request as FastAPIRequest
from fastapi import Response as FastAPIResponse

from workos_middleware import (
    AuthConfig,
    AuthMiddleware,
    MiddlewareNotInstalled,
    WSGIAuthMiddleware,
    current_user,
)

from . import django_project
from .adversary import call_wsgi
from .client import make_config

CONTENT = "PROTECTED-CONTENT"
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
ENTRY_POINTS = ["starlette", "fastapi", "flask", "django-wsgi", "django-asgi"]
MOUNTED = ["fastapi+flask", "starlette-mount", "flask-dispatch"]
EVERY_ENTRY = [*ENTRY_POINTS, *MOUNTED]

django_project.configure()


def _seen(items: Any, request: Any) -> bytes:
    """The echo: what the app received (identity headers by any spelling, normalised),
    and who it takes the user to be. A Flask app behind an ASGI-to-WSGI bridge does not
    see the middleware's state: like any app behind a proxy, it knows the user only by
    the identity headers."""
    identity = {}
    for name, value in items:
        key = name.lower().replace("_", "-")
        if key.startswith("x-auth-request-"):
            identity[key] = value
    try:
        user = current_user(request)
        email = user.email if user is not None else None
    except MiddlewareNotInstalled:
        email = identity.get("x-auth-request-email")
    return json.dumps({"content": CONTENT, "user": email, "identity": identity}).encode()


# -- the apps, one per framework, each a catch-all echo ------------------------------------


def starlette_app() -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    async def echo(request: Request) -> Response:
        body = _seen(request.headers.items(), request)
        return Response(body, media_type="application/json")

    return Starlette(routes=[Route("/{rest:path}", echo, methods=METHODS)])


def fastapi_app() -> Any:
    from fastapi import FastAPI

    app = FastAPI()

    @app.api_route("/{rest:path}", methods=METHODS)
    async def echo(request: FastAPIRequest) -> FastAPIResponse:
        body = _seen(request.headers.items(), request)
        return FastAPIResponse(body, media_type="application/json")

    return app


def flask_app() -> Any:
    from flask import Flask, Response, request

    app = Flask("matrix")
    app.url_map.merge_slashes = False
    app.url_map.strict_slashes = False

    def echo(rest: str) -> Response:
        body = _seen(request.headers.items(), request)
        return Response(body, content_type="application/json")

    app.add_url_rule("/", "root", echo, defaults={"rest": ""}, methods=METHODS)
    app.add_url_rule("/<path:rest>", "echo", echo, methods=METHODS)
    return app


def _django_echo(request: Any) -> Any:
    from django.http import HttpResponse

    body = _seen(request.headers.items(), request)
    return HttpResponse(body, content_type="application/json")


def _urlpatterns() -> list[Any]:
    from django.urls import re_path

    # A case-insensitive route, as a Django project writes one, then a catch-all.
    return [re_path(r"(?i)^admin/users$", _django_echo), re_path(r"^.*$", _django_echo)]


urlpatterns = _urlpatterns()


# -- an entry point, and sending raw requests through it -------------------------------------


@dataclass
class Entry:
    """One entry point: the app a server would be given, its kind, and the mount
    prefix a request's path starts with."""

    name: str
    kind: str  # "asgi" or "wsgi"
    app: Any
    portal: BlockingPortal
    prefix: str = ""

    def send(
        self,
        method: str,
        target: str | bytes,
        headers: Sequence[tuple[str | bytes, str | bytes]] = (),
        body: bytes = b"",
    ) -> httpx.Response:
        """``target`` (a route path, as on the wire) under this entry's prefix."""
        raw = self.prefix.encode() + _bytes(target)
        pairs = [(b"host", b"app.test"), *((_bytes(n), _bytes(v)) for n, v in headers)]
        if body:
            pairs.append((b"content-length", str(len(body)).encode()))
        if self.kind == "wsgi":
            return call_wsgi(self.app, method, raw, pairs, body)
        return self._send_asgi(method, raw, pairs, body)

    def _send_asgi(
        self, method: str, raw: bytes, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> httpx.Response:
        raw_path, _, query = raw.partition(b"?")
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": unquote(raw_path.decode("latin-1")),
            "raw_path": raw_path,
            "query_string": query,
            "root_path": "",
            # A server lower-cases header names (h11, httptools).
            "headers": [(name.lower(), value) for name, value in headers],
            "client": ("127.0.0.1", 5555),
            "server": ("app.test", 80),
            "state": {},
        }

        async def run() -> httpx.Response:
            sent: list[dict[str, Any]] = []
            chunks = [body[i : i + 100] for i in range(0, len(body), 100)] or [b""]

            async def receive() -> dict[str, Any]:
                if chunks:
                    chunk = chunks.pop(0)
                    return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}
                # The client stays connected until the response is sent (Django listens
                # for a disconnect while the view runs and would drop the response).
                await anyio.sleep_forever()
                return {"type": "http.disconnect"}

            async def send(message: dict[str, Any]) -> None:
                sent.append(message)

            await self.app(scope, receive, send)
            start = next(m for m in sent if m["type"] == "http.response.start")
            content = b"".join(
                m.get("body", b"") for m in sent if m["type"] == "http.response.body"
            )
            return httpx.Response(
                start["status"], headers=start.get("headers", []), content=content
            )

        return self.portal.call(run)


def _bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("latin-1")


def outcome(response: httpx.Response) -> tuple[Any, ...]:
    """What a request came to: ``("app", user, identity headers)`` when it reached the
    app, else the middleware's status."""
    if response.status_code == 200 and CONTENT in response.text:
        seen = response.json()
        return ("app", seen["user"], seen["identity"])
    assert CONTENT not in response.text, response.text
    return (response.status_code,)


def build(name: str, config: AuthConfig, portal: BlockingPortal, stack: ExitStack) -> Entry:
    """The entry point ``name`` over ``config``."""
    if name == "starlette":
        return Entry(name, "asgi", AuthMiddleware(starlette_app(), config), portal)
    if name == "fastapi":
        app = fastapi_app()
        app.add_middleware(AuthMiddleware, config=config)
        return Entry(name, "asgi", app, portal)
    if name == "flask":
        flask = flask_app()
        flask.wsgi_app = WSGIAuthMiddleware(flask.wsgi_app, config)  # type: ignore[method-assign]
        return Entry(name, "wsgi", flask, portal)
    if name in ("django-wsgi", "django-asgi"):
        from django.core.asgi import get_asgi_application
        from django.core.wsgi import get_wsgi_application
        from django.test import override_settings

        stack.enter_context(override_settings(WORKOS_AUTH=config, ROOT_URLCONF=__name__))
        if name == "django-wsgi":
            return Entry(name, "wsgi", get_wsgi_application(), portal)
        return Entry(name, "asgi", get_asgi_application(), portal)
    if name == "fastapi+flask":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # deprecated in favour of a2wsgi; same mapping
            from starlette.middleware.wsgi import WSGIMiddleware

        from fastapi import FastAPI

        app = FastAPI()
        app.mount("/", WSGIMiddleware(flask_app()))
        app.add_middleware(AuthMiddleware, config=config)
        return Entry(name, "asgi", app, portal)
    if name == "starlette-mount":
        from starlette.applications import Starlette
        from starlette.routing import Mount

        outer = Starlette(routes=[Mount("/app", app=AuthMiddleware(starlette_app(), config))])
        return Entry(name, "asgi", outer, portal, prefix="/app")
    if name == "flask-dispatch":
        from werkzeug.middleware.dispatcher import DispatcherMiddleware

        flask = flask_app()
        flask.wsgi_app = WSGIAuthMiddleware(flask.wsgi_app, config)  # type: ignore[method-assign]
        return Entry(
            name, "wsgi", DispatcherMiddleware(_not_found, {"/app": flask}), portal, "/app"
        )
    raise ValueError(name)


def _not_found(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not mounted"]


@pytest.fixture(params=ENTRY_POINTS)
def entry_point(request: pytest.FixtureRequest) -> str:
    """The five entry points."""
    name: str = request.param
    return name


@pytest.fixture(params=EVERY_ENTRY)
def any_entry(request: pytest.FixtureRequest) -> str:
    """The five entry points and the mounted combinations."""
    name: str = request.param
    return name


@pytest.fixture
def make_entry(portal: BlockingPortal) -> Iterator[Callable[..., Entry]]:
    """``make_entry(name, **config_overrides)``: an entry point over ``make_config``."""
    with ExitStack() as stack:

        def make(name: str, **overrides: Any) -> Entry:
            return build(name, make_config(**overrides), portal, stack)

        yield make
