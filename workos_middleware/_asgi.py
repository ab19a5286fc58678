"""The ASGI adapter: a pure ASGI middleware (no ``BaseHTTPMiddleware``).

It translates scope and messages to the core's values and back, and drives flows with
one shared, pooled ``httpx.AsyncClient``. Passthrough responses are streamed untouched
(Set-Cookie headers are only added to ``http.response.start`` when needed). Websocket
connections get the same ``scope["user"]``, ``scope["auth"]`` and session as HTTP
requests (read, never refreshed: a handshake cannot set cookies); lifespan messages go
straight to the app.
"""

from __future__ import annotations

import httpx
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._config import AuthConfig
from ._core import AuthCore
from ._drivers import run_async
from ._messages import MAX_BODY_BYTES, AuthRequest
from ._request_state import SESSION_KEY, STATE_KEY, RequestAuth
from ._routes import handle
from ._session import ANONYMOUS

__all__ = ["AuthMiddleware"]


def _headers(scope: Scope) -> dict[str, str]:
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope.get("headers", ()):
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        if name in headers:
            value = headers[name] + ("; " if name == "cookie" else ", ") + value
        headers[name] = value
    return headers


def _cookie_header(scope: Scope) -> str:
    found = [value for name, value in scope.get("headers", ()) if name == b"cookie"]
    return b"; ".join(found).decode("latin-1")


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    """The request body, up to the cap; ``True`` as second item if it was larger."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"", False
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return b"", True
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), False


class AuthMiddleware:
    """NextAuth-style ``/api/auth`` for an ASGI app.

    ``Middleware(AuthMiddleware, config=AuthConfig.from_env())`` in Starlette/FastAPI,
    or ``AuthMiddleware(app, config)``.
    """

    def __init__(
        self,
        app: ASGIApp,
        config: AuthConfig,
        *,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self.app = app
        self.config = config
        self.core = AuthCore.build(self.config)
        self._client = http_client

    @property
    def http_client(self) -> httpx.AsyncClient:
        """The shared client for WorkOS calls: pooled, explicit timeouts, no retries."""
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self.config.http_timeout, connect=5.0),
                follow_redirects=False,
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, self._closing_on_shutdown(send))
            return
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        if kind == "http" and self.core.is_auth_path(scope["path"]):
            await self._handle(scope, receive, send)
            return

        cookie_header = _cookie_header(scope)
        identity = ANONYMOUS
        if cookie_header and self.core.sessions.present(cookie_header):
            # A websocket handshake cannot set cookies: its session is read, not refreshed.
            flow = self.core.sessions.identify(cookie_header, refresh=kind == "http")
            identity = await run_async(flow, self.http_client)
        state = RequestAuth(self.core, identity, cookie_header)
        scope[STATE_KEY] = state
        scope[SESSION_KEY] = state.session
        scope["user"] = state.user
        scope["auth"] = state.credentials
        if kind == "websocket":
            await self.app(scope, receive, send)
            return

        async def send_with_cookies(message: Message) -> None:
            if message["type"] == "http.response.start" and state.set_cookies:
                headers = list(message.get("headers", ()))
                headers.extend((b"set-cookie", c.encode("latin-1")) for c in state.set_cookies)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_cookies)

    def _closing_on_shutdown(self, send: Send) -> Send:
        """The app's lifespan messages go through unchanged; at shutdown the shared
        client's connections are closed first."""

        async def send_and_close(message: Message) -> None:
            if message["type"] == "lifespan.shutdown.complete":
                await self.aclose()
            await send(message)

        return send_and_close

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope["method"]
        body, too_large = (b"", False)
        if method == "POST":
            body, too_large = await _read_body(receive)
        request = AuthRequest(
            method=method,
            path=scope["path"],
            query_string=scope.get("query_string", b"").decode("latin-1"),
            headers=_headers(scope),
            body=body,
            body_too_large=too_large,
        )
        response = await run_async(handle(self.core, request), self.http_client)
        await send(
            {
                "type": "http.response.start",
                "status": response.status,
                "headers": [
                    (name.encode("latin-1"), value.encode("latin-1"))
                    for name, value in [
                        *response.headers,
                        ("content-length", str(len(response.body))),
                    ]
                ],
            }
        )
        await send(
            {"type": "http.response.body", "body": b"" if method == "HEAD" else response.body}
        )
