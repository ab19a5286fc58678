"""Starlette (and FastAPI) helpers over the ASGI :class:`~workos_middleware.AuthMiddleware`.

``request.user`` / ``request.auth`` and Starlette's ``@requires("authenticated")`` work
as they are; this adds what they lack::

    from workos_middleware.integrations.starlette import current_user, login_required

    @login_required                      # 302 to sign-in (browser) or 401 JSON (API)
    async def dashboard(request):
        user = current_user(request)     # AuthUser, or None when signed out
        ...

``login_required(allow=AccessRule(roles=["admin"]))`` also requires the rule (403).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection
from starlette.responses import Response

from .._adapters.views import guarded_miss, is_allowed
from .._base.errors import MiddlewareNotInstalled
from .._base.messages import AuthResponse
from .._request.state import current_user

__all__ = ["MiddlewareNotInstalled", "current_user", "login_required", "to_response"]

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def to_response(answer: AuthResponse) -> Response:
    """The core's response as a Starlette ``Response`` (repeated headers kept)."""
    response = Response(answer.body, status_code=answer.status)
    response.raw_headers = [
        *(
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in answer.headers
        ),
        (b"content-length", str(len(answer.body)).encode()),
    ]
    return response


def denial(request: HTTPConnection, allow: Any = None) -> Response | None:
    """The guarded miss for this request, or ``None`` when the user may go on."""
    if current_user(request) is None:
        return to_response(guarded_miss(request))
    if allow is not None and not is_allowed(request, allow):
        return to_response(guarded_miss(request, forbidden=True))
    return None


def login_required(endpoint: Endpoint | None = None, *, allow: Any = None) -> Any:
    """Decorate a Starlette endpoint ``(request) -> Response``: signed-out visitors get the
    guarded miss (302 to sign-in, or 401 JSON); with ``allow=AccessRule(...)``, signed-in
    users outside the rule get 403."""

    def decorate(function: Endpoint) -> Endpoint:
        if inspect.iscoroutinefunction(function):

            @functools.wraps(function)
            async def async_wrapper(request: HTTPConnection, *args: Any, **kwargs: Any) -> Any:
                refused = denial(request, allow)
                if refused is not None:
                    return refused
                return await function(request, *args, **kwargs)

            return async_wrapper  # type: ignore[return-value]

        @functools.wraps(function)
        async def sync_wrapper(request: HTTPConnection, *args: Any, **kwargs: Any) -> Any:
            refused = denial(request, allow)
            if refused is not None:
                return refused
            return await run_in_threadpool(function, request, *args, **kwargs)

        return sync_wrapper  # type: ignore[return-value]

    return decorate if endpoint is None else decorate(endpoint)
