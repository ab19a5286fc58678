"""STAND-IN until the protect branch lands ``guarded_miss`` / ``is_allowed`` in the core.

Same signatures as the core's; deleted when they are on main.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any
from urllib.parse import urlencode

from .._messages import AuthResponse
from .._request_state import STATE_KEY, RequestAuth

__all__ = ["guarded_miss", "is_allowed"]


def _facts(request: Any) -> tuple[RequestAuth, str, str, str, dict[str, str]]:
    scope = getattr(request, "scope", None)
    if not isinstance(scope, MutableMapping) and isinstance(request, MutableMapping):
        scope = request if "type" in request else None
    if isinstance(scope, MutableMapping) and isinstance(scope.get(STATE_KEY), RequestAuth):
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        return (
            scope[STATE_KEY],
            scope["method"],
            scope.get("root_path", "") + scope["path"],
            scope.get("query_string", b"").decode("latin-1"),
            headers,
        )
    meta = getattr(request, "META", None)
    environ = getattr(request, "environ", None)
    if not isinstance(environ, MutableMapping):
        environ = meta if isinstance(meta, MutableMapping) else request
    state = environ[STATE_KEY]
    headers = {
        k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")
    }
    return (
        state,
        environ.get("REQUEST_METHOD", "GET"),
        environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
        headers,
    )


def guarded_miss(request: Any, forbidden: bool = False) -> AuthResponse:
    state, method, path, query, headers = _facts(request)
    core = state.core
    navigation = (
        method in ("GET", "HEAD")
        and "text/html" in headers.get("accept", "")
        and headers.get("x-requested-with", "").lower() != "xmlhttprequest"
        and headers.get("sec-fetch-mode", "navigate") == "navigate"
    )
    if forbidden:
        if navigation:
            return core.responses.error_page("AccessDenied")
        return AuthResponse.json({"error": "Forbidden"}, 403)
    if navigation:
        callback_url = path + ("?" + query if query else "")
        location = core.responses.app_page_url("signIn", callbackUrl=callback_url) or (
            f"{core.auth_url}/signin?{urlencode({'callbackUrl': callback_url})}"
        )
        return AuthResponse.redirect(location)
    response = AuthResponse.json({"error": "Unauthorized"}, 401)
    response.headers.append(("www-authenticate", 'Cookie realm="workos-middleware"'))
    return response


def is_allowed(request: Any, rule: Any = None) -> bool:
    state = _facts(request)[0]
    return state.identity.token is not None
