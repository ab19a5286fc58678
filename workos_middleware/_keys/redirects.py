"""Redirect targets: the callbackUrl (where it is read, validated and remembered) and
the header-safety net for every Location the middleware sends.

A target is judged on the raw string, before any URL parser sees it: Python's
``urlsplit`` and browsers disagree on backslashes, control characters and extra
slashes (``/\\evil.com``, ``///evil.com``, ``/<TAB>/evil.com``), so any of those sends
the user to the app's URL. What passes is emitted as the configured origin plus a
path, so the browser can only land on the app.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from .._base.effects import Flow, call
from .._base.messages import AuthRequest
from .cookies import CookieJar
from .signing import KeyRing

__all__ = ["MAX_URL_LENGTH", "CallbackUrls", "default_redirect", "finalize_redirect"]

logger = logging.getLogger("workos_middleware")

MAX_URL_LENGTH = 4096
CALLBACK_URL_MAX_AGE = 30 * 24 * 60 * 60
_UNSAFE = re.compile(r"[\x00-\x20\x7f\\]")
_PRINTABLE_ASCII = "".join(chr(c) for c in range(0x21, 0x7F))


def _origin_of(base_url: str) -> str:
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def default_redirect(url: str, base_url: str) -> str:
    """NextAuth's default ``redirect`` callback, hardened: same origin only.

    A path starting with a single ``/`` becomes ``base_url + path``; an absolute URL
    with exactly the app's origin is kept; everything else becomes ``base_url``.
    """
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH or _UNSAFE.search(url):
        return base_url
    url = quote(url, safe=_PRINTABLE_ASCII)
    origin = _origin_of(base_url)
    if url.startswith("/"):
        return base_url if url.startswith("//") else origin + url
    try:
        parts = urlsplit(url)
        netloc_ok = parts.scheme in ("http", "https") and (
            f"{parts.scheme}://{parts.netloc}".lower() == origin
        )
    except ValueError:
        return base_url
    if not netloc_ok:
        return base_url
    rest = url[len(origin) :]
    if rest and rest[0] not in "/?#":
        return base_url
    return origin + (rest if rest.startswith("/") else "/" + rest)


def finalize_redirect(result: Any, base_url: str) -> str:
    """What a (user) ``redirect`` callback returned, made safe for a Location header."""
    if not isinstance(result, str) or not result or _UNSAFE.search(result):
        return base_url
    if len(result) > MAX_URL_LENGTH:
        return base_url
    if result.startswith("/") and not result.startswith("//"):
        return _origin_of(base_url) + quote(result, safe=_PRINTABLE_ASCII)
    try:
        scheme = urlsplit(result).scheme
    except ValueError:
        return base_url
    if scheme not in ("http", "https"):
        return base_url
    return quote(result, safe=_PRINTABLE_ASCII)


class CallbackUrls:
    """The callbackUrl of one configuration: reading it, validating it, its cookie."""

    def __init__(
        self,
        keys: KeyRing,
        jar: CookieJar,
        base_url: str,
        callback: Callable[..., Any] | None = None,
    ) -> None:
        self.keys = keys
        self.jar = jar
        self.base_url = base_url
        self.callback = callback

    def requested(self, request: AuthRequest) -> str:
        """The callbackUrl a request asks for: body, query, the callback-url cookie,
        else the app's URL. Not yet validated."""
        given = request.form.get("callbackUrl") or request.query.get("callbackUrl")
        if given and len(given) <= MAX_URL_LENGTH:
            return given
        return self.stored(request.cookies)

    def from_query(self, query: Mapping[str, str], cookies: Mapping[str, str]) -> str:
        """A page's callbackUrl: the query's, else the cookie's, else the app's URL."""
        given = query.get("callbackUrl", "")
        if not given or len(given) > MAX_URL_LENGTH:
            return self.stored(cookies)
        return given

    def stored(self, cookies: Mapping[str, str]) -> str:
        """The callback-url cookie's URL (still to be validated), else the app's URL."""
        stored = self.jar.read("callback_url", cookies)
        loaded = self.keys.loads("callback_url", stored, CALLBACK_URL_MAX_AGE) if stored else None
        if loaded is not None and isinstance(loaded[0], str):
            return loaded[0]
        return self.base_url

    def resolve(self, url: str) -> Flow[str]:
        """``url`` through the ``redirect`` callback (same-origin only by default)."""
        if self.callback is None:
            return default_redirect(url, self.base_url)
        try:
            result = yield from call(self.callback, url, self.base_url)
        except Exception:
            logger.exception("redirect callback failed; using the app's URL")
            return self.base_url
        return finalize_redirect(result, self.base_url)

    def cookie(self, url: str) -> str:
        """The Set-Cookie remembering ``url`` for the pages that follow."""
        return self.jar.header("callback_url", self.keys.dumps("callback_url", url))
