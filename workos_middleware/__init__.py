"""workos-middleware: NextAuth.js-style sign-in for any ASGI or WSGI app, through WorkOS.

Wrap an app in :class:`AuthMiddleware` (ASGI) or :class:`WSGIAuthMiddleware` (WSGI)
with an :class:`AuthConfig`; the middleware answers ``/api/auth/*`` and attaches the
signed-in user to every other request.
"""

from .asgi import AuthMiddleware
from .config import AuthConfig, CookieOptions
from .errors import ConfigurationError, ProviderError, WorkOSMiddlewareError
from .providers import Provider, WorkOSProvider
from .request_state import (
    SESSION_KEY,
    USER_KEY,
    get_csrf_token,
    get_session,
    get_signin_context,
    get_user,
)
from .user import AuthUser
from .wsgi import WSGIAuthMiddleware

__all__ = [
    "SESSION_KEY",
    "USER_KEY",
    "AuthConfig",
    "AuthMiddleware",
    "AuthUser",
    "ConfigurationError",
    "CookieOptions",
    "Provider",
    "ProviderError",
    "WSGIAuthMiddleware",
    "WorkOSMiddlewareError",
    "WorkOSProvider",
    "get_csrf_token",
    "get_session",
    "get_signin_context",
    "get_user",
]

__version__ = "0.1.0"
