"""AuthCore: the framework-free heart of the middleware.

It takes :class:`~workos_middleware.messages.AuthRequest` values and returns flows
(see :mod:`workos_middleware.flow`) that end in an
:class:`~workos_middleware.messages.AuthResponse`; it never touches a socket, an event
loop, an ASGI scope or a WSGI environ. The route handlers are in
:mod:`workos_middleware.routes`; this module holds what they share: the configuration
turned into working parts, redirects and error redirects, callbackUrl resolution, CSRF
checks, and reading the session for a passthrough request.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from .config import AuthConfig
from .cookies import CookieJar
from .csrf import cookie_token, new_token, origin_allowed
from .csrf import verify as verify_csrf
from .errors import error_page_text, signin_error_message
from .flow import Flow, call
from .messages import (
    MAX_BODY_BYTES,
    MAX_COOKIE_HEADER_BYTES,
    MAX_QUERY_BYTES,
    AuthRequest,
    AuthResponse,
    parse_cookie_header,
)
from .pages import PAGE_HEADERS, PageRenderer
from .redirects import MAX_URL_LENGTH, default_redirect, finalize_redirect
from .routes import dispatch
from .session import SessionCodec
from .signing import KeyRing

__all__ = ["ANONYMOUS", "AuthCore", "Identity"]

logger = logging.getLogger("workos_middleware")

CALLBACK_URL_MAX_AGE = 30 * 24 * 60 * 60


@dataclass(frozen=True)
class Identity:
    """Who a request is from: the session value (as ``GET /session`` returns it),
    the token behind it, and cookies the response must set (refresh or clear)."""

    session: dict[str, Any] | None
    token: dict[str, Any] | None
    set_cookies: tuple[str, ...] = ()


ANONYMOUS = Identity(None, None)


class AuthCore:
    def __init__(self, config: AuthConfig) -> None:
        self.config = config
        self.keys = KeyRing(config.secrets)
        self.jar = CookieJar(config.cookies, https=config.secure)
        self.sessions = SessionCodec(
            self.keys, max_age=config.session_max_age, update_age=config.session_update_age
        )
        self.pages = PageRenderer(config.templates_dir)
        self.base_url = config.origin
        self.auth_url = config.origin + config.base_path
        self.base_path = config.base_path
        self._prefix = config.base_path + "/"

    # -- dispatch -------------------------------------------------------------------

    def is_auth_path(self, path: str) -> bool:
        return path.startswith(self._prefix) or path == self.base_path

    def handle(self, request: AuthRequest) -> Flow[AuthResponse]:
        """The response to a request under the base path."""
        if request.body_too_large or len(request.body) > MAX_BODY_BYTES:
            response = AuthResponse.json({"error": "Request body too large"}, 413)
        elif len(request.query_string) > MAX_QUERY_BYTES:
            response = AuthResponse.json({"error": "Query string too long"}, 414)
        elif len(request.headers.get("cookie", "")) > MAX_COOKIE_HEADER_BYTES:
            response = AuthResponse.json({"error": "Cookies too large"}, 431)
        else:
            try:
                response = yield from dispatch(self, request)
            except Exception:
                # Fail closed: whatever broke, no session is granted and no traceback
                # reaches the browser.
                logger.exception("unexpected error handling %s %s", request.method, request.path)
                response = self.error_page("Configuration")
        response.headers.append(("cache-control", "no-store"))
        response.headers.append(("vary", "Cookie"))
        return response

    # -- responses ------------------------------------------------------------------

    def wants_json(self, request: AuthRequest) -> bool:
        return request.form.get("json") == "true" or request.query.get("json") == "true"

    def redirect(self, request: AuthRequest, location: str) -> AuthResponse:
        """A 302, or ``{"url": ...}`` for the NextAuth client's ``json=true`` requests."""
        if self.wants_json(request):
            return AuthResponse.json({"url": location})
        return AuthResponse.redirect(location)

    def error_redirect(self, request: AuthRequest, code: str) -> AuthResponse:
        return self.redirect(request, f"{self.auth_url}/error?{urlencode({'error': code})}")

    def page(self, template: str, status: int = 200, **context: Any) -> AuthResponse:
        response = AuthResponse.html(self.pages.render(template, **context), status)
        response.headers.extend(PAGE_HEADERS)
        return response

    def error_page(self, code: str) -> AuthResponse:
        status, heading, message = error_page_text(code)
        return self.page(
            "error.html", status, heading=heading, message=message, home_url=self.base_url
        )

    def app_page_url(self, key: str, **params: str) -> str | None:
        """The URL of ``pages[key]`` with ``params`` added, or ``None`` if not set."""
        page = self.config.pages.get(key)
        if page is None:
            return None
        query = urlencode({k: v for k, v in params.items() if v})
        separator = "&" if "?" in page else "?"
        return self.base_url + page + (separator + query if query else "")

    # -- callbackUrl ----------------------------------------------------------------

    def raw_callback_url(self, request: AuthRequest) -> str:
        """The callbackUrl a request asks for: body, query, the callback-url cookie,
        else the app's URL. Not yet validated."""
        given = request.form.get("callbackUrl") or request.query.get("callbackUrl")
        if given and len(given) <= MAX_URL_LENGTH:
            return given
        return self.stored_callback_url(request.cookies)

    def stored_callback_url(self, cookies: dict[str, str]) -> str:
        """The callback-url cookie's URL (still to be validated), else the app's URL."""
        stored = self.jar.read("callback_url", cookies)
        loaded = self.keys.loads("callback_url", stored, CALLBACK_URL_MAX_AGE) if stored else None
        if loaded is not None and isinstance(loaded[0], str):
            return loaded[0]
        return self.base_url

    def resolve_redirect(self, url: str) -> Flow[str]:
        """``url`` through the ``redirect`` callback (same-origin only by default)."""
        function = self.config.callbacks.get("redirect")
        if function is None:
            return default_redirect(url, self.base_url)
        try:
            result = yield from call(function, url, self.base_url)
        except Exception:
            logger.exception("redirect callback failed; using the app's URL")
            return self.base_url
        return finalize_redirect(result, self.base_url)

    def callback_url_cookie(self, url: str) -> str:
        return self.jar.header("callback_url", self.keys.dumps("callback_url", url))

    # -- CSRF -----------------------------------------------------------------------

    def csrf_ok(self, request: AuthRequest) -> bool:
        if not origin_allowed(request.headers.get("origin"), self.base_url):
            return False
        cookie = self.jar.read("csrf_token", request.cookies)
        return verify_csrf(self.keys, cookie, request.form.get("csrfToken"))

    def csrf_token(self, cookies: dict[str, str]) -> tuple[str, str | None]:
        """The valid CSRF token of these cookies, or a new one with its Set-Cookie."""
        token = cookie_token(self.keys, self.jar.read("csrf_token", cookies))
        if token is not None:
            return token, None
        token, value = new_token(self.keys)
        return token, self.jar.header("csrf_token", value)

    # -- sign-in page context -------------------------------------------------------

    def signin_context(
        self, query: dict[str, str], cookies: dict[str, str]
    ) -> tuple[dict[str, Any], str | None]:
        """What a sign-in page needs (built-in or the app's own) and a CSRF Set-Cookie."""
        token, set_cookie = self.csrf_token(cookies)
        error = query.get("error", "")
        message = signin_error_message(error) if error else ""
        if query.get("csrf") == "true" and not message:
            message = "Your sign-in form expired. Please try again."
        callback_url = query.get("callbackUrl", "")
        if not callback_url or len(callback_url) > MAX_URL_LENGTH:
            callback_url = self.stored_callback_url(cookies)
        providers = [
            {
                "id": provider.id,
                "name": provider.name,
                "type": provider.type,
                "style": provider.style,
                "signin_url": f"{self.auth_url}/signin/{provider.id}",
                "callback_url": f"{self.auth_url}/callback/{provider.id}",
            }
            for provider in self.config.providers.values()
        ]
        context = {
            "providers": providers,
            "csrf_token": token,
            "callback_url": callback_url,
            "error": error,
            "error_message": message,
            "email": query.get("email", "")[:254],
        }
        return context, set_cookie

    # -- the session of a passthrough request ---------------------------------------

    def may_have_session(self, cookie_header: str) -> bool:
        """A substring test: most anonymous requests stop here, parsing nothing."""
        return self.jar.present("session_token", cookie_header)

    def identify(self, cookie_header: str) -> Flow[Identity]:
        """Read, verify and (at most once per ``update_age``) refresh the session."""
        cookies = parse_cookie_header(cookie_header)
        raw = self.jar.read("session_token", cookies)
        if raw is None:
            return ANONYMOUS
        decoded = self.sessions.decode(raw)
        if decoded is None:
            # Invalid, tampered, expired or garbage: signed out, and the cookie cleared.
            return Identity(None, None, tuple(self.jar.clear_chunked("session_token", cookies)))
        set_cookies: tuple[str, ...] = ()
        expires_at = decoded.expires_at
        if self.sessions.needs_refresh(decoded):
            refreshed, expires_at = self.sessions.issue(decoded.token)
            set_cookies = tuple(
                self.jar.write_chunked(
                    "session_token", refreshed, self.config.session_max_age, cookies
                )
            )
        session = yield from self.session_value(decoded.token, expires_at)
        if session is None:
            return Identity(None, None, set_cookies)
        return Identity(session, decoded.token, set_cookies)

    def session_value(
        self, token: dict[str, Any], expires_at: float
    ) -> Flow[dict[str, Any] | None]:
        """The public session, through the ``session`` callback; ``None`` if it fails."""
        session = self.sessions.public_session(token, expires_at)
        function = self.config.callbacks.get("session")
        if function is None:
            return session
        try:
            result = yield from call(function, session, token)
        except Exception:
            logger.exception("session callback failed; treating the request as signed out")
            return None
        if not isinstance(result, dict):
            logger.error("session callback returned %r, not a dict; signed out", type(result))
            return None
        return result
