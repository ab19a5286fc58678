"""workos-middleware: NextAuth.js-style sign-in for any ASGI or WSGI app, through WorkOS.

Wrap an app in :class:`AuthMiddleware` (ASGI) or :class:`WSGIAuthMiddleware` (WSGI)
with an :class:`AuthConfig`; the middleware answers ``/api/auth/*`` and attaches the
signed-in user to every other request. Everything public is importable from here (and
what a provider needs, also from :mod:`workos_middleware.providers`); the modules with
a leading underscore are the implementation and may change at any time.
"""

from ._adapters.asgi import AuthMiddleware
from ._adapters.views import guarded_miss, is_allowed
from ._adapters.wsgi import WSGIAuthMiddleware
from ._base.errors import (
    ConfigurationError,
    MiddlewareNotInstalled,
    ProviderError,
    WorkOSMiddlewareError,
)
from ._base.messages import AuthResponse
from ._base.types import Session, SessionToken
from ._config.config import AuthConfig
from ._keys.cookies import CookieOptions
from ._pages.words import expires_in_words
from ._request.state import (
    SESSION_KEY,
    USER_KEY,
    current_user,
    get_csrf_token,
    get_session,
    get_signin_context,
    get_user,
)
from ._request.user import AuthUser
from ._rules.access import AccessRule
from ._rules.rules import Rule
from ._sessions.redis_store import RedisSessionStore
from ._sessions.store import (
    CookieSessionStore,
    MemorySessionStore,
    SessionStore,
    StoreUnavailable,
)
from .providers import (
    AuthKitProvider,
    GitHubProvider,
    GoogleProvider,
    OAuthProvider,
    OIDCProvider,
    Provider,
    SignInResult,
    WorkOSProvider,
)

__all__ = [
    "SESSION_KEY",
    "USER_KEY",
    "AccessRule",
    "AuthConfig",
    "AuthKitProvider",
    "AuthMiddleware",
    "AuthResponse",
    "AuthUser",
    "ConfigurationError",
    "CookieOptions",
    "CookieSessionStore",
    "GitHubProvider",
    "GoogleProvider",
    "MemorySessionStore",
    "MiddlewareNotInstalled",
    "OAuthProvider",
    "OIDCProvider",
    "Provider",
    "ProviderError",
    "RedisSessionStore",
    "Rule",
    "Session",
    "SessionStore",
    "SessionToken",
    "SignInResult",
    "StoreUnavailable",
    "WSGIAuthMiddleware",
    "WorkOSMiddlewareError",
    "WorkOSProvider",
    "current_user",
    "expires_in_words",
    "get_csrf_token",
    "get_session",
    "get_signin_context",
    "get_user",
    "guarded_miss",
    "is_allowed",
]

__version__ = "0.1.0"


def _show_public_paths() -> None:
    """Tracebacks and ``repr`` name each public exception by the path to import it from
    (``workos_middleware.ConfigurationError``), not by the private module defining it."""
    for name in __all__:
        found = globals()[name]
        if isinstance(found, type) and issubclass(found, Exception):
            found.__module__ = __name__


_show_public_paths()
