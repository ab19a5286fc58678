"""Server-side sessions as the core sees them: cookies in, store operations out.

:class:`StoredSessions` turns a session cookie into a store operation and back: it signs
and verifies the session id, encodes the token, and yields
:class:`~._effects.StoreOp` effects that the adapters' drivers run on the store
(:mod:`._session_store`, :mod:`._redis_store`). It never does I/O itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from .._base.effects import Flow, StoreOp
from .._base.types import SessionToken
from .._keys.signing import KeyRing
from .cache import CachedSessionStore
from .format import Verified
from .store import OpName, ServerSessionStore, person_tag, user_tag

__all__ = ["LoadedSession", "StoredSessions", "person_of"]

# Session cookie values whose MAC was verified, kept (bounded) so a returning cookie is a
# dict hit, not an HMAC.
_VERIFIED_IDS = 1024


def person_of(token: SessionToken) -> str | None:
    """The person index a session is kept under (:func:`~._session_store.person_tag`):
    its organization plus the IdP's user id, or plus the email when the provider gave
    no IdP id and did not say the email is unverified; ``None`` without an
    organization (such a session is not a directory's to end)."""
    organization = token.get("organization_id")
    if not isinstance(organization, str) or not organization:
        return None
    idp_id = token.get("idp_id")
    if isinstance(idp_id, str) and idp_id:
        return person_tag(organization, idp_id=idp_id)
    email = token.get("email")
    if isinstance(email, str) and email and token.get("email_verified") is not False:
        return person_tag(organization, email=email)
    return None


@dataclass(frozen=True)
class LoadedSession:
    """A session read from a server-side store."""

    token: SessionToken
    expires_at: float
    refreshed: bool


def _op(store: ServerSessionStore, name: OpName, *args: Any) -> Flow[Any]:
    return (yield StoreOp(store, name, args))


class StoredSessions:
    """Server-side sessions as the core sees them: flows over a store's operations.

    The cookie value is ``<tag>.<sid>.<mac>``: the user's index tag, a 192-bit random
    id and an HMAC-SHA256 of both under the ``session_id`` key (so a guessed or edited
    id is refused without asking the store).
    """

    def __init__(
        self,
        store: ServerSessionStore,
        keys: KeyRing,
        *,
        max_age: int,
        update_age: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.keys = keys
        self.max_age = max_age
        self.update_age = update_age
        self.clock = clock
        # The local cache's look-up without I/O, when the store is behind one.
        self._peek = store.peek if isinstance(store, CachedSessionStore) else None
        self._verified: dict[str, tuple[str, str]] = {}

    def cookie_value(self, tag: str, sid: str) -> str:
        return f"{tag}.{sid}.{self.keys.mac('session_id', f'{tag}.{sid}')}"

    def parse(self, value: str) -> tuple[str, str] | None:
        """The ``(tag, sid)`` a cookie names, or ``None`` if it is not one we signed."""
        found = self._verified.get(value)
        if found is not None:
            return found
        if len(value) > 256 or value.count(".") != 2:
            return None
        tag, sid, mac = value.split(".")
        if not tag or not sid or not self.keys.verify_mac("session_id", f"{tag}.{sid}", mac):
            return None
        verified = self._verified
        if len(verified) >= _VERIFIED_IDS:
            # The oldest first; another thread may have dropped it already.
            with contextlib.suppress(KeyError, RuntimeError, StopIteration):
                del verified[next(iter(verified))]
        verified[value] = (tag, sid)
        return tag, sid

    def peek(self, value: str) -> Verified | None:
        """The session a cookie names, from this process's cache of recent reads (no
        I/O; its ``expires_at`` is the record's); ``None`` when not cached."""
        if self._peek is None:
            return None
        ref = self.parse(value)
        if ref is None:
            return None
        entry = self._peek(*ref)
        if entry is None:
            return None
        found: Verified | None = entry.memo
        if found is None or found.expires_at != entry.expires_at:
            token = _token(entry.data)
            if token is None:
                return None
            found = entry.memo = Verified(dict(token), 0.0, entry.expires_at)
        return found

    def create(self, token: SessionToken) -> Flow[tuple[str, float]]:
        """Store a new session for ``token``; its cookie value and expiry."""
        tag, sid = user_tag(str(token["sub"])), secrets.token_urlsafe(24)
        data = json.dumps(token, separators=(",", ":"))
        yield from _op(self.store, "create", tag, sid, data, self.max_age, person_of(token))
        return self.cookie_value(tag, sid), self.clock() + self.max_age

    def read(self, value: str) -> Flow[LoadedSession | None]:
        """The live session a cookie names (refreshed once per ``update_age``)."""
        cached = self.peek(value)
        if cached is not None:
            return LoadedSession(cached.token(), cached.expires_at, False)
        ref = self.parse(value)
        if ref is None:
            return None
        found = yield from _op(self.store, "read", *ref, self.max_age, self.update_age)
        if found is None:
            return None
        data, seconds_left, refreshed = found
        token = _token(data)
        if token is None:
            return None
        return LoadedSession(token, self.clock() + float(seconds_left), bool(refreshed))

    def update(self, value: str, token: SessionToken) -> Flow[bool]:
        """Replace the token of the session a cookie names, keeping its expiry; whether
        the session was still there."""
        ref = self.parse(value)
        if ref is None:
            return False
        data = json.dumps(token, separators=(",", ":"))
        return bool((yield from _op(self.store, "update", *ref, data, person_of(token))))

    def delete(self, value: str) -> Flow[SessionToken | None]:
        """End the session a cookie names, now; the token it held, if it was live."""
        ref = self.parse(value)
        if ref is None:
            return None
        data = yield from _op(self.store, "delete", *ref)
        return _token(data) if data is not None else None

    def put_once(self, state: str, record: dict[str, Any], ttl: int) -> Flow[None]:
        data = json.dumps(record, separators=(",", ":"))
        yield from _op(self.store, "put_once", _once_key(state), data, ttl)

    def take_once(self, state: str) -> Flow[dict[str, Any] | None]:
        """The record kept under ``state``, deleted in the same step: ``None`` if it
        was never kept, has expired or was already taken (by any worker or host)."""
        data = yield from _op(self.store, "take_once", _once_key(state))
        if data is None:
            return None
        try:
            record = json.loads(data)
        except ValueError:
            return None
        return record if isinstance(record, dict) else None

    # -- what a directory's events change (see _lifecycle.py) --------------------------

    def revoke_person(self, person: str) -> Flow[int]:
        """End every session kept under ``person``; how many were live."""
        return int((yield from _op(self.store, "revoke_person", person)))

    def regroup(self, person: str, added: list[str], removed: list[str]) -> Flow[int]:
        """Change the groups of every session of ``person``; how many changed."""
        return int((yield from _op(self.store, "regroup", person, added, removed)))

    def claim_once(self, name: str, ttl: int) -> Flow[bool]:
        """``True`` for the first to claim ``name`` (within ``ttl`` seconds), on any
        worker or host; ``False`` for every later claim."""
        return bool((yield from _op(self.store, "claim_once", _once_key(name), ttl)))

    def keep_claim(self, name: str, ttl: int) -> Flow[None]:
        """Keep the claim of ``name`` for ``ttl`` seconds from now."""
        yield from _op(self.store, "put_once", _once_key(name), "1", ttl)

    def release(self, name: str) -> Flow[None]:
        """Give a claim back (the work it guarded failed: let a retry do it)."""
        yield from _op(self.store, "take_once", _once_key(name))

    def get_value(self, name: str) -> Flow[str | None]:
        data = yield from _op(self.store, "get_value", name)
        return data if isinstance(data, str) else None

    def put_value(self, name: str, value: str) -> Flow[None]:
        yield from _op(self.store, "put_value", name, value)


def _once_key(state: str) -> str:
    return hashlib.sha256(state.encode("utf-8", "replace")).hexdigest()


def _token(data: Any) -> SessionToken | None:
    try:
        token = json.loads(data)
    except (TypeError, ValueError):
        return None
    if not isinstance(token, dict) or not isinstance(token.get("sub"), str):
        return None
    return cast(SessionToken, token)
