"""The stateless session: a signed, timestamped cookie holding the user's token.

This module owns the session end to end: serialising the token (never the WorkOS
access token) into its cookie, identifying the session of a request, refreshing it,
and building the public session value. A session expires ``max_age`` after it was
last signed and is re-signed (extending it) at most once per ``update_age``, so
ordinary responses carry no Set-Cookie.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from ._cookies import CookieJar
from ._effects import Flow, call
from ._messages import parse_cookie_header
from ._signing import KeyRing
from ._types import PROFILE_FIELDS, Session, SessionToken, SessionUser, User

__all__ = [
    "ANONYMOUS",
    "DecodedSession",
    "Identity",
    "SessionCodec",
    "iso_utc",
]

logger = logging.getLogger("workos_middleware")

MAX_SESSION_COOKIE = 64 * 1024


def iso_utc(timestamp: float) -> str:
    """``2026-01-31T12:00:00.000Z``: the form JavaScript's ``toISOString`` gives."""
    milliseconds = int(timestamp * 1000) % 1000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(timestamp)) + f".{milliseconds:03d}Z"


@dataclass(frozen=True)
class DecodedSession:
    token: SessionToken
    issued_at: float
    expires_at: float


@dataclass(frozen=True)
class Identity:
    """Who a request is from: the session value (as ``GET /session`` returns it),
    the token behind it, and cookies the response must set (refresh or clear)."""

    session: dict[str, Any] | None
    token: SessionToken | None
    set_cookies: tuple[str, ...] = ()


ANONYMOUS = Identity(None, None)


class SessionCodec:
    """The session cookie of one configuration: its format, its cookie, its refresh."""

    def __init__(
        self,
        keys: KeyRing,
        jar: CookieJar,
        *,
        max_age: int,
        update_age: int,
        callback: Callable[..., Any] | None = None,
        renew: Callable[[SessionToken], Flow[SessionToken | None]] | None = None,
    ) -> None:
        self.keys = keys
        self.jar = jar
        self.clock = keys.clock
        self.max_age = max_age
        self.update_age = update_age
        self.callback = callback
        # The provider's refresh of what it keeps with the session (AuthKit's tokens).
        self.renew = renew

    # -- the format ---------------------------------------------------------------------

    def token_for(self, user: User) -> SessionToken:
        """The initial token of a freshly signed-in user (NextAuth's JWT claims)."""
        fields: Mapping[str, object] = user
        token = {"sub": user["id"], **{name: fields.get(name) for name in PROFILE_FIELDS}}
        return cast(SessionToken, token)

    def encode(self, token: SessionToken) -> str:
        return self.keys.dumps("session", token)

    def issue(self, token: SessionToken) -> tuple[str, float]:
        """The signed cookie value of ``token`` and when it expires."""
        # itsdangerous timestamps are whole seconds: the expiry a later decode computes.
        return self.encode(token), int(self.clock()) + self.max_age

    def decode(self, value: str) -> DecodedSession | None:
        """The session in ``value``, or ``None`` if it is invalid, expired or malformed."""
        if len(value) > MAX_SESSION_COOKIE:
            return None
        loaded = self.keys.loads("session", value, max_age=self.max_age)
        if loaded is None:
            return None
        token, issued_at = loaded
        if not isinstance(token, dict) or not isinstance(token.get("sub"), str):
            return None
        return DecodedSession(cast(SessionToken, token), issued_at, issued_at + self.max_age)

    def needs_refresh(self, session: DecodedSession) -> bool:
        return self.clock() - session.issued_at >= self.update_age

    def public_session(self, token: SessionToken, expires_at: float) -> Session:
        """What ``GET /session`` returns before the ``session`` callback adds to it."""
        user: SessionUser = {
            "name": token.get("name"),
            "email": token.get("email"),
            "image": token.get("image"),
        }
        return {"user": user, "expires": iso_utc(expires_at)}

    # -- the cookie ---------------------------------------------------------------------

    def present(self, cookie_header: str) -> bool:
        """A substring test: most anonymous requests stop here, parsing nothing."""
        return self.jar.present("session_token", cookie_header)

    def read(self, cookies: Mapping[str, str]) -> DecodedSession | None:
        raw = self.jar.read("session_token", cookies)
        return self.decode(raw) if raw else None

    def write(self, token: SessionToken, cookies: Mapping[str, str]) -> list[str]:
        """Set-Cookie values storing ``token``; raises ``SessionTooLarge`` past the limit."""
        return self.jar.write_chunked("session_token", self.encode(token), self.max_age, cookies)

    def clear(self, cookies: Mapping[str, str]) -> list[str]:
        return self.jar.clear_chunked("session_token", cookies)

    # -- the session of a request -------------------------------------------------------

    def identify(self, cookie_header: str, *, refresh: bool = True) -> Flow[Identity]:
        """Read, verify and (at most once per ``update_age``, when ``refresh``) refresh
        the session of a request's ``Cookie`` header."""
        cookies = parse_cookie_header(cookie_header)
        raw = self.jar.read("session_token", cookies)
        if raw is None:
            return ANONYMOUS
        decoded = self.decode(raw)
        if decoded is None:
            # Invalid, tampered, expired or garbage: signed out, and the cookie cleared.
            return Identity(None, None, tuple(self.clear(cookies)) if refresh else ())
        set_cookies: tuple[str, ...] = ()
        expires_at = decoded.expires_at
        token = decoded.token
        if refresh and self.renew is not None:
            renewed = yield from self.renew(token)
            if renewed is None:
                return Identity(None, None, tuple(self.clear(cookies)))
            token = renewed
        if refresh and (token is not decoded.token or self.needs_refresh(decoded)):
            refreshed, expires_at = self.issue(token)
            set_cookies = tuple(
                self.jar.write_chunked("session_token", refreshed, self.max_age, cookies)
            )
        session = yield from self.session_value(token, expires_at)
        if session is None:
            return Identity(None, None, set_cookies)
        return Identity(session, token, set_cookies)

    def session_value(self, token: SessionToken, expires_at: float) -> Flow[dict[str, Any] | None]:
        """The public session, through the ``session`` callback; ``None`` if it fails."""
        session = self.public_session(token, expires_at)
        if self.callback is None:
            return cast("dict[str, Any]", session)
        try:
            result = yield from call(self.callback, session, token)
        except Exception:
            logger.exception("session callback failed; treating the request as signed out")
            return None
        if not isinstance(result, dict):
            logger.error("session callback returned %r, not a dict; signed out", type(result))
            return None
        return result
