"""FastAPI dependencies over the ASGI :class:`~workos_middleware.AuthMiddleware`::

    from workos_middleware.integrations.fastapi import OptionalUser, RequireUser

    @app.get("/api/me")
    def me(user: RequireUser):           # 401 JSON, or 302 to sign-in for a browser
        return {"email": user.email}

    @app.get("/")
    def home(user: OptionalUser):        # AuthUser or None
        ...

Both are ``Annotated[..., Depends(...)]`` aliases whose dependency is a FastAPI security
scheme, so OpenAPI shows the session cookie (an ``apiKey`` in a cookie) on the routes
that use them. ``require_user(allow=AccessRule(roles=["admin"]))`` makes a dependency
that also requires an access rule (403 when it fails). The refusal is raised as an
``HTTPException`` with the core's status and headers (``Location`` or
``WWW-Authenticate``) and FastAPI's usual ``{"detail": ...}`` body.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.openapi.models import APIKey, APIKeyIn
from fastapi.security.base import SecurityBase

from .._adapters.views import guarded_miss, is_allowed
from .._base.errors import MiddlewareNotInstalled
from .._base.messages import AuthResponse
from .._keys.cookies import DEFAULT_NAMES
from .._request.state import current_user
from .._request.user import AuthUser

__all__ = [
    "MiddlewareNotInstalled",
    "OptionalUser",
    "RequireUser",
    "SessionCookie",
    "current_user",
    "optional_user",
    "require_user",
]

SCHEME_NAME = "WorkOSSession"
DESCRIPTION = (
    "The workos-middleware session cookie, set by signing in at /api/auth/signin. "
    "Browsers send it by themselves; on https its name starts with __Secure-."
)


def _http_exception(answer: AuthResponse) -> HTTPException:
    headers = {
        name: value
        for name, value in answer.headers
        if name.lower() not in ("content-type", "content-length", "set-cookie")
    }
    detail: Any = "Not authenticated" if answer.status == 401 else "Not allowed"
    if answer.status in (301, 302, 303, 307, 308):
        detail = "Sign in to continue"
    elif answer.headers and dict(answer.headers).get("content-type") == "application/json":
        body = json.loads(answer.body)
        if isinstance(body, dict):
            detail = body.get("error") or body.get("message") or detail
    return HTTPException(status_code=answer.status, detail=detail, headers=headers)


class SessionCookie(SecurityBase):
    """A dependency reading the signed-in user, declared as an OpenAPI security scheme.

    ``required=True`` refuses anonymous requests with the core's guarded miss; ``allow``
    (an ``AccessRule``) also refuses signed-in users outside it (403).
    """

    def __init__(
        self,
        *,
        required: bool,
        allow: Any = None,
        cookie_name: str = DEFAULT_NAMES["session_token"],
        scheme_name: str = SCHEME_NAME,
        description: str = DESCRIPTION,
    ) -> None:
        self.model = APIKey(
            **{"in": APIKeyIn.cookie},  # type: ignore[arg-type]
            name=cookie_name,
            description=description,
        )
        self.scheme_name = scheme_name
        self.required = required
        self.allow = allow

    async def __call__(self, request: Request) -> AuthUser | None:
        user = current_user(request)
        if user is None:
            if self.required:
                raise _http_exception(guarded_miss(request))
            return None
        if self.allow is not None and not is_allowed(request, self.allow):
            raise _http_exception(guarded_miss(request, forbidden=True))
        return user


def require_user(allow: Any = None, **scheme: Any) -> Any:
    """A dependency for "a signed-in user (satisfying ``allow``)": ``Depends(require_user())``."""
    return SessionCookie(required=True, allow=allow, **scheme)


def optional_user(**scheme: Any) -> Any:
    """A dependency for "the signed-in user or ``None``": ``Depends(optional_user())``."""
    return SessionCookie(required=False, **scheme)


RequireUser = Annotated[AuthUser, Depends(require_user())]
"""The signed-in user; anonymous requests get the guarded miss (401 JSON or 302)."""

OptionalUser = Annotated[AuthUser | None, Depends(optional_user())]
"""The signed-in user, or ``None``."""
