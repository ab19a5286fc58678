"""Signed double-submit CSRF tokens and the Origin check: issuing a token, checking a POST.

The cookie holds ``token|HMAC(key, token)`` (the key is the CSRF purpose's, derived
once in :class:`~._signing.KeyRing`); the page or client gets ``token`` and posts it
back as ``csrfToken``. A POST passes only if the posted token equals the cookie's, the
cookie's HMAC verifies, its ``Origin`` (when sent) is the app's, and its
``Sec-Fetch-Site`` (when sent) says ``same-origin`` (or ``none``: typed by the user).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping

from .._base.messages import AuthRequest
from .cookies import CookieJar
from .signing import KeyRing

__all__ = ["CsrfTokens", "origin_allowed"]

MAX_CSRF_COOKIE = 256


def origin_allowed(origin_header: str | None, app_origin: str) -> bool:
    """True when no ``Origin`` was sent, or it is exactly the app's origin."""
    if origin_header is None:
        return True
    return origin_header.strip().lower() == app_origin


class CsrfTokens:
    """CSRF tokens and checks for one configuration."""

    def __init__(self, keys: KeyRing, jar: CookieJar, origin: str) -> None:
        self.keys = keys
        self.jar = jar
        self.origin = origin

    def token(self, cookies: Mapping[str, str]) -> tuple[str, str | None]:
        """The valid CSRF token of these cookies, or a new one with its Set-Cookie."""
        token = self._cookie_token(self.jar.read("csrf_token", cookies))
        if token is not None:
            return token, None
        token = secrets.token_hex(32)
        value = f"{token}|{self.keys.mac('csrf', token)}"
        return token, self.jar.header("csrf_token", value)

    def check(self, request: AuthRequest) -> bool:
        """Whether a POST carries the cookie's token and comes from the app's origin."""
        return self.refusal(request) is None

    def refusal(self, request: AuthRequest) -> str | None:
        """Why a POST fails the checks (an audit reason), or ``None`` if it passes.

        In order: ``cross_origin`` (an ``Origin`` other than the app's),
        ``cross_site`` (``Sec-Fetch-Site`` other than ``same-origin`` or ``none``),
        ``csrf_cookie_missing`` (no cookie, or one whose HMAC fails),
        ``csrf_token_missing`` and ``csrf_token_mismatch``.
        """
        if not origin_allowed(request.headers.get("origin"), self.origin):
            return "cross_origin"
        fetch_site = request.headers.get("sec-fetch-site")
        if fetch_site is not None and fetch_site.strip().lower() not in ("same-origin", "none"):
            return "cross_site"
        token = self._cookie_token(self.jar.read("csrf_token", request.cookies))
        if token is None:
            return "csrf_cookie_missing"
        posted = request.form.get("csrfToken")
        if not posted:
            return "csrf_token_missing"
        if not hmac.compare_digest(token.encode(), posted.encode("utf-8", "replace")):
            return "csrf_token_mismatch"
        return None

    def _cookie_token(self, cookie_value: str | None) -> str | None:
        """The token in a CSRF cookie whose HMAC verifies, else ``None``."""
        if not cookie_value or len(cookie_value) > MAX_CSRF_COOKIE:
            return None
        token, sep, mac = cookie_value.partition("|")
        if not sep or not token or not self.keys.verify_mac("csrf", token, mac):
            return None
        return token
