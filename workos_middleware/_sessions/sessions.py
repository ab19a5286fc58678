"""The session of a request, start to end: :class:`Sessions`.

One configuration's sessions over its store (:mod:`.store`): the token a sign-in
starts (NextAuth's JWT claims, never the WorkOS access token), the cookie that names
it, who a request is from (an :class:`~.identity.Identity`), the provider's renewal and
the ``session`` callback, the sliding expiry, and the end. Every operation goes through
the store's one interface, so the same code serves signed-cookie sessions (the store
does no I/O) and server-side ones (the store's flows yield effects for the adapter's
driver): nothing here asks which kind of store it has.

A session expires ``max_age`` after it was last signed (or its record last slid) and is
renewed at most once per ``update_age``, so ordinary responses carry no Set-Cookie.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, cast

from .._base.bounded import keep
from .._base.effects import Flow, call
from .._base.messages import parse_cookie_header
from .._base.types import PROFILE_FIELDS, SessionToken, User
from .._keys.cookies import CookieJar
from .identity import ANONYMOUS, Identity, public_session
from .record import SessionRecord
from .store import UNKNOWN, SessionKeys, SessionStore

__all__ = ["Sessions"]

logger = logging.getLogger("workos_middleware")

# The memo of recent Cookie headers: at most this many, each at most this long (so it
# holds a few megabytes at worst).
_KNOWN_HEADERS = 256
_KNOWN_HEADER_LIMIT = 4096


class _Known:
    """What a Cookie header resolved to, reusable from ``since`` until ``until`` (the
    core's clock) while the store's ``version`` stays the one it was read at. Each
    request still gets its own copies of the token and the session value, so no
    request can change what a later one reads."""

    __slots__ = ("expires", "record", "since", "until", "user", "version")

    def __init__(
        self, record: SessionRecord, identity: Identity, until: float, version: int
    ) -> None:
        self.record = record
        self.version = version
        session = identity.session or {}
        self.user: dict[str, Any] = dict(session.get("user") or {})
        self.expires = session.get("expires")
        self.since = record.issued_at
        self.until = until

    def identity(self) -> Identity:
        return Identity({"user": self.user.copy(), "expires": self.expires}, self.record.token())


class Sessions:
    """The sessions of one configuration: its store, its cookie, its refresh."""

    def __init__(
        self,
        store: SessionStore,
        keys: SessionKeys,
        jar: CookieJar,
        *,
        callback: Callable[..., Any] | None = None,
        renew: Callable[[SessionToken], Flow[SessionToken | None]] | None = None,
        may_renew: Callable[[SessionRecord], bool] | None = None,
    ) -> None:
        self.store = store
        self.keys = keys
        self.jar = jar
        self.clock = keys.clock
        self.max_age = keys.max_age
        self.callback = callback
        # The provider's refresh of what it keeps with the session (AuthKit's tokens);
        # with ``may_renew``, only the sessions it names can need it.
        self.renew = renew
        self.may_renew = may_renew
        self._cookie_name = jar.names["session_token"]
        # Bound once: the passthrough path calls them on every request with a session.
        self._peek = store.peek
        self._refresh = store.refresh
        # Cookie headers seen recently -> what they resolved to, while the store says
        # its answer cannot change (see SessionStore.unchanged_until): a returning
        # browser sends the same header, request after request.
        self._known: dict[str, _Known] = {}

    def token_for(self, user: User) -> SessionToken:
        """The initial token of a freshly signed-in user (NextAuth's JWT claims)."""
        fields: Mapping[str, object] = user
        token = {"sub": user["id"], **{name: fields.get(name) for name in PROFILE_FIELDS}}
        organization_name = user.get("organization_name")
        if organization_name:
            token["organization_name"] = organization_name
        return cast(SessionToken, token)

    # -- the cookie -----------------------------------------------------------------------

    def _write(self, value: str, cookies: Mapping[str, str]) -> list[str]:
        """Set-Cookie values storing ``value``; raises ``SessionTooLarge`` past the limit."""
        return self.jar.write_chunked("session_token", value, self.max_age, cookies)

    def clear(self, cookies: Mapping[str, str]) -> list[str]:
        """Set-Cookie values removing the session cookie and its chunks."""
        return self.jar.clear_chunked("session_token", cookies)

    # -- starting, reading, changing and ending ----------------------------------------

    def start(self, token: SessionToken, cookies: Mapping[str, str]) -> Flow[list[str]]:
        """A new session for ``token``: its Set-Cookie values. Raises
        ``SessionTooLarge`` past the cookie limit."""
        saved = yield from self.store.save(self.keys, None, token)
        if saved is None:
            raise ValueError("the session store did not keep the new session")
        return self._write(saved[0], cookies)

    def current(self, cookies: Mapping[str, str]) -> Flow[SessionToken | None]:
        """The token of the request's session, if it is valid (no renewal)."""
        value = self.jar.read("session_token", cookies)
        if not value:
            return None
        record = yield from self.store.load(self.keys, value, self.clock())
        return record.token() if record is not None else None

    def replace(self, token: SessionToken, cookies: Mapping[str, str]) -> Flow[list[str]]:
        """Keep a changed token for the request's session: the Set-Cookie values that
        carry it (none when the cookie stays the same). Raises ``ValueError`` if the
        session has ended meanwhile."""
        value = self.jar.read("session_token", cookies) or ""
        saved = yield from self.store.save(self.keys, value, token)
        if saved is None:
            raise ValueError("the session ended before its token could be replaced")
        return [] if saved[0] == value else self._write(saved[0], cookies)

    def end(self, cookies: Mapping[str, str]) -> Flow[SessionToken | None]:
        """End the request's session (where the store can, now: a copy of the cookie
        stops working too). The token it held, if it was valid."""
        value = self.jar.read("session_token", cookies)
        if not value:
            return None
        return (yield from self.store.end(self.keys, value))

    def remember_sign_in(self, state: str, record: dict[str, Any], ttl: int) -> Flow[None]:
        """Keep a pending sign-in's one-time record, where the store keeps one."""
        yield from self.store.remember_sign_in(self.keys, state, record, ttl)

    def redeem_sign_in(self, state: str, code_verifier: str, ttl: int) -> Flow[bool]:
        """``True`` exactly once per pending sign-in (a replayed callback gets ``False``)."""
        return (yield from self.store.redeem_sign_in(self.keys, state, code_verifier, ttl))

    # -- the session of a request -------------------------------------------------------

    def of_request(self, cookie_header: str, *, refresh: bool = True) -> Identity | Flow[Identity]:
        """Who a request is from: at once when no I/O is needed (no session cookie; or
        a session the store knows without I/O, no ``session`` callback and no provider
        renewal for it), else a flow for the adapter's driver.

        ``refresh=False`` (a websocket handshake) neither renews nor sets cookies.
        """
        if not cookie_header or self._cookie_name not in cookie_header:
            return ANONYMOUS
        if self.callback is not None:
            return self.identify(cookie_header, refresh=refresh)
        now = self.clock()
        version = self.store.version  # before the read: a drop meanwhile voids it
        known = self._known.get(cookie_header)
        if known is not None and known.since <= now < known.until and known.version == version:
            # The same Cookie header as a recent request, and the store's answer for it
            # cannot have changed yet: no lookup, no verification, no formatting.
            return known.identity()
        # The one cookie looked up without parsing the others (chunks joined).
        value = self.jar.read_header("session_token", cookie_header)
        if not value:
            return ANONYMOUS
        record = self._peek(self.keys, value, now)
        if record is UNKNOWN or (
            self.renew is not None and record is not None and self._renews(record, refresh)
        ):
            return self.identify(cookie_header, refresh=refresh)
        if record is None:
            return self._signed_out(cookie_header, refresh)
        identity = self._identity(value, record, record.token(), now, cookie_header, refresh)
        if not identity.set_cookies and len(cookie_header) <= _KNOWN_HEADER_LIMIT:
            until = self.store.unchanged_until(self.keys, record)
            if until > now:
                keep(
                    self._known,
                    cookie_header,
                    _Known(record, identity, until, version),
                    _KNOWN_HEADERS,
                )
        return identity

    def identify(self, cookie_header: str, *, refresh: bool = True) -> Flow[Identity]:
        """Who a request is from, with every effect its session may need: the store's
        read, the provider's renewal (when ``refresh``) and the ``session`` callback."""
        value = self.jar.read_header("session_token", cookie_header) if cookie_header else None
        if not value:
            return ANONYMOUS
        now = self.clock()
        record = self.store.peek(self.keys, value, now)
        if record is UNKNOWN:
            record = yield from self.store.load(self.keys, value, now)
        if record is None:
            # Unknown, tampered, expired, revoked, in an older format: signed out, and
            # the cookie cleared.
            return self._signed_out(cookie_header, refresh)
        token = record.token()
        if self._renews(record, refresh):
            assert self.renew is not None
            renewed = yield from self.renew(token)
            if renewed is None:
                # The provider's session ended: so does ours (on every worker, where
                # the store can end it).
                yield from self.store.end(self.keys, value)
                return self._signed_out(cookie_header, refresh)
            if renewed is not token:
                saved = yield from self.store.save(self.keys, value, renewed)
                if saved is None:
                    return self._signed_out(cookie_header, refresh)
                token = renewed
                if saved[0] != value:
                    return (
                        yield from self._with_callback(
                            self._sent(saved, token, record, cookie_header)
                        )
                    )
        identity = self._identity(value, record, token, now, cookie_header, refresh)
        return (yield from self._with_callback(identity))

    # -- internals ------------------------------------------------------------------------

    def _renews(self, record: SessionRecord, refresh: bool) -> bool:
        """Whether this request asks the provider to renew the session."""
        return (
            refresh
            and self.renew is not None
            and (self.may_renew is None or self.may_renew(record))
        )

    def _signed_out(self, cookie_header: str, refresh: bool) -> Identity:
        if not refresh:
            return ANONYMOUS
        return Identity(None, None, tuple(self.clear(parse_cookie_header(cookie_header))))

    def _identity(
        self,
        value: str,
        record: SessionRecord,
        token: SessionToken,
        now: float,
        cookie_header: str,
        refresh: bool,
    ) -> Identity:
        """The identity of a verified session, its cookie sent again when the store
        says the sliding expiry is due."""
        due = self._refresh(self.keys, value, record, token, now) if refresh else None
        if due is not None:
            return self._sent(due, token, record, cookie_header)
        session = cast("dict[str, Any]", public_session(token, record.expires_at))
        return Identity(session, token)

    def _sent(
        self,
        saved: tuple[str, float | None],
        token: SessionToken,
        record: SessionRecord,
        cookie_header: str,
    ) -> Identity:
        value, expires_at = saved
        set_cookies = tuple(self._write(value, parse_cookie_header(cookie_header)))
        expires = record.expires_at if expires_at is None else expires_at
        session = cast("dict[str, Any]", public_session(token, expires))
        return Identity(session, token, set_cookies)

    def _with_callback(self, identity: Identity) -> Flow[Identity]:
        if identity.token is None or self.callback is None:
            return identity
        session = yield from self._through_callback(identity.session or {}, identity.token)
        if session is None:
            return Identity(None, None, identity.set_cookies)
        return Identity(session, identity.token, identity.set_cookies)

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
