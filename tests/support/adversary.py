"""Helpers of the adversarial suite: a browser that can send anything, on both adapters.

``Browser`` plays a client through httpx's ``ASGITransport`` or ``WSGITransport`` like
``support.Client``, but wraps an app that also has a custom sign-in page (``/login``,
showing ``get_signin_context``) and lets a test send raw headers and bodies. The checks
at the bottom state the safe outcomes every adversarial test asserts.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs, unquote_to_bytes, urlsplit

import httpx
import pytest
from anyio.from_thread import BlockingPortal
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from workos_middleware import (
    SESSION_KEY,
    USER_KEY,
    AuthConfig,
    AuthMiddleware,
    WSGIAuthMiddleware,
    get_signin_context,
)

from .client import AppClient, make_config
from .constants import WORKOS_URL

SECRET_CONTENT = "the protected content"


# -- the wrapped apps -------------------------------------------------------------------


async def _asgi_login(request: Request) -> JSONResponse:
    context = get_signin_context(request)
    return JSONResponse({k: context[k] for k in ("callback_url", "csrf_token", "error")})


async def _asgi_private(request: Request) -> Response:
    if not request.user.is_authenticated:
        return PlainTextResponse("Forbidden", 403)
    return PlainTextResponse(SECRET_CONTENT)


async def _asgi_home(request: Request) -> JSONResponse:
    return JSONResponse({"session": request.scope.get(SESSION_KEY)})


async def _asgi_cached(request: Request) -> Response:
    """An app page the app marks cacheable by shared caches."""
    return PlainTextResponse("public page", headers={"cache-control": "public, max-age=600"})


def asgi_app() -> Starlette:
    return Starlette(
        routes=[
            Route("/", _asgi_home),
            Route("/login", _asgi_login),
            Route("/private", _asgi_private),
            Route("/private/{rest:path}", _asgi_private),
            Route("/cached", _asgi_cached),
        ]
    )


def wsgi_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    path = environ["PATH_INFO"]
    if path == "/login":
        context = get_signin_context(environ)
        body = {k: context[k] for k in ("callback_url", "csrf_token", "error")}
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]
    if path == "/private" or path.startswith("/private/"):
        if not environ[USER_KEY].is_authenticated:
            start_response("403 Forbidden", [("Content-Type", "text/plain")])
            return [b"Forbidden"]
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [SECRET_CONTENT.encode()]
    if path == "/cached":
        start_response(
            "200 OK", [("Content-Type", "text/plain"), ("Cache-Control", "public, max-age=600")]
        )
        return [b"public page"]
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps({"session": environ[SESSION_KEY]}).encode()]


# -- the browser ---------------------------------------------------------------------------


class Browser(AppClient):
    """A sync client over one adapter; ``kind`` is "asgi" or "wsgi"."""

    def __init__(self, kind: str, config: AuthConfig, portal: BlockingPortal) -> None:
        self.config = config
        self.portal = portal
        if kind == "asgi":
            self.middleware: Any = AuthMiddleware(asgi_app(), config=config)
        else:
            self.middleware = WSGIAuthMiddleware(wsgi_app, config=config)
        super().__init__(self.middleware, kind, portal, base_url=config.origin)

    def twin(self) -> Browser:
        """Another browser (its own cookie jar) talking to the same middleware instance."""
        other = Browser.__new__(Browser)
        other.config, other.portal, other.middleware = self.config, self.portal, self.middleware
        AppClient.__init__(other, self.middleware, self.kind, self.portal, self.config.origin)
        return other

    def send(self, request: httpx.Request) -> httpx.Response:
        """Send a hand-built request as-is (raw path, raw headers), cookies not added."""
        if self.kind == "asgi":

            async def go() -> httpx.Response:
                return await self._async.send(request)

            return self.portal.call(go)
        return self._sync.send(request)

    def raw(
        self,
        method: str,
        target: bytes | str,
        headers: list[tuple[bytes, bytes]] | None = None,
        body: bytes = b"",
    ) -> httpx.Response:
        """A request with this exact request target and these exact header bytes (the
        WSGI side builds the environ as a PEP 3333 server does: bytes as latin-1)."""
        if isinstance(target, str):
            target = target.encode("latin-1")
        headers = list(headers or [])
        if body and not any(name.lower() == b"content-length" for name, _ in headers):
            headers.append((b"content-length", str(len(body)).encode()))
        if self.kind == "wsgi":
            return call_wsgi(self.middleware, method, target, headers, body)
        url = httpx.URL(self.config.origin).copy_with(raw_path=target)
        return self.send(httpx.Request(method, url, headers=headers, content=body))

    def cookie_name(self, purpose: str) -> str:
        name: str = self.middleware.core.jar.names[purpose]
        return name

    def set_cookie(self, name: str, value: str) -> None:
        self.cookies.delete(name)
        host = urlsplit(self.config.origin).hostname or ""
        self.cookies.set(name, value, domain=host)

    def csrf(self) -> str:
        token: str = self.get("/api/auth/csrf").json()["csrfToken"]
        return token

    def start_sign_in(self, callback_url: str | None = "/dashboard", **form: str) -> httpx.Response:
        data = {"csrfToken": self.csrf(), "email": "alice@example.com", **form}
        if callback_url is not None:
            data["callbackUrl"] = callback_url
        return self.post("/api/auth/signin/workos", data=data)

    def state_of(self, signin_response: httpx.Response) -> str:
        location = signin_response.headers["location"]
        assert location.startswith(f"{WORKOS_URL}/sso/authorize?"), location
        return parse_qs(urlsplit(location).query)["state"][0]

    def callback(self, **params: str) -> httpx.Response:
        return self.get("/api/auth/callback/workos", params=params)

    def signed_in(self) -> bool:
        return bool(self.get("/api/auth/session").json())

    def sees_private(self) -> bool:
        return SECRET_CONTENT in self.get("/private").text


# -- fixtures (registered in tests/conftest.py) ------------------------------------------


@pytest.fixture
def make_browser(adapter: str, portal: BlockingPortal) -> Callable[..., Browser]:
    """Make a :class:`Browser` over the test's adapter; keywords go to ``make_config``."""

    def make(**overrides: Any) -> Browser:
        return Browser(adapter, make_config(**overrides), portal)

    return make


@pytest.fixture
def browser(make_browser: Callable[..., Browser]) -> Browser:
    """A :class:`Browser` with the default configuration."""
    return make_browser()


def call_wsgi(
    app: Any, method: str, target: bytes, headers: list[tuple[bytes, bytes]], body: bytes
) -> httpx.Response:
    """Call a WSGI app as a server would, with raw bytes, and return its response."""
    path, _, query = target.partition(b"?")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
        "QUERY_STRING": query.decode("latin-1"),
        "SERVER_NAME": "app.test",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in headers:
        key = name.decode("latin-1").upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = "HTTP_" + key
        text = value.decode("latin-1")
        environ[key] = environ[key] + "," + text if key in environ else text
    started: list[Any] = []

    def start_response(
        status: str, response_headers: list[tuple[str, str]], exc: Any = None
    ) -> Any:
        started[:] = [status, response_headers]
        return lambda data: None

    result = app(environ, start_response)
    try:
        content = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    status, response_headers = started
    return httpx.Response(
        int(status.split(" ", 1)[0]),
        headers=[(n.encode("latin-1"), v.encode("latin-1")) for n, v in response_headers],
        content=content,
    )


# -- the safe outcomes ------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def on_origin(location: str, origin: str) -> bool:
    """The browser stays on the app: the origin itself, or the origin plus a path."""
    if _CONTROL.search(location) or " " in location or "\\" in location:
        return False
    return location == origin or location.startswith(origin + "/")


def grants_session(response: httpx.Response, session_cookie: str) -> bool:
    """Whether the response sets a (non-empty) session cookie or chunk of it."""
    for header in response.headers.get_list("set-cookie"):
        name, _, rest = header.partition("=")
        base = name.split(".")
        if (
            name == session_cookie or ".".join(base[:-1]) == session_cookie
        ) and not rest.startswith(";"):
            return True
    return False


def no_traceback(response: httpx.Response) -> bool:
    text = response.text
    return "Traceback" not in text and 'File "' not in text


def headers_clean(response: httpx.Response) -> bool:
    return all(
        not _CONTROL.search(value.decode("latin-1")) for _name, value in response.headers.raw
    )
