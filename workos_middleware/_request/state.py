"""What the middleware attaches to each passthrough request, and the helpers that read it.

The adapters store a :class:`RequestAuth` in the ASGI scope or WSGI environ under
:data:`STATE_KEY`; the session value is also under :data:`SESSION_KEY` and the user
under :data:`USER_KEY`. Helpers accept whatever a framework hands a view: a Starlette
``Request``, a Flask or Django request, or a raw scope or environ.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any, Final

from starlette.authentication import AuthCredentials, BaseUser

from .._base.errors import MiddlewareNotInstalled
from .._base.messages import parse_cookie_header
from .._config.core import AuthCore
from .._routes.signin_page import signin_context
from .._sessions.identity import Identity
from .user import ANONYMOUS_CREDENTIALS, ANONYMOUS_USER, AUTHENTICATED, AuthUser

__all__ = [
    "SESSION_KEY",
    "STATE_KEY",
    "USER_KEY",
    "RequestAuth",
    "current_user",
    "get_csrf_token",
    "get_session",
    "get_signin_context",
    "get_user",
]

STATE_KEY: Final = "workos_middleware"
MIDDLEWARE_ORDER_HELP: Final = (
    "workos_middleware has not run for this request: wrap the app in "
    "workos_middleware.AuthMiddleware (ASGI: Starlette, FastAPI) or WSGIAuthMiddleware "
    "(WSGI: Flask), or add workos_middleware.integrations.django.AuthMiddleware to "
    "settings.MIDDLEWARE, and place it OUTSIDE every middleware that reads the user "
    "(first in Starlette's middleware=[...] list; the LAST app.add_middleware() call in "
    "FastAPI; above them in settings.MIDDLEWARE)"
)
SESSION_KEY: Final = "workos_middleware.session"
USER_KEY: Final = "workos_middleware.user"


class RequestAuth:
    """One request's identity, plus the Set-Cookie values its response must carry.

    Made for every request the app sees, so its fields are plain slots filled here
    (no properties to call): ``session`` (what ``SESSION_KEY`` holds), ``user`` and
    ``credentials`` (Starlette's ``request.user`` and ``request.auth``), and
    ``set_cookies``, a tuple that grows only when the app issues a cookie.
    """

    __slots__ = (
        "_cookie_header",
        "core",
        "credentials",
        "identity",
        "session",
        "set_cookies",
        "user",
    )

    def __init__(self, core: AuthCore, identity: Identity, cookie_header: str) -> None:
        self.core = core
        self.identity = identity
        self._cookie_header = cookie_header
        self.set_cookies: tuple[str, ...] = identity.set_cookies
        self.session: dict[str, Any] | None = identity.session
        token = identity.token
        self.user: BaseUser
        self.credentials: AuthCredentials
        if token is None:
            self.user, self.credentials = ANONYMOUS_USER, ANONYMOUS_CREDENTIALS
        else:
            self.user, self.credentials = AuthUser(token), AUTHENTICATED

    def csrf_token(self) -> str:
        """The CSRF token for a form; a new one's cookie goes out with the response."""
        token, set_cookie = self.core.csrf.token(parse_cookie_header(self._cookie_header))
        self._remember(set_cookie)
        return token

    def signin_context(self, query: dict[str, str]) -> dict[str, Any]:
        context, set_cookie = signin_context(
            self.core, query, parse_cookie_header(self._cookie_header)
        )
        self._remember(set_cookie)
        return context

    def _remember(self, set_cookie: str | None) -> None:
        """Send ``set_cookie`` with the response, and see it in this request from now on
        (so a second ``csrf_token()`` call returns the same token)."""
        if set_cookie is None:
            return
        pair = set_cookie.partition(";")[0]
        self._cookie_header = f"{pair}; {self._cookie_header}" if self._cookie_header else pair
        self.set_cookies = (*self.set_cookies, set_cookie)


def _state_of(request: Any) -> RequestAuth:
    for holder in (
        getattr(request, "scope", None),
        getattr(request, "environ", None),
        getattr(request, "META", None),
        request,
    ):
        if isinstance(holder, MutableMapping):
            found = holder.get(STATE_KEY)
            if isinstance(found, RequestAuth):
                return found
    raise MiddlewareNotInstalled(MIDDLEWARE_ORDER_HELP)


def get_session(request: Any) -> dict[str, Any] | None:
    """What ``GET /api/auth/session`` would return for this request, or ``None``.

    ``request`` is a Starlette/FastAPI ``Request``, a Flask or Django request, an ASGI
    scope or a WSGI environ.
    """
    return _state_of(request).session


def get_user(request: Any) -> BaseUser:
    """The signed-in :class:`AuthUser`, or an anonymous user (Starlette's
    ``UnauthenticatedUser``, falsy): test ``user.is_authenticated`` or ``if user:``."""
    return _state_of(request).user


def current_user(request: Any) -> AuthUser | None:
    """The signed-in :class:`AuthUser`, or ``None``."""
    user = _state_of(request).user
    return user if isinstance(user, AuthUser) else None


def get_csrf_token(request: Any) -> str:
    """A CSRF token for a form that posts to the middleware (sets its cookie if new)."""
    return _state_of(request).csrf_token()


def get_signin_context(request: Any) -> dict[str, Any]:
    """What a custom sign-in page needs: ``providers`` (each with ``id``, ``name``,
    ``style`` and ``signin_url``, the form target), ``csrf_token``, ``callback_url``,
    ``error`` and ``error_message`` (from the query), and ``email``."""
    state = _state_of(request)
    query = _query_of(request)
    return state.signin_context(query)


def _query_of(request: Any) -> dict[str, str]:
    from urllib.parse import parse_qsl

    scope = getattr(request, "scope", None)
    environ = getattr(request, "environ", None)
    if isinstance(scope, MutableMapping):
        raw = scope.get("query_string", b"").decode("latin-1")
    elif isinstance(environ, MutableMapping):
        raw = environ.get("QUERY_STRING", "")
    elif isinstance(request, MutableMapping) and "query_string" in request:
        raw = request["query_string"].decode("latin-1")
    elif isinstance(request, MutableMapping):
        raw = request.get("QUERY_STRING", "")
    else:
        raw = ""
    query: dict[str, str] = {}
    for key, value in parse_qsl(raw, keep_blank_values=True):
        query.setdefault(key, value)
    return query
