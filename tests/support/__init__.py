"""What the tests share, defined once: constants, the two-adapter client, cookies made
through the real codec, URL helpers, live servers and the fixtures."""

from .client import AppClient, Client, asgi_app, make_config, make_provider, wsgi_app
from .clock import FakeClock, FrozenClock
from .constants import (
    API_KEY,
    APP_URL,
    CLIENT_ID,
    EXAMPLE_SETTINGS,
    NO_ORGANIZATIONS,
    PROFILE,
    SECRET,
    TOKEN_RESPONSE,
    WORKOS_URL,
    organizations,
)
from .cookies import (
    SESSION_COOKIE,
    cookie_cleared,
    seal,
    session_cookie,
    session_token,
    set_cookie_headers,
    sign,
    stored_session_cookie,
)
from .live import LiveServer, free_port, serve
from .urls import path_of, query_lists, query_of

__all__ = [
    "API_KEY",
    "APP_URL",
    "CLIENT_ID",
    "EXAMPLE_SETTINGS",
    "NO_ORGANIZATIONS",
    "PROFILE",
    "SECRET",
    "SESSION_COOKIE",
    "TOKEN_RESPONSE",
    "WORKOS_URL",
    "AppClient",
    "Client",
    "FakeClock",
    "FrozenClock",
    "LiveServer",
    "asgi_app",
    "cookie_cleared",
    "free_port",
    "make_config",
    "make_provider",
    "organizations",
    "path_of",
    "query_lists",
    "query_of",
    "seal",
    "serve",
    "session_cookie",
    "session_token",
    "set_cookie_headers",
    "sign",
    "stored_session_cookie",
    "wsgi_app",
]
