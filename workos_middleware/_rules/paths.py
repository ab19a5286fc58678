"""The path protection rules are matched on: normalised once, or refused.

Routers disagree on what a path means: Starlette and Flask route on the literal decoded
path, a static-file handler resolves ``..``, Tomcat-style servers drop ``;params``, a
proxy may decode once more. A rule must hold under every reading, so a request path is
given two forms: the literal one (trailing slash dropped) and a canonical one (doubled
slashes collapsed, ``\\`` read as ``/``, ``;params`` dropped, leftover percent-escapes
decoded, dot segments resolved). The caller treats the path as protected if either form
is; a path that has no safe canonical form (control characters, invalid UTF-8, ``..``
above the root, escapes that never settle) is refused outright.

A path with none of the suspicious characters takes a fast path: one regex search.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from .._base.errors import ConfigurationError

__all__ = ["mount_prefix", "path_forms"]

# Anything that may make the canonical form differ from the literal one.
_SUSPICIOUS = re.compile(r"[%;?#\\\x00-\x1f\x7f\ufffd]|//|/\.|[\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\ufffd\ud800-\udfff]")
_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_CUT = re.compile(r"[?#]")
_MAX_DECODE_ROUNDS = 3


def _strip_slash(path: str) -> str:
    return path.rstrip("/") or "/"


def path_forms(path: str) -> tuple[str, ...] | None:
    """The forms of ``path`` rules must be checked against, or ``None`` to refuse it.

    ``path`` is the decoded path the app routes on. One form when the path is plain;
    the literal form and the canonical one otherwise.
    """
    if not path.startswith("/"):
        path = "/" + path
    if not _SUSPICIOUS.search(path):
        return (_strip_slash(path),)
    decoded = _decode(path)
    if decoded is None:
        return None
    canonical = _resolve(decoded)
    # A decoded '?' or '#' left in the path: a router that reads it as the end of the
    # path routes on what comes before it.
    cut = _resolve(_CUT.split(decoded, maxsplit=1)[0])
    if canonical is None or cut is None:
        return None
    return tuple(dict.fromkeys((_strip_slash(path), canonical, cut)))


def _decode(path: str) -> str | None:
    """``path`` with percent-escapes decoded until none is left (a few rounds at most)."""
    for _ in range(_MAX_DECODE_ROUNDS):
        if not _ESCAPE.search(path):
            break
        try:
            path = unquote(path, errors="strict")
        except UnicodeDecodeError:
            return None
    else:
        if _ESCAPE.search(path):
            return None
    if _CONTROL.search(path):
        return None
    return path


def _resolve(path: str) -> str | None:
    """Dot segments resolved, doubled slashes collapsed, ``\\`` as ``/``, ``;params``
    dropped; ``None`` if ``..`` climbs above the root."""
    segments: list[str] = []
    for segment in path.replace("\\", "/").split("/"):
        segment = segment.partition(";")[0]
        if segment in ("", "."):
            continue
        if segment == "..":
            if not segments:
                return None
            segments.pop()
            continue
        segments.append(segment)
    return "/" + "/".join(segments)


def mount_prefix(url: str, url_path: str, base_path: str, explicit: str | None) -> str:
    """Where the app is mounted, from the path of ``AUTH_URL``.

    ``AUTH_URL`` is the app's public URL, mount prefix included
    (``https://host/keep``). NextAuth's form, the URL of the auth routes
    (``https://host/keep/api/auth``), is read the same way: a path ending with the base
    path names the prefix before it. Any other path is ambiguous unless ``base_path`` was
    given: NextAuth would make it the base path, which swallows every app route under it.
    """
    path = url_path.rstrip("/")
    if not path:
        return ""
    if path.endswith(base_path):  # base_path starts with "/": a whole-segment match
        prefix = path[: len(path) - len(base_path)]
    elif explicit is not None:
        prefix = path
    else:
        origin = url[: len(url) - len(url_path)] if url_path and url.endswith(url_path) else url
        raise ConfigurationError(
            f"AUTH_URL {url!r} has the path {path!r}: if the app is served under {path}, "
            f"write AUTH_URL={origin}{path}{base_path} (or pass base_path={base_path!r} / "
            f"set AUTH_BASE_PATH); to answer the auth routes at {path} instead, set "
            f"AUTH_URL={origin} and base_path={path!r}. A bare path would otherwise make "
            f"every app route under {path} an auth route."
        )
    if "//" in prefix or any(c in prefix for c in "%;\\"):
        raise ConfigurationError(f"AUTH_URL's path {path!r} must be a plain path")
    return prefix
