"""Signed double-submit CSRF tokens and the Origin check.

The cookie holds ``token|HMAC(secret, token)``; the page or client gets ``token`` and
posts it back as ``csrfToken``. A POST passes only if the posted token equals the
cookie's and the cookie's HMAC verifies, and its ``Origin`` (when sent) is the app's.
"""

from __future__ import annotations

import hmac
import secrets

from .signing import KeyRing

__all__ = ["cookie_token", "new_token", "origin_allowed", "verify"]


def new_token(keys: KeyRing) -> tuple[str, str]:
    """A fresh token and the cookie value that vouches for it."""
    token = secrets.token_hex(32)
    return token, f"{token}|{keys.mac('csrf', token)}"


def cookie_token(keys: KeyRing, cookie_value: str | None) -> str | None:
    """The token in a CSRF cookie whose HMAC verifies, else ``None``."""
    if not cookie_value or len(cookie_value) > 256:
        return None
    token, sep, mac = cookie_value.partition("|")
    if not sep or not token or not keys.verify_mac("csrf", token, mac):
        return None
    return token


def verify(keys: KeyRing, cookie_value: str | None, posted: str | None) -> bool:
    token = cookie_token(keys, cookie_value)
    if token is None or not posted:
        return False
    return hmac.compare_digest(token.encode(), posted.encode("utf-8", "replace"))


def origin_allowed(origin_header: str | None, app_origin: str) -> bool:
    """True when no ``Origin`` was sent, or it is exactly the app's origin."""
    if origin_header is None:
        return True
    return origin_header.strip().lower() == app_origin
