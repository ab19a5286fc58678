"""The sans-IO request and response values that pass between the core and the adapters.

The core never sees an ASGI scope or a WSGI environ: an adapter turns its native request
into an :class:`AuthRequest` and writes the :class:`AuthResponse` it gets back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Final
from urllib.parse import parse_qsl

__all__ = ["AuthRequest", "AuthResponse", "MalformedBody", "cookie_value", "parse_cookie_header"]

MAX_QUERY_BYTES = 8 * 1024
MAX_BODY_BYTES = 64 * 1024
MAX_COOKIE_HEADER_BYTES = 64 * 1024
MAX_FORM_FIELDS = 64


# json.dumps(data, separators=(",", ":")) without building an encoder per call.
_COMPACT_JSON: Final = json.JSONEncoder(separators=(",", ":"))


def parse_cookie_header(header: str) -> dict[str, str]:
    """Cookies of a ``Cookie`` header; the first of duplicate names wins.

    Written by hand because ``http.cookies`` gives up on the whole header at the
    first value it dislikes, and one bad cookie must not hide the others.
    """
    cookies: dict[str, str] = {}
    if len(header) > MAX_COOKIE_HEADER_BYTES:
        return cookies
    for part in header.split(";"):
        name, sep, value = part.partition("=")
        if not sep:
            continue
        name = name.strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        if name and name not in cookies:
            cookies[name] = value
    return cookies


def cookie_value(header: str, name: str) -> str | None:
    """The value :func:`parse_cookie_header` would give for ``name`` (``None`` if the
    header has no such cookie), found without splitting the header into all its cookies.
    """
    if len(header) > MAX_COOKIE_HEADER_BYTES:
        return None
    # The usual case: the first mention of the name starts a cookie ("name=...", first
    # or after "; "). Two partitions: str.find and str.startswith with a start index
    # parse an argument tuple on every call, which costs more than the search.
    before, equals_sign, rest = header.partition(name + "=")
    if equals_sign and (not before or (before[-2:] == "; " and name not in before)):
        value = rest.partition(";")[0].strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        return value
    found = header.find(name)
    while found >= 0:
        # A match is a cookie's whole name: only whitespace between it and the ";"
        # before it, and between it and the first "=" after it, before the next ";".
        after = found + len(name)
        equals = header.find("=", after)
        end = header.find(";", after)
        if end < 0:
            end = len(header)
        if (
            0 <= equals < end
            and not header[header.rfind(";", 0, found) + 1 : found].strip()
            and not header[after:equals].strip()
        ):
            value = header[equals + 1 : end].strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            return value
        found = header.find(name, found + 1)
    return None


class MalformedBody(ValueError):
    """A POST body the core refuses to parse: too many fields, or nested too deeply.

    The routes answer it with a 400 and a one-line log record, never a traceback.
    """


def _parse_form(body: bytes, content_type: str) -> dict[str, str]:
    media_type = content_type.partition(";")[0].strip().lower()
    if media_type == "application/x-www-form-urlencoded":
        text = body.decode("utf-8", "replace")
        try:
            return dict(parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS))
        except ValueError as exc:
            raise MalformedBody(f"more than {MAX_FORM_FIELDS} form fields") from exc
    if media_type == "application/json":
        try:
            data: Any = json.loads(body)
        except RecursionError as exc:
            raise MalformedBody("JSON nested too deeply") from exc
        except ValueError:
            return {}
        if isinstance(data, dict):
            return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in data.items()}
    # Other media types (multipart, text/plain, ...) carry no form the core reads:
    # a POST without a readable csrfToken then fails the CSRF check, as it should.
    return {}


@dataclass(frozen=True, init=False)
class AuthRequest:
    """One HTTP request for the core, already decoded by an adapter."""

    method: str
    path: str
    query_string: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    body_too_large: bool = False

    def __init__(
        self,
        method: str,
        path: str,
        query_string: str = "",
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
        body_too_large: bool = False,
    ) -> None:
        # One update of the instance's dict instead of a frozen dataclass's six
        # object.__setattr__ calls: one is made for every request to /api/auth/*.
        self.__dict__.update(
            method=method,
            path=path,
            query_string=query_string,
            headers={} if headers is None else headers,
            body=body,
            body_too_large=body_too_large,
        )

    @cached_property
    def cookies(self) -> dict[str, str]:
        return parse_cookie_header(self.headers.get("cookie", ""))

    @cached_property
    def query(self) -> dict[str, str]:
        """The query parameters; the first of repeated names wins."""
        params: dict[str, str] = {}
        for key, value in parse_qsl(self.query_string, keep_blank_values=True):
            params.setdefault(key, value)
        return params

    @cached_property
    def form(self) -> dict[str, str]:
        if self.method != "POST" or not self.body:
            return {}
        return _parse_form(self.body, self.headers.get("content-type", ""))


@dataclass
class AuthResponse:
    """One HTTP response from the core: status, headers (Set-Cookie included), body."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    @classmethod
    def json(cls, data: Any, status: int = 200) -> AuthResponse:
        body = _COMPACT_JSON.encode(data).encode()
        return cls(status, [("content-type", "application/json")], body)

    @classmethod
    def html(cls, text: str, status: int = 200) -> AuthResponse:
        return cls(status, [("content-type", "text/html; charset=utf-8")], text.encode())

    @classmethod
    def redirect(cls, location: str) -> AuthResponse:
        return cls(302, [("location", location)])

    def set_cookies(self, set_cookie_headers: Iterable[str | None]) -> AuthResponse:
        """Add these Set-Cookie values (``None`` entries are skipped); returns self."""
        self.headers.extend(("set-cookie", value) for value in set_cookie_headers if value)
        return self
