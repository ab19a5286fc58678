"""The session: a signed, timestamped cookie holding the user's token, or (with a
server-side store) a signed session id whose token lives in the store.

This module owns the session end to end: serialising the token (never the WorkOS access
token) into its cookie, identifying the session of a request (as an :mod:`._identity`
value) and refreshing it. A session expires ``max_age`` after it was last signed and is
re-signed (extending it) at most once per ``update_age``, so ordinary responses carry no
Set-Cookie. With a server-side store (:mod:`._session_store`) the same holds for its TTL.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, Literal, cast

from .._base.effects import Flow, call
from .._base.messages import cookie_value, parse_cookie_header
from .._base.types import PROFILE_FIELDS, Session, SessionToken, User
from .._keys.cookies import CookieJar
from .._keys.signing import KeyRing
from .format import DecodedSession, SessionFormat, Verified
from .identity import ANONYMOUS, Identity, public_session
from .stored import StoredSessions

__all__ = ["DecodedSession", "SessionCodec"]

logger = logging.getLogger("workos_middleware")


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
        may_renew: Callable[[Verified], bool] | None = None,
        stored: StoredSessions | None = None,
    ) -> None:
        self.keys = keys
        self.stored = stored
        self.jar = jar
        self.clock = keys.clock
        self.max_age = max_age
        self.update_age = update_age
        self.callback = callback
        # The provider's refresh of what it keeps with the session (AuthKit's tokens);
        # with ``may_renew``, only the verified tokens it names can need it.
        self.renew = renew
        self.may_renew = may_renew
        self._cookie_name = jar.names["session_token"]
        self.format = SessionFormat(
            keys.keys_for("session"), keys.clock, max_age=max_age, update_age=update_age
        )

    # -- the format ---------------------------------------------------------------------

    def token_for(self, user: User) -> SessionToken:
        """The initial token of a freshly signed-in user (NextAuth's JWT claims)."""
        fields: Mapping[str, object] = user
        token = {"sub": user["id"], **{name: fields.get(name) for name in PROFILE_FIELDS}}
        organization_name = user.get("organization_name")
        if organization_name:
            token["organization_name"] = organization_name
        return cast(SessionToken, token)

    def encode(self, token: SessionToken) -> str:
        return self.format.encode(token)[0]

    def issue(self, token: SessionToken) -> tuple[str, float]:
        """The signed cookie value of ``token`` and when it expires."""
        return self.format.encode(token)

    def decode(self, value: str) -> DecodedSession | None:
        """The session in ``value``, or ``None`` if it is invalid, expired or malformed."""
        return self.format.decode(value)

    def needs_refresh(self, session: DecodedSession) -> bool:
        return self.format.needs_refresh(session)

    def public_session(self, token: SessionToken, expires_at: float) -> Session:
        """What ``GET /session`` returns before the ``session`` callback adds to it."""
        return public_session(token, expires_at)

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

    def start(self, token: SessionToken, cookies: Mapping[str, str]) -> Flow[list[str]]:
        """A new session for ``token`` (kept in the store, if server-side): its
        Set-Cookie values. Raises ``SessionTooLarge`` past the cookie limit."""
        if self.stored is None:
            return self.write(token, cookies)
        value, _expires_at = yield from self.stored.create(token)
        return self.jar.write_chunked("session_token", value, self.max_age, cookies)

    def current(self, cookies: Mapping[str, str]) -> Flow[SessionToken | None]:
        """The token of the request's session, if it is valid (no refresh)."""
        if self.stored is None:
            decoded = self.read(cookies)
            return decoded.token if decoded is not None else None
        raw = self.jar.read("session_token", cookies)
        loaded = (yield from self.stored.read(raw)) if raw else None
        return loaded.token if loaded is not None else None

    def replace(self, token: SessionToken, cookies: Mapping[str, str]) -> Flow[list[str]]:
        """Store a changed token for the request's session: its Set-Cookie values (none
        with a server-side store, where the id stays). Raises ``ValueError`` if a
        server-side session has ended meanwhile."""
        if self.stored is None:
            return self.write(token, cookies)
        raw = self.jar.read("session_token", cookies) or ""
        if not (yield from self.stored.update(raw, token)):
            raise ValueError("the session ended before its token could be replaced")
        return []

    def end(self, cookies: Mapping[str, str]) -> Flow[SessionToken | None]:
        """End the request's session: a server-side one is deleted now (a copy of the
        cookie stops working too). The token it held, if it was valid."""
        if self.stored is None:
            decoded = self.read(cookies)
            return decoded.token if decoded is not None else None
        raw = self.jar.read("session_token", cookies)
        if not raw:
            return None
        return (yield from self.stored.delete(raw))

    # -- the session of a request -------------------------------------------------------

    def verify(self, cookie_header: str, *, refresh: bool = True) -> Identity:
        """Read, verify and (at most once per ``update_age``, when ``refresh``) refresh
        the signed-cookie session of a request's ``Cookie`` header; no provider renewal,
        no ``session`` callback, no server-side store.

        No I/O and no effects: a passthrough request needs nothing else when none of
        those is configured. Only the session cookie is looked up; the header is parsed
        in full only when a cookie must be written or cleared (to find stale chunks).
        """
        now = self.clock()
        found = self._lookup(cookie_header, now)
        if found is False:
            return ANONYMOUS
        if found is None:
            return self._signed_out(cookie_header, refresh)
        return self._identity(found.token(), found, now, cookie_header, refresh)

    def identify(self, cookie_header: str, *, refresh: bool = True) -> Flow[Identity]:
        """The session of a request's ``Cookie`` header, with its effects: the
        server-side store's read, the provider's renewal (when ``refresh``) and the
        ``session`` callback."""
        if self.stored is not None:
            cookies = parse_cookie_header(cookie_header)
            raw = self.jar.read("session_token", cookies)
            if raw is None:
                return ANONYMOUS
            return (yield from self._identify_stored(self.stored, raw, cookies, refresh))
        if self.renew is None or not refresh:
            identity = self.verify(cookie_header, refresh=refresh)
        else:
            now = self.clock()
            found = self._lookup(cookie_header, now)
            if found is False:
                return ANONYMOUS
            if found is None:
                return self._signed_out(cookie_header, refresh)
            token = found.token()
            renewed = yield from self.renew(token)
            if renewed is None:
                return self._signed_out(cookie_header, refresh)
            identity = self._identity(
                renewed, found, now, cookie_header, refresh, changed=renewed is not token
            )
        if identity.token is None or self.callback is None:
            return identity
        session = yield from self._through_callback(identity.session or {}, identity.token)
        if session is None:
            return Identity(None, None, identity.set_cookies)
        return Identity(session, identity.token, identity.set_cookies)

    def of_request(self, cookie_header: str, *, refresh: bool = True) -> Identity | Flow[Identity]:
        """The identity of a passthrough request: at once when no I/O can be needed (no
        session cookie; or a signed-cookie session, no ``session`` callback, and no
        provider renewal for this token), else a flow for the adapter's driver."""
        if not cookie_header or self._cookie_name not in cookie_header:
            return ANONYMOUS
        if self.stored is not None and self.callback is None:
            # A session read this process made less than the cache's TTL ago: no I/O.
            raw = cookie_value(cookie_header, self._cookie_name)
            cached = self.stored.peek(raw) if raw else None
            if cached is not None and (
                self.renew is None or (self.may_renew is not None and not self.may_renew(cached))
            ):
                token = cached.token()
                session = cast("dict[str, Any]", public_session(token, cached.expires_at))
                return Identity(session, token)
        if self.stored is not None or self.callback is not None:
            return self.identify(cookie_header, refresh=refresh)
        if self.renew is None or not refresh:
            return self.verify(cookie_header, refresh=refresh)
        now = self.clock()
        found = self._lookup(cookie_header, now)
        if found is False:
            return ANONYMOUS
        if found is None:
            return self._signed_out(cookie_header, refresh)
        if self.may_renew is not None and not self.may_renew(found):
            return self._identity(found.token(), found, now, cookie_header, refresh)
        return self.identify(cookie_header, refresh=refresh)

    def _lookup(self, cookie_header: str, now: float) -> Verified | Literal[False] | None:
        """The verified session cookie of the header; ``None`` if it does not verify,
        ``False`` if there is none."""
        raw = cookie_value(cookie_header, self._cookie_name)
        if raw is None:  # not a plain cookie: chunks, or none at all
            raw = self.jar.read_header("session_token", cookie_header)
        if not raw:
            return False
        return self.format.lookup(raw, now)

    def _signed_out(self, cookie_header: str, refresh: bool) -> Identity:
        """Invalid, tampered, expired, in an older format, or garbage (or no longer
        renewed by the provider): signed out, and the cookie cleared."""
        if not refresh:
            return ANONYMOUS
        return Identity(None, None, tuple(self.clear(parse_cookie_header(cookie_header))))

    def _identity(
        self,
        token: SessionToken,
        found: Verified,
        now: float,
        cookie_header: str,
        refresh: bool,
        *,
        changed: bool = False,
    ) -> Identity:
        """The identity of a verified session, re-signed when due (or ``changed``)."""
        set_cookies: tuple[str, ...] = ()
        expires_at = found.expires_at
        if refresh and (changed or now - found.issued_at >= self.update_age):
            refreshed, expires_at = self.format.encode(token)
            cookies = parse_cookie_header(cookie_header)
            set_cookies = tuple(
                self.jar.write_chunked("session_token", refreshed, self.max_age, cookies)
            )
        session = cast("dict[str, Any]", public_session(token, expires_at))
        return Identity(session, token, set_cookies)

    def _identify_stored(
        self, stored: StoredSessions, raw: str, cookies: Mapping[str, str], refresh: bool
    ) -> Flow[Identity]:
        loaded = yield from stored.read(raw)
        if loaded is None:
            # Unknown, signed out, revoked or expired: signed out, and the cookie cleared.
            return Identity(None, None, tuple(self.clear(cookies)) if refresh else ())
        token = loaded.token
        if refresh and self.renew is not None:
            renewed = yield from self.renew(token)
            if renewed is None:
                # The provider's session ended: so does ours, on every worker.
                yield from stored.delete(raw)
                return Identity(None, None, tuple(self.clear(cookies)))
            if renewed is not token and not (yield from stored.update(raw, renewed)):
                return Identity(None, None, tuple(self.clear(cookies)))
            token = renewed
        set_cookies: tuple[str, ...] = ()
        if refresh and loaded.refreshed:
            # The store reset the record's TTL to max_age; the cookie's Max-Age follows.
            set_cookies = tuple(self.jar.write_chunked("session_token", raw, self.max_age, cookies))
        session = yield from self.session_value(token, loaded.expires_at)
        if session is None:
            return Identity(None, None, set_cookies)
        return Identity(session, token, set_cookies)

    def session_value(self, token: SessionToken, expires_at: float) -> Flow[dict[str, Any] | None]:
        """The public session, through the ``session`` callback; ``None`` if it fails."""
        session = cast("dict[str, Any]", public_session(token, expires_at))
        if self.callback is None:
            return session
        return (yield from self._through_callback(session, token))

    def _through_callback(
        self, session: dict[str, Any], token: SessionToken
    ) -> Flow[dict[str, Any] | None]:
        assert self.callback is not None
        try:
            result = yield from call(self.callback, session, token)
        except Exception:
            logger.exception("session callback failed; treating the request as signed out")
            return None
        if not isinstance(result, dict):
            logger.error("session callback returned %r, not a dict; signed out", type(result))
            return None
        return result
