"""One sync HTTP client facade over both adapters, and the apps it wraps.

Every behaviour test runs twice, through httpx's ``ASGITransport`` (driven on one event
loop in a background thread) and ``WSGITransport``; WorkOS is mocked with respx.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import respx
from anyio.from_thread import BlockingPortal
from starlette.applications import Starlette
from starlette.authentication import requires
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from workos_middleware import (
    SESSION_KEY,
    AuthConfig,
    AuthMiddleware,
    WorkOSProvider,
    WSGIAuthMiddleware,
    get_csrf_token,
    get_session,
)

from .constants import API_KEY, APP_URL, CLIENT_ID, SECRET, TOKEN_RESPONSE, WORKOS_URL
from .urls import query_of


def make_provider(**overrides: Any) -> WorkOSProvider:
    options: dict[str, Any] = {
        "client_id": CLIENT_ID,
        "client_secret": API_KEY,
        "base_url": WORKOS_URL,
        "domains": {"example.com": "org_01EXAMPLE", "acme.test": "conn_01ACME"},
    }
    options.update(overrides)
    return WorkOSProvider(**options)


def make_config(**overrides: Any) -> AuthConfig:
    options: dict[str, Any] = {"providers": [make_provider()], "secret": SECRET, "url": APP_URL}
    options.update(overrides)
    return AuthConfig(**options)


# -- the wrapped apps: they show what the middleware attached -------------------------


async def asgi_home(request: Request) -> JSONResponse:
    user = request.user
    return JSONResponse(
        {
            "session": get_session(request),
            "authenticated": user.is_authenticated,
            "display_name": user.display_name if user.is_authenticated else None,
            "scopes": list(request.auth.scopes),
        }
    )


@requires("authenticated")
async def asgi_private(request: Request) -> PlainTextResponse:
    return PlainTextResponse(f"secret for {request.user.email}")


async def asgi_form(request: Request) -> PlainTextResponse:
    return PlainTextResponse(get_csrf_token(request))


def asgi_app() -> Starlette:
    return Starlette(
        routes=[
            Route("/", asgi_home),
            Route("/dashboard", asgi_home),
            Route("/private", asgi_private),
            Route("/form", asgi_form),
        ]
    )


def wsgi_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    path = environ["PATH_INFO"]
    if path == "/form":
        token = get_csrf_token(environ)  # before start_response: it may set a cookie
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [token.encode()]
    session = environ[SESSION_KEY]
    user = environ["workos_middleware.user"]
    if path == "/private" and not user.is_authenticated:
        start_response("403 Forbidden", [("Content-Type", "text/plain")])
        return [b"Forbidden"]
    if path == "/private":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [f"secret for {user.email}".encode()]
    body = {
        "session": session,
        "authenticated": user.is_authenticated,
        "display_name": user.display_name if user.is_authenticated else None,
        "scopes": ["authenticated"] if user.is_authenticated else [],
    }
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(body).encode()]


# -- one sync client over both adapters ------------------------------------------------


class AppClient:
    """Any app behind httpx, used synchronously: an ASGI app (``kind`` "asgi") through
    ``ASGITransport`` on the portal's event loop, else a WSGI app through
    ``WSGITransport``."""

    def __init__(self, app: Any, kind: str, portal: BlockingPortal, base_url: str = APP_URL):
        self.kind = kind
        self.asgi = kind == "asgi"
        self._portal = portal
        if self.asgi:
            self._async = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url=base_url
            )
            self.cookies = self._async.cookies
        else:
            self._sync = httpx.Client(transport=httpx.WSGITransport(app=app), base_url=base_url)
            self.cookies = self._sync.cookies

    @property
    def http(self) -> Any:
        """The underlying httpx client (``AsyncClient`` under ASGI), e.g. for
        ``workos_middleware.testing.sign_in``."""
        return self._async if self.asgi else self._sync

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        if self.asgi:

            async def go() -> httpx.Response:
                return await self._async.request(method, url, **kwargs)

            return self._portal.call(go)
        return self._sync.request(method, url, **kwargs)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)


class Client(AppClient):
    """The test apps behind the middleware; ``kind`` is "asgi" or "wsgi"."""

    def __init__(
        self,
        kind: str,
        config: AuthConfig,
        portal: BlockingPortal,
        *,
        asgi: Any = None,
        wsgi: Any = None,
    ) -> None:
        self.config = config
        if kind == "asgi":
            self.middleware: Any = AuthMiddleware(asgi or asgi_app(), config=config)
        else:
            self.middleware = WSGIAuthMiddleware(wsgi or wsgi_app, config=config)
        super().__init__(self.middleware, kind, portal, base_url=config.origin)

    def set_cookie(self, name: str, value: str) -> None:
        """Replace the browser's cookie ``name`` (what an attacker or a test plants)."""
        self.cookies.delete(name)
        self.cookies.set(name, value, domain=self.config.origin.split("://")[1].split(":")[0])

    def callback(self, params: dict[str, str]) -> httpx.Response:
        """The browser's return from WorkOS to the callback, with these parameters."""
        return self.get("/api/auth/callback/workos", params=params)

    def csrf(self) -> str:
        token: str = self.get("/api/auth/csrf").json()["csrfToken"]
        return token

    def start_sign_in(
        self,
        email: str | None = "alice@example.com",
        callback_url: str = "/dashboard",
        **query: str,
    ) -> dict[str, str]:
        """POST the sign-in form; return the authorization URL's parameters."""
        data = {"csrfToken": self.csrf(), "callbackUrl": callback_url}
        if email is not None:
            data["email"] = email
        response = self.post("/api/auth/signin/workos", data=data, params=query)
        assert response.status_code == 302, response.text
        location = response.headers["location"]
        assert location.startswith(f"{WORKOS_URL}/sso/authorize?")
        return query_of(location)

    def sign_in(self, workos: respx.MockRouter, **kwargs: Any) -> httpx.Response:
        """A whole sign-in; returns the callback's response."""
        if not _has_route(workos, "token"):
            workos.post("/sso/token", name="token").respond(200, json=TOKEN_RESPONSE)
        params = self.start_sign_in(**kwargs)
        return self.callback({"code": "code_1", "state": params["state"]})


def _has_route(router: respx.MockRouter, name: str) -> bool:
    try:
        router[name]
    except KeyError:
        return False
    return True
