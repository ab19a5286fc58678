"""The ASGI adapter: a pure ASGI middleware (no ``BaseHTTPMiddleware``).

It translates scope and messages to the core's values and back, and drives flows with
one shared, pooled ``httpx.AsyncClient``. Passthrough responses are streamed untouched
(Set-Cookie headers are only added to ``http.response.start`` when needed). Websocket
connections get the same ``scope["user"]``, ``scope["auth"]`` and session as HTTP
requests (read, never refreshed: a handshake cannot set cookies); lifespan messages go
straight to the app.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence

import httpx
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .._base.messages import MAX_BODY_BYTES, AuthRequest, AuthResponse
from .._config.config import AuthConfig
from .._config.core import AuthCore
from .._pages.responses import with_cookies
from .._passthrough.decision import IDENTITY_HEADER_PREFIXES, Admission, Refusal, decide
from .._request.state import SESSION_KEY, STATE_KEY, RequestAuth
from .._routes.handlers import handle
from .drivers import AsyncClients, async_clients, run_async

__all__ = ["AuthMiddleware"]


def route_path(scope: Scope) -> str:
    """The path the app routes on: ``path`` without ``root_path`` (as Starlette reads
    it; servers that leave ``root_path`` out of ``path`` are read as they are)."""
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    if root_path and path.startswith(root_path):
        if len(path) == len(root_path):
            return "/"
        if path[len(root_path)] == "/":
            return path[len(root_path) :]
    return path


def _headers(scope: Scope) -> dict[str, str]:
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope.get("headers", ()):
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        if name in headers:
            value = headers[name] + ("; " if name == "cookie" else ", ") + value
        headers[name] = value
    return headers


def _is_identity_header(name: bytes) -> bool:
    """An ``X-Auth-Request-*`` header by any spelling an app or a bridge reads as one."""
    return name[:15].lower() in IDENTITY_HEADER_PREFIXES


def _with_set_cookies(start: Message, set_cookies: Sequence[str]) -> Message:
    """The app's response start with our Set-Cookie values, which make the response
    private (see :func:`~.._pages.responses.with_cookies`)."""
    headers = with_cookies(
        [(n.decode("latin-1"), v.decode("latin-1")) for n, v in start.get("headers", ())],
        set_cookies,
    )
    encoded = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in headers]
    return {**start, "headers": encoded}


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


def request_of(scope: Scope, path: str, body: bytes = b"", too_large: bool = False) -> AuthRequest:
    return AuthRequest(
        method=scope.get("method", "GET").upper(),
        path=path,
        query_string=scope.get("query_string", b"").decode("latin-1"),
        headers=_headers(scope),
        body=body,
        body_too_large=too_large,
    )


def _set_identity_headers(scope: Scope, added: tuple[tuple[str, str], ...]) -> None:
    """The decision's header edit: every incoming X-Auth-Request-* header removed,
    ``added`` added."""
    kept = [(n, v) for n, v in scope.get("headers", ()) if not _is_identity_header(n)]
    kept.extend((name.encode("latin-1"), value.encode("latin-1")) for name, value in added)
    scope["headers"] = kept


async def _send_response(send: Send, scope: Scope, response: AuthResponse) -> None:
    if scope["type"] == "websocket":
        # A refused handshake: the server answers 403 and no connection is opened.
        await send({"type": "websocket.close", "code": 1008})
        return
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
    body = b"" if scope["method"] == "HEAD" else response.body
    await send({"type": "http.response.body", "body": body})


class _Passed(RequestAuth):
    """A passed-through request's state, and the ``send`` its response goes through.

    A request can gain a cookie while the app runs (``get_csrf_token()`` sets the CSRF
    cookie when the browser has none), so the app always gets :meth:`send`; a bound
    method of the state the request needs anyway (no closure per request), returning
    the server's own awaitable (no coroutine per message), copying the message only
    when a cookie is added.
    """

    __slots__ = ("downstream",)

    downstream: Send

    def send(self, message: Message) -> Awaitable[None]:
        if self.set_cookies and message["type"] == "http.response.start":
            message = _with_set_cookies(message, self.set_cookies)
        return self.downstream(message)


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
        # The app's own client is used as given (it is the app's to close); otherwise
        # one pooled client per running event loop, closed with its loop.
        self._given = http_client
        self._clients = async_clients(self.config.http_timeout)

    @property
    def http_clients(self) -> httpx.AsyncClient | AsyncClients:
        """The clients for provider calls: pooled, explicit timeouts, no retries."""
        return self._given if self._given is not None else self._clients

    async def aclose(self) -> None:
        """Close the running loop's provider client and session store client."""
        await self._clients.aclose()
        store = self.core.server_store
        if store is not None:
            await store.aclose()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "http" and kind != "websocket":
            if kind == "lifespan":
                send = self._closing_on_shutdown(send)
            await self.app(scope, receive, send)
            return
        root_path = scope.get("root_path", "")
        path = route_path(scope) if root_path else scope["path"]
        core = self.core.mounted(root_path) if root_path else self.core
        # startswith first: a C call instead of a method call for the app's paths.
        if kind == "http" and path.startswith(core.base_path) and core.is_auth_path(path):
            await self._handle(core, scope, path, receive, send)
            return

        # One pass over the headers: the Cookie header (several joined with "; ") and
        # whether any X-Auth-Request-* header came in (to be removed).
        cookie: bytes | None = None
        spoofed = False
        for name, value in scope.get("headers", ()):
            if name == b"cookie":
                cookie = value if cookie is None else cookie + b"; " + value
            elif name and name[0] | 32 == 120 and _is_identity_header(name):  # "x", "X"
                spoofed = True
        cookie_header = "" if cookie is None else cookie.decode("latin-1")
        method: str = scope.get("method", "GET")
        if method != "GET" and not method.isupper():
            # One reading of the method, upper-cased: the rules' and the app's.
            method = scope["method"] = method.upper()
        # A websocket handshake cannot set cookies: its session is read, not refreshed.
        decision = decide(
            core, method, path, cookie_header, spoofed, request_of, scope, kind == "http"
        )
        if not isinstance(decision, Admission):
            if not isinstance(decision, Refusal):  # the store, renewal, the callback
                decision = await run_async(decision, self.http_clients)
            if isinstance(decision, Refusal):
                await _send_response(send, scope, decision.response)
                return
        if decision.headers is not None:
            _set_identity_headers(scope, decision.headers)
        state = _Passed(core, decision.identity, cookie_header)
        scope[STATE_KEY] = state
        scope[SESSION_KEY] = state.session
        scope["user"] = state.user
        scope["auth"] = state.credentials
        if kind == "websocket":
            await self.app(scope, receive, send)
            return
        state.downstream = send
        await self.app(scope, receive, state.send)

    def _closing_on_shutdown(self, send: Send) -> Send:
        """The app's lifespan messages go through unchanged; at shutdown the loop's
        clients' connections are closed first."""

        async def send_and_close(message: Message) -> None:
            if message["type"] == "lifespan.shutdown.complete":
                await self.aclose()
            await send(message)

        return send_and_close

    async def _handle(
        self, core: AuthCore, scope: Scope, path: str, receive: Receive, send: Send
    ) -> None:
        body, too_large = (b"", False)
        if scope["method"] == "POST":
            body, too_large = await _read_body(receive)
        request = request_of(scope, path, body, too_large)
        response = await run_async(handle(core, request), self.http_clients)
        await _send_response(send, scope, response)
