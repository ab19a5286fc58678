"""The WSGI adapter: a native WSGI middleware (no ASGI bridge, no event-loop thread).

It translates the environ to the core's values and back, and drives flows with one
shared, pooled ``httpx.Client``. Passthrough responses are the app's own iterables;
Set-Cookie headers are only added through ``start_response`` when needed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, MutableMapping
from http import HTTPStatus
from types import TracebackType
from typing import Any, Optional

import httpx

from .._base.errors import ConfigurationError
from .._base.messages import MAX_BODY_BYTES, AuthRequest, AuthResponse
from .._config.config import AuthConfig
from .._config.core import AuthCore
from .._pages.responses import with_cookies
from .._passthrough.decision import Admission, Refusal, decide, identity_environ_keys
from .._request.state import SESSION_KEY, STATE_KEY, USER_KEY, RequestAuth
from .._routes.handlers import handle
from .drivers import new_client, run_sync

__all__ = ["WSGIAuthMiddleware"]

Environ = dict[str, Any]
ExcInfo = tuple[type[BaseException], BaseException, Optional[TracebackType]]  # noqa: UP045
StartResponse = Callable[..., Callable[[bytes], object]]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]


def text(environ: Environ, key: str) -> str:
    """An environ string as the client sent it (WSGI smuggles bytes through latin-1)."""
    value: str = environ.get(key, "")
    if value.isascii():  # the usual path: the same text either way
        return value
    return value.encode("latin-1", "replace").decode("utf-8", "replace")


def _headers(environ: Environ) -> dict[str, str]:
    headers = {
        key[5:].replace("_", "-").lower(): value
        for key, value in environ.items()
        if key.startswith("HTTP_") and isinstance(value, str)
    }
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    return headers


def _read_body(environ: Environ) -> tuple[bytes, bool]:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return b"", False
    if length > MAX_BODY_BYTES:
        return b"", True
    if length <= 0:
        return b"", False
    body: bytes = environ["wsgi.input"].read(length)
    return body, False


def request_of(
    environ: Environ, path: str, body: bytes = b"", too_large: bool = False
) -> AuthRequest:
    return AuthRequest(
        method=environ.get("REQUEST_METHOD", "GET").upper(),
        path=path,
        query_string=environ.get("QUERY_STRING", ""),
        headers=_headers(environ),
        body=body,
        body_too_large=too_large,
    )


def set_identity_environ(
    environ: MutableMapping[str, Any], spoofed: list[str], added: tuple[tuple[str, str], ...]
) -> None:
    """The decision's header edit on an environ (or Django's ``META``): the incoming
    identity headers removed, ``added`` added."""
    for key in spoofed:
        del environ[key]
    for name, value in added:
        environ["HTTP_" + name.upper().replace("-", "_")] = value


def _respond(
    start_response: StartResponse, response: AuthResponse, environ: Environ
) -> Iterable[bytes]:
    status = f"{response.status} {HTTPStatus(response.status).phrase}"
    start_response(status, [*response.headers, ("Content-Length", str(len(response.body)))])
    head = environ.get("REQUEST_METHOD", "GET").upper() == "HEAD"
    return [b"" if head else response.body]


class _Passed(RequestAuth):
    """A passed-through request's state, and the ``start_response`` the app gets: a
    bound method of the state the request needs anyway (no closure per request) that
    adds the request's pending Set-Cookie values (a request can gain a cookie while the
    app runs: ``get_csrf_token()`` sets the CSRF cookie when the browser has none)."""

    __slots__ = ("downstream",)

    downstream: StartResponse

    def start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: ExcInfo | None = None
    ) -> Callable[[bytes], object]:
        if self.set_cookies:
            headers = with_cookies(headers, self.set_cookies)
        return self.downstream(status, headers, exc_info)


class WSGIAuthMiddleware:
    """NextAuth-style ``/api/auth`` for a WSGI app.

    ``app.wsgi_app = WSGIAuthMiddleware(app.wsgi_app, config=AuthConfig.from_env())``
    in Flask. The session is in ``environ["workos_middleware.session"]``.
    """

    def __init__(
        self,
        app: WSGIApp,
        config: AuthConfig,
        *,
        http_client: httpx.Client | None = None,
    ) -> None:
        self.app = app
        self.config = config
        asynchronous = self.config.async_functions()
        if asynchronous:
            raise ConfigurationError(
                f"async callbacks need the ASGI adapter; make these plain functions: "
                f"{', '.join(asynchronous)}"
            )
        self.core = AuthCore.build(self.config)
        self._client = http_client

    @property
    def http_client(self) -> httpx.Client:
        """The shared client for WorkOS calls: pooled, explicit timeouts, no retries."""
        if self._client is None:
            self._client = new_client(self.config.http_timeout)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        store = self.core.server_store
        if store is not None:
            store.close()

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = text(environ, "PATH_INFO") or "/"
        root_path = environ.get("SCRIPT_NAME", "")
        core = self.core.mounted(text(environ, "SCRIPT_NAME")) if root_path else self.core
        # startswith first: a C call instead of a method call for the app's paths.
        if path.startswith(core.base_path) and core.is_auth_path(path):
            return self._handle(core, environ, path, start_response)

        cookie_header: str = environ.get("HTTP_COOKIE", "")
        spoofed = identity_environ_keys(environ)
        method: str = environ.get("REQUEST_METHOD", "GET")
        if method != "GET" and not method.isupper():
            # One reading of the method, upper-cased: the rules' and the app's.
            method = environ["REQUEST_METHOD"] = method.upper()
        decision = decide(core, method, path, cookie_header, bool(spoofed), request_of, environ)
        if not isinstance(decision, Admission):
            if not isinstance(decision, Refusal):  # the store, renewal, the callback
                decision = run_sync(decision, self.http_client)
            if isinstance(decision, Refusal):
                return _respond(start_response, decision.response, environ)
        if decision.headers is not None:
            set_identity_environ(environ, spoofed, decision.headers)
        state = _Passed(core, decision.identity, cookie_header)
        environ[STATE_KEY] = state
        environ[SESSION_KEY] = state.session
        environ[USER_KEY] = state.user
        state.downstream = start_response
        return self.app(environ, state.start_response)

    def _handle(
        self, core: AuthCore, environ: Environ, path: str, start_response: StartResponse
    ) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        body, too_large = _read_body(environ) if method == "POST" else (b"", False)
        request = request_of(environ, path, body, too_large)
        response = run_sync(handle(core, request), self.http_client)
        return _respond(start_response, response, environ)
