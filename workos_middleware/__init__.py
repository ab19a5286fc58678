"""workos-middleware: NextAuth.js-style sign-in for any ASGI or WSGI app, through WorkOS.

Wrap an app in :class:`AuthMiddleware` (ASGI) or :class:`WSGIAuthMiddleware` (WSGI)
with an :class:`AuthConfig`; the middleware answers ``/api/auth/*`` and attaches the
signed-in user to every other request. Everything public is importable from here (and
what a provider needs, also from :mod:`workos_middleware.providers`); the modules with
a leading underscore are the implementation and may change at any time.
"""

from ._access import AccessRule
from ._asgi import AuthMiddleware
from ._config import AuthConfig, CookieOptions
from ._errors import (
    ConfigurationError,
    MiddlewareNotInstalled,
    ProviderError,
    WorkOSMiddlewareError,
)
from ._guard_api import guarded_miss, is_allowed
from ._messages import AuthResponse
from ._redis_store import RedisSessionStore
from ._request_state import (
    SESSION_KEY,
    USER_KEY,
    current_user,
    get_csrf_token,
    get_session,
    get_signin_context,
    get_user,
)
from ._rules import Rule
from ._session_store import (
    CookieSessionStore,
    MemorySessionStore,
    SessionStore,
    StoreUnavailable,
)
from ._types import Session, SessionToken
from ._user import AuthUser
from ._words import expires_in_words
from ._wsgi import WSGIAuthMiddleware
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
