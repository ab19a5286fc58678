"""The guarded miss and access checks for framework helpers (decorators, dependencies).

A view-level guard must answer exactly as a configured rule would, so these helpers
rebuild the core's request value from whatever the framework hands a view (a Starlette
request, a Flask or Django request, an ASGI scope, a WSGI environ) and ask the core.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._base.messages import AuthRequest, AuthResponse
from .._passthrough.protect import access_denial, challenge
from .._request.state import _state_of
from .._rules.access import AccessRule
from . import asgi, wsgi

__all__ = ["guarded_miss", "is_allowed"]


def _request_of(request: Any) -> AuthRequest:
    scope = getattr(request, "scope", None)
    if scope is None and isinstance(request, Mapping) and "type" in request:
        scope = request
    if isinstance(scope, Mapping):
        return asgi.request_of(scope, asgi.route_path(scope))  # type: ignore[arg-type]
    environ = getattr(request, "environ", None) or getattr(request, "META", None)
    if environ is None and isinstance(request, Mapping):
        environ = request
    if isinstance(environ, Mapping) and "REQUEST_METHOD" in environ:
        environ = dict(environ)
        return wsgi.request_of(environ, wsgi.text(environ, "PATH_INFO") or "/")
    raise TypeError(
        "pass the request a view received: a Starlette/FastAPI, Flask or Django request, "
        "an ASGI scope or a WSGI environ"
    )


def guarded_miss(request: Any, *, forbidden: bool = False) -> AuthResponse:
    """What this request gets from a protected route when its user may not see it:
    a 302 to sign in (browser navigation) or 401 JSON; with ``forbidden``, 403."""
    state = _state_of(request)
    return challenge(state.core, _request_of(request), forbidden=forbidden)


def is_allowed(request: Any, rule: AccessRule | None = None) -> bool:
    """Signed in, and ``AuthConfig(allow=...)`` and ``rule`` (if given) both pass."""
    state = _state_of(request)
    token = state.identity.token
    if token is None:
        return False
    return access_denial((state.core.config.allow, rule), token) is None
