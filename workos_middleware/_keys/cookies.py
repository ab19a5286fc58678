"""Cookie names, attributes, Set-Cookie values, and chunking of large sessions.

On https every name gets the browser-enforced ``__Secure-`` prefix (``__Host-`` for the
CSRF cookie, which never needs a ``Domain``). A session value above
:data:`CHUNK_SIZE` is split into ``name.0``, ``name.1``, ... and joined back on read;
past :data:`MAX_CHUNKS` it is refused loudly rather than dropped by the browser.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

from .._base.errors import ConfigurationError, SessionTooLarge
from .._base.messages import cookie_value, parse_cookie_header

__all__ = ["CHUNK_SIZE", "MAX_CHUNKS", "CookieJar", "CookieOptions", "CookiePurpose"]

CookiePurpose = Literal["session_token", "csrf_token", "callback_url", "state"]

DEFAULT_NAMES: Final[dict[CookiePurpose, str]] = {
    "session_token": "next-auth.session-token",
    "csrf_token": "next-auth.csrf-token",
    "callback_url": "next-auth.callback-url",
    "state": "next-auth.state",
}
CHUNK_SIZE: Final = 3900
MAX_CHUNKS: Final = 8
_EXPIRED = "Thu, 01 Jan 1970 00:00:00 GMT"


@dataclass(frozen=True)
class CookieOptions:
    """Cookie attributes; ``secure=None`` means "Secure exactly when the URL is https".

    ``names`` overrides the name of a cookie purpose: ``session_token``,
    ``csrf_token``, ``callback_url`` or ``state``.
    """

    domain: str | None = None
    secure: bool | None = None
    same_site: Literal["lax", "strict", "none"] = "lax"
    names: Mapping[str, str] | None = None


class CookieJar:
    """Builds and reads the middleware's cookies for one configuration."""

    def __init__(self, options: CookieOptions, *, https: bool) -> None:
        self.options = options
        self.secure = https if options.secure is None else options.secure
        custom = dict(options.names or {})
        unknown = set(custom) - set(DEFAULT_NAMES)
        if unknown:
            raise ConfigurationError(
                f"unknown cookie purpose(s) {sorted(unknown)}: use {sorted(DEFAULT_NAMES)}"
            )
        self.names: dict[CookiePurpose, str] = {}
        for purpose, name in DEFAULT_NAMES.items():
            if purpose in custom:
                self.names[purpose] = custom[purpose]
            elif not self.secure:
                self.names[purpose] = name
            elif purpose == "csrf_token" and options.domain is None:
                self.names[purpose] = "__Host-" + name
            else:
                self.names[purpose] = "__Secure-" + name

    def header(self, purpose: CookiePurpose, value: str, max_age: int | None = None) -> str:
        """A Set-Cookie value; ``max_age=None`` makes a browser-session cookie."""
        return self._render(self.names[purpose], value, max_age, purpose)

    def clear(self, purpose: CookiePurpose) -> str:
        return self._render(self.names[purpose], "", 0, purpose)

    def read(self, purpose: CookiePurpose, cookies: Mapping[str, str]) -> str | None:
        """The cookie's value, joining chunks when the value was chunked."""
        name = self.names[purpose]
        if name in cookies:
            return cookies[name] or None
        chunks = []
        for index in range(MAX_CHUNKS):
            chunk = cookies.get(f"{name}.{index}")
            if chunk is None:
                break
            chunks.append(chunk)
        return "".join(chunks) or None

    def read_header(self, purpose: CookiePurpose, cookie_header: str) -> str | None:
        """:meth:`read` straight from a ``Cookie`` header: the one cookie is looked up
        without building a dict of all of them (chunks still go through :meth:`read`)."""
        name = self.names[purpose]
        value = cookie_value(cookie_header, name)
        if value is not None:
            return value or None
        if name not in cookie_header:
            return None
        return self.read(purpose, parse_cookie_header(cookie_header))

    def present(self, purpose: CookiePurpose, cookie_header: str) -> bool:
        """A cheap test, with no parsing, for whether the header may hold the cookie."""
        return self.names[purpose] in cookie_header

    def write_chunked(
        self, purpose: CookiePurpose, value: str, max_age: int, cookies: Mapping[str, str]
    ) -> list[str]:
        """Set-Cookie values storing ``value``, and clearing stale chunks or plain copies."""
        name = self.names[purpose]
        if len(value) <= CHUNK_SIZE:
            headers = [self._render(name, value, max_age, purpose)]
            chunk_names: set[str] = set()
        else:
            pieces = [value[i : i + CHUNK_SIZE] for i in range(0, len(value), CHUNK_SIZE)]
            if len(pieces) > MAX_CHUNKS:
                raise SessionTooLarge(
                    f"the session needs {len(value)} bytes of cookies, over the limit of "
                    f"{MAX_CHUNKS * CHUNK_SIZE}: trim what the jwt callback adds"
                )
            chunk_names = {f"{name}.{i}" for i in range(len(pieces))}
            headers = [
                self._render(f"{name}.{i}", piece, max_age, purpose)
                for i, piece in enumerate(pieces)
            ]
        headers.extend(
            self._render(stale, "", 0, purpose)
            for stale in self._all_names(name, cookies)
            if stale not in chunk_names and (stale != name or chunk_names)
        )
        return headers

    def clear_chunked(self, purpose: CookiePurpose, cookies: Mapping[str, str]) -> list[str]:
        """Set-Cookie values removing the cookie and every chunk of it the browser sent."""
        name = self.names[purpose]
        present = self._all_names(name, cookies) or [name]
        return [self._render(n, "", 0, purpose) for n in present]

    @staticmethod
    def _all_names(name: str, cookies: Mapping[str, str]) -> list[str]:
        prefix = name + "."
        return [
            n for n in cookies if n == name or (n.startswith(prefix) and n[len(prefix) :].isdigit())
        ]

    def _render(self, name: str, value: str, max_age: int | None, purpose: CookiePurpose) -> str:
        parts = [f"{name}={value}", "Path=/"]
        if max_age is not None:
            parts.append(f"Max-Age={max_age}")
            if max_age == 0:
                parts.append(f"Expires={_EXPIRED}")
        if self.options.domain and not name.startswith("__Host-"):
            parts.append(f"Domain={self.options.domain}")
        parts.append("HttpOnly")
        if self.secure:
            parts.append("Secure")
        # The state cookie must come back on the IdP's top-level redirect: always Lax.
        same_site = "lax" if purpose == "state" else self.options.same_site
        parts.append("SameSite=" + same_site.capitalize())
        return "; ".join(parts)
