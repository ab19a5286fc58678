"""Redirect targets: the default ``redirect`` callback and the header-safety net.

A target is judged on the raw string, before any URL parser sees it: Python's
``urlsplit`` and browsers disagree on backslashes, control characters and extra
slashes (``/\\evil.com``, ``///evil.com``, ``/<TAB>/evil.com``), so any of those sends
the user to the app's URL. What passes is emitted as the configured origin plus a
path, so the browser can only land on the app.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlsplit

__all__ = ["MAX_URL_LENGTH", "default_redirect", "finalize_redirect"]

MAX_URL_LENGTH = 4096
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
