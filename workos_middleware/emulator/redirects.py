"""Redirect URIs: which are registered, and how results are added to them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def is_registered(uri: str, registered: Iterable[str]) -> bool:
    """Loopback http(s) URIs always count as registered; other URIs must match exactly."""
    if not uri or any(ch in uri for ch in "\r\n\t "):
        return False
    try:
        parts = urlsplit(uri)
        hostname = parts.hostname
        parts.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not hostname or parts.fragment:
        return False
    if uri in registered:
        return True
    return hostname in LOOPBACK_HOSTS and not parts.username and not parts.password


def with_params(uri: str, params: Mapping[str, str | None]) -> str:
    """``uri`` with ``params`` appended to its query; ``None`` values are left out.

    Values are percent-encoded (a space is ``%20``, never ``+``), as WorkOS does.
    """
    parts = urlsplit(uri)
    extra = urlencode([(k, v) for k, v in params.items() if v is not None], quote_via=quote)
    query = f"{parts.query}&{extra}" if parts.query and extra else parts.query or extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
