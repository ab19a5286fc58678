"""A local cache in front of a server-side session store.

Every request of a signed-in user reads its session; with Redis that is a round trip
per request. :class:`CachedSessionStore` wraps any :class:`ServerSessionStore` at the
store interface (the ``StoreOp`` operations): a session read is kept in this process
for at most ``ttl`` seconds (one by default, ``AuthConfig(session_cache_ttl=...)``), so
most requests of a signed-in user cost a dict lookup.

What stays true:

* **The bound.** A session revoked, signed out or deprovisioned on another worker or
  host (the store no longer has it) is refused here at most ``ttl`` seconds later: an
  entry is never served after ``ttl`` seconds from the read that filled it, whatever
  the traffic (a hit does not extend it).
* **This process at once.** Every operation that ends or changes sessions and runs in
  this process (sign-out, ``revoke_user`` on the wrapped store or this one, a token
  update, deprovisioning, any operation the cache does not know), through any middleware
  in front of the same store object, drops what it touches from every cache in front of
  that store, before and after it runs; a read that was in flight while something was
  dropped is not kept (a generation counter), so it cannot bring a revoked session back.
* **No stale session after its own expiry**: the store's expiry travels with the entry
  and is checked on every hit.
* **Bounded memory**: at most ``size`` entries. Entries are only added by a read that
  missed, so insertion order is age order; past the cap the oldest goes first.

A hit never reports a sliding refresh (``refreshed=False``); the store's TTL is slid
by the next read that misses, at most ``ttl`` seconds later.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any

from .._base.bounded import keep
from .._base.effects import StoreOp
from .record import SessionRecord
from .store import ServerSessionStore, SessionKeys, changed, listen

__all__ = ["DEFAULT_CACHE_SIZE", "DEFAULT_CACHE_TTL", "CachedRead", "CachedSessionStore"]

DEFAULT_CACHE_TTL = 1.0
DEFAULT_CACHE_SIZE = 10_000
MAX_CACHE_TTL = 60.0

# Operations that cannot change what a session read returns.
_HARMLESS = frozenset({"create", "put_once", "take_once", "claim_once", "get_value", "put_value"})


class CachedRead:
    """One session read: the record's data, when it expires (the core's clock) and
    until when it may be served (the monotonic clock). ``record`` is what the data
    holds, parsed once on the first hit, so later hits parse nothing."""

    __slots__ = ("data", "expires_at", "fresh_until", "record")

    def __init__(self, data: str, expires_at: float, fresh_until: float) -> None:
        self.data = data
        self.expires_at = expires_at
        self.fresh_until = fresh_until
        self.record: SessionRecord | None = None


class CachedSessionStore(ServerSessionStore):
    """``store`` with a local, bounded, short-lived cache of its session reads."""

    def __init__(
        self,
        store: ServerSessionStore,
        *,
        ttl: float = DEFAULT_CACHE_TTL,
        size: int = DEFAULT_CACHE_SIZE,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.kind = store.kind  # type: ignore[misc]
        hint = getattr(store, "outage_hint", None)
        if hint is not None:  # what the operator is told when the store is down
            self.outage_hint = hint  # type: ignore[misc]
        self.ttl = ttl
        self.size = size
        self.clock = clock
        self.monotonic = monotonic
        self._entries: dict[tuple[str, str], CachedRead] = {}
        # Bumped by every drop (see forget): a read in flight meanwhile is not kept, and
        # what a caller reused on the word of unchanged_until is void.
        self.version = 0
        listen(store, self)

    def describe(self) -> str:
        return self.store.describe()

    # -- the fast path: no I/O ------------------------------------------------------------

    def cached(self, tag: str, sid: str) -> SessionRecord | None:
        """The session ``(tag, sid)`` from a read that may still be served, else ``None``
        (its ``expires_at`` is the record's; it was not renewed by this request)."""
        entry = self._entry(tag, sid)
        if entry is None:
            return None
        record = entry.record
        if record is None:
            record = entry.record = SessionRecord.from_json(entry.data, entry.expires_at)
            if record is not None:
                # The bound on the core's clock, for unchanged_until.
                record.fresh_until = self.clock() + (entry.fresh_until - self.monotonic())
        return record

    def unchanged_until(self, keys: SessionKeys, record: SessionRecord) -> float:
        """A record this cache served stays the answer until its entry's bound (never
        past the store's expiry), unless :attr:`version` changes first (a sign-out, a
        revocation, any drop in this process)."""
        return min(record.fresh_until, record.expires_at)

    def _entry(self, tag: str, sid: str) -> CachedRead | None:
        """The cached read of ``(tag, sid)`` if it may still be served, else ``None``."""
        entry = self._entries.get((tag, sid))
        if entry is None:
            return None
        if entry.fresh_until <= self.monotonic() or entry.expires_at <= self.clock():
            with contextlib.suppress(KeyError):
                if self._entries[tag, sid] is entry:
                    del self._entries[tag, sid]
            return None
        return entry

    # -- the store interface --------------------------------------------------------------

    def execute(self, op: StoreOp) -> Any:
        if op.name == "read":
            hit = self._hit(op)
            if hit is not None:
                return hit
            generation = self.version
            found = self.store.execute(self._inner(op))
            self._keep(op, found, generation)
            return found
        inner = self._inner(op)
        changed(self.store, inner)
        try:
            return self.store.execute(inner)
        finally:
            changed(self.store, inner)

    async def aexecute(self, op: StoreOp) -> Any:
        if op.name == "read":
            hit = self._hit(op)
            if hit is not None:
                return hit
            generation = self.version
            found = await self.store.aexecute(self._inner(op))
            self._keep(op, found, generation)
            return found
        inner = self._inner(op)
        changed(self.store, inner)
        try:
            return await self.store.aexecute(inner)
        finally:
            changed(self.store, inner)

    def close(self) -> None:
        self.store.close()

    async def aclose(self) -> None:
        await self.store.aclose()

    async def revoke_user(self, user_id: str) -> int:
        return await self.store.revoke_user(user_id)

    def revoke_user_sync(self, user_id: str) -> int:
        return self.store.revoke_user_sync(user_id)

    # -- what is kept and dropped ---------------------------------------------------------

    def _inner(self, op: StoreOp) -> StoreOp:
        return StoreOp(self.store, op.name, op.args)

    def _hit(self, op: StoreOp) -> tuple[str, float, bool] | None:
        tag, sid = op.args[0], op.args[1]
        entry = self._entry(tag, sid)
        if entry is None:
            return None
        return entry.data, entry.expires_at - self.clock(), False

    def _keep(self, op: StoreOp, found: Any, generation: int) -> None:
        if found is None or generation != self.version or self.ttl <= 0:
            return
        data, seconds_left, _refreshed = found
        entry = CachedRead(data, self.clock() + float(seconds_left), self.monotonic() + self.ttl)
        keep(self._entries, (op.args[0], op.args[1]), entry, self.size)

    def forget(self, op: StoreOp) -> None:
        """Drop what ``op`` (run on the wrapped store, by any cache in front of it or
        directly) may change."""
        name = op.name
        if name in _HARMLESS:
            return
        if name in ("update", "delete"):
            self.version += 1
            self._entries.pop((op.args[0], op.args[1]), None)
        elif name == "revoke":
            self.forget_user_tag(op.args[0])
        else:  # revoke_person, regroup, any operation added later: drop everything
            self.clear()

    def forget_user_tag(self, tag: str) -> None:
        """Drop every cached session of the user whose index tag is ``tag``."""
        self.version += 1
        for key in [key for key in list(self._entries) if key[0] == tag]:
            self._entries.pop(key, None)

    def clear(self) -> None:
        self.version += 1
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
