"""Where sessions live: one store interface, three implementations.

* :class:`CookieSessionStore` (the default): the whole session is in a signed cookie;
  no server, nothing to share between workers and hosts but the secret.
* :class:`~._redis_store.RedisSessionStore`: the cookie carries only an
  opaque, signed session id; the session lives in Redis (``redis://``, ``rediss://``,
  Redis Cluster) with a TTL of ``session_max_age``.
* :class:`MemorySessionStore`: the same server-side semantics in one process's memory
  (tests, a single-process app).

The core stays sans-IO: a server-side store's work is a :class:`~._effects.StoreOp`
effect that a session flow yields, like :class:`~._effects.Fetch` for HTTP. The ASGI
driver answers it with ``await store.aexecute(op)`` (Redis's asyncio client), the WSGI
driver with ``store.execute(op)`` (the blocking client). The operations are few and
semantic (create, read, delete, revoke, put_once, take_once), so a store only has to
say how to run each; every decision about cookies, expiry and refresh is made once, in
:class:`StoredSessions`.

The operations (``StoreOp.name`` and ``StoreOp.args``):

* ``create(tag, sid, data, ttl, person)``: keep ``data`` for ``ttl`` seconds, indexed
  under the user's ``tag`` and, when ``person`` is not ``None``, under that person
  index (:func:`person_tag`: organization plus IdP id or email); returns ``None``.
* ``read(tag, sid, max_age, update_age)``: ``(data, seconds_left, refreshed)`` or
  ``None``; when at least ``update_age`` seconds have passed since the record was
  written or last refreshed, its TTL is reset to ``max_age`` (``refreshed=True``).
* ``update(tag, sid, data, person)``: replace a live record's data, keeping its TTL
  (and adding it to the ``person`` index, if given); returns whether it was there (a
  provider's refreshed tokens, an organization switch).
* ``delete(tag, sid)``: remove the record now; returns its data or ``None``.
* ``revoke(tag)``: remove every record of the user; returns how many.
* ``revoke_person(person)``: remove every record indexed under ``person``; returns
  how many were live (a deprovisioned directory user).
* ``regroup(person, added, removed)``: add and remove group names in the ``groups``
  of every live record indexed under ``person``, keeping their TTLs; returns how
  many changed (a directory group change).
* ``put_once(key, data, ttl)`` and ``take_once(key)``: a one-time record (the pending
  sign-in), read and deleted in one atomic step, whichever worker or host asks.
* ``claim_once(key, ttl)``: ``True`` for the first caller of ``key`` within ``ttl``
  seconds, ``False`` for every later one, whichever worker or host asks (an event
  applied once; a lock, released with ``take_once``).
* ``get_value(key)`` and ``put_value(key, data)``: a small lasting value (the Events
  API cursor).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import weakref
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

from .._base.effects import StoreOp
from .._base.errors import WorkOSMiddlewareError

if TYPE_CHECKING:
    pass

__all__ = [
    "CookieSessionStore",
    "MemorySessionStore",
    "ServerSessionStore",
    "SessionStore",
    "StoreUnavailable",
    "arun_store_op",
    "changed",
    "listen",
    "person_tag",
    "regrouped",
    "run_store_op",
    "user_tag",
]

OpName = Literal[
    "create",
    "read",
    "update",
    "delete",
    "revoke",
    "revoke_person",
    "regroup",
    "put_once",
    "take_once",
    "claim_once",
    "get_value",
    "put_value",
]


class StoreUnavailable(WorkOSMiddlewareError):
    """The session store could not be reached or refused an operation.

    Requests that need the store fail closed with a 503; the message names the store
    and the cause, for the operator's log.
    """


_GENERIC_HINT = (
    "Check that the session store is running and reachable, or fix the session_store setting."
)


def store_failure(op: StoreOp, exc: Exception) -> StoreUnavailable:
    """The one way a failed store operation is reported, whatever the store raised (a
    client's own exception classes, ``OSError``, a bug in a custom store): a
    :class:`StoreUnavailable` naming the store, the operation, the cause and the
    setting to check (the store's ``outage_hint``)."""
    if isinstance(exc, StoreUnavailable):
        return exc
    describe = getattr(op.store, "describe", None)
    name = describe() if callable(describe) else type(op.store).__name__
    hint = getattr(op.store, "outage_hint", _GENERIC_HINT)
    detail = str(exc).strip().rstrip(". ")[:500]
    cause = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    return StoreUnavailable(
        f"session store unavailable ({name}, operation {op.name}): {cause}. {hint}"
    )


def run_store_op(op: StoreOp) -> Any:
    """Run ``op`` with blocking I/O; any failure becomes :class:`StoreUnavailable`."""
    try:
        return op.store.execute(op)
    except Exception as exc:
        raise store_failure(op, exc) from exc


async def arun_store_op(op: StoreOp) -> Any:
    """Run ``op`` with asyncio I/O; any failure becomes :class:`StoreUnavailable`."""
    try:
        return await op.store.aexecute(op)
    except Exception as exc:
        raise store_failure(op, exc) from exc


def user_tag(user_id: str) -> str:
    """The user's index tag: a hash, so the cookie names no user and Redis keys of one
    user share a cluster slot."""
    digest = hashlib.sha256(b"workos-middleware user\0" + user_id.encode("utf-8", "replace"))
    return digest.hexdigest()[:32]


def person_tag(organization_id: str, *, idp_id: str | None = None, email: str | None = None) -> str:
    """The index tag of one person in one organization, as a directory names them: the
    IdP's user id, or (only when there is none) the email, lower-cased. Never an email
    alone: the same address in another organization is another person here."""
    if idp_id:
        who = "idp\0" + idp_id
    elif email:
        who = "email\0" + email.strip().lower()
    else:
        raise ValueError("a person is named by an IdP id or an email")
    raw = f"workos-middleware person\0{organization_id}\0{who}"
    return hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()[:32]


def regrouped(data: str, added: frozenset[str], removed: frozenset[str]) -> str | None:
    """A stored session's JSON with ``added`` groups added and ``removed`` taken out;
    ``None`` when nothing changes (or the data is not a token)."""
    try:
        token = json.loads(data)
    except ValueError:
        return None
    if not isinstance(token, dict):
        return None
    before = token.get("groups")
    groups = [g for g in before if isinstance(g, str)] if isinstance(before, list) else []
    after = [g for g in groups if g not in removed]
    after += sorted(g for g in added if g not in after)
    if after == before:
        return None
    token["groups"] = after
    return json.dumps(token, separators=(",", ":"))


class SessionStore(ABC):
    """Where the middleware keeps sessions; pass one as ``AuthConfig(session_store=...)``."""

    #: ``"cookie"``, ``"redis"`` or ``"memory"``: shown in logs and errors.
    kind: ClassVar[str]
    #: Whether sessions live on a server (and the cookie holds only an id).
    server_side: ClassVar[bool]

    def describe(self) -> str:
        """How the store names itself in logs (no passwords)."""
        return type(self).__name__

    async def revoke_user(self, user_id: str) -> int:
        """Sign ``user_id`` out everywhere (server-side stores only)."""
        raise NotImplementedError(_NO_REVOCATION)

    def revoke_user_sync(self, user_id: str) -> int:
        """Sign ``user_id`` out everywhere (server-side stores only)."""
        raise NotImplementedError(_NO_REVOCATION)


_NO_REVOCATION = (
    "signed-cookie sessions cannot be revoked one user at a time: use RedisSessionStore "
    "(session_store=RedisSessionStore(url=...) or AUTH_REDIS_URL), or rotate AUTH_SECRET "
    "to sign everyone out"
)


class CookieSessionStore(SessionStore):
    """The default: the session is a signed cookie; nothing is kept on a server.

    Any worker or host holding the same ``AUTH_SECRET`` reads it. A session cannot be
    revoked before it expires except by rotating the secret (which signs everyone out).
    """

    kind = "cookie"
    server_side = False


class ServerSessionStore(SessionStore):
    """A store keeping sessions on a server; the cookie holds a signed session id."""

    server_side = True
    #: The last sentence of the operator's log record when the store fails: what to
    #: check, naming the setting.
    outage_hint: ClassVar[str] = _GENERIC_HINT

    @abstractmethod
    def execute(self, op: StoreOp) -> Any:
        """Run ``op`` with blocking I/O (WSGI). Whatever it raises is reported as
        :class:`StoreUnavailable` by the driver (:func:`run_store_op`)."""

    @abstractmethod
    async def aexecute(self, op: StoreOp) -> Any:
        """Run ``op`` with asyncio I/O (ASGI). Whatever it raises is reported as
        :class:`StoreUnavailable` by the driver (:func:`arun_store_op`)."""

    def close(self) -> None:
        """Release the blocking client's connections (the WSGI adapter's ``close``)."""

    async def aclose(self) -> None:
        """Release the asyncio client's connections (ASGI lifespan shutdown)."""

    # -- sign out everywhere --------------------------------------------------------

    async def revoke_user(self, user_id: str) -> int:
        """Sign ``user_id`` out everywhere, now: every session of theirs is deleted and
        their cookies stop working on the next request. Returns how many sessions
        there were. ``user_id`` is the session's ``sub`` (the WorkOS profile id)."""
        op = StoreOp(self, "revoke", (user_tag(user_id),))
        changed(self, op)
        try:
            count: int = await arun_store_op(op)
        finally:
            changed(self, op)
        return count

    def revoke_user_sync(self, user_id: str) -> int:
        """:meth:`revoke_user` with blocking I/O (WSGI apps, scripts, admin tasks)."""
        op = StoreOp(self, "revoke", (user_tag(user_id),))
        changed(self, op)
        try:
            count: int = run_store_op(op)
        finally:
            changed(self, op)
        return count


class _Listener(Protocol):
    def forget(self, op: StoreOp) -> None: ...


# The local caches in front of each store (:mod:`.cache`). Every operation that ends or
# changes sessions, run through any of them or on the store itself (an app's
# ``revoke_user()``), is told to all of them, so that this process drops what it cached
# at once, whichever middleware instance or script ran it.
_LISTENERS: weakref.WeakKeyDictionary[ServerSessionStore, weakref.WeakSet[Any]] = (
    weakref.WeakKeyDictionary()
)


def listen(store: ServerSessionStore, cache: _Listener) -> None:
    """Tell ``cache`` about every operation run on ``store`` in this process."""
    _LISTENERS.setdefault(store, weakref.WeakSet()).add(cache)


def changed(store: ServerSessionStore, op: StoreOp) -> None:
    """``op`` is about to run, or has run, on ``store``: the caches in front of it
    forget what it may change."""
    for cache in list(_LISTENERS.get(store, ())):
        cache.forget(op)


class MemorySessionStore(ServerSessionStore):
    """Server-side sessions in this process's memory: for tests and single-process
    apps. Another worker or host does not see them; they are gone on restart."""

    kind = "memory"

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        # key -> (data, expires_at, written_at)
        self._records: dict[str, tuple[str, float, float]] = {}
        self._index: dict[str, set[str]] = {}
        self._people: dict[str, set[str]] = {}  # person tag -> session keys
        self._once: dict[str, tuple[str, float]] = {}
        self._values: dict[str, str] = {}
        self._sweep_at = 1024  # drop expired records when there are this many

    def live_sessions(self) -> int:
        """How many unexpired sessions the store holds."""
        now = self.clock()
        with self._lock:
            return sum(1 for _, expires, _ in self._records.values() if expires > now)

    async def aexecute(self, op: StoreOp) -> Any:
        return self.execute(op)

    def execute(self, op: StoreOp) -> Any:
        now = self.clock()
        with self._lock:
            return getattr(self, "_" + op.name)(now, *op.args)

    def _create(
        self, now: float, tag: str, sid: str, data: str, ttl: int, person: str | None = None
    ) -> None:
        self._records[f"{tag}.{sid}"] = (data, now + ttl, now)
        self._index.setdefault(tag, set()).add(sid)
        if person is not None:
            self._people.setdefault(person, set()).add(f"{tag}.{sid}")
        if len(self._records) >= self._sweep_at:  # sessions never read again expire here
            for key in [k for k, record in self._records.items() if record[1] <= now]:
                self._drop(*key.split(".", 1))
            people = (
                (p, {k for k in keys if k in self._records}) for p, keys in self._people.items()
            )
            self._people = {person: keys for person, keys in people if keys}
            self._sweep_at = max(1024, 2 * len(self._records))

    def _read(
        self, now: float, tag: str, sid: str, max_age: int, update_age: int
    ) -> tuple[str, float, bool] | None:
        key = f"{tag}.{sid}"
        record = self._records.get(key)
        if record is None:
            return None
        data, expires_at, written_at = record
        if expires_at <= now:
            self._drop(tag, sid)
            return None
        if now - written_at >= update_age:
            self._records[key] = (data, now + max_age, now)
            return data, float(max_age), True
        return data, expires_at - now, False

    def _update(self, now: float, tag: str, sid: str, data: str, person: str | None = None) -> bool:
        record = self._records.get(f"{tag}.{sid}")
        if record is None or record[1] <= now:
            return False
        self._records[f"{tag}.{sid}"] = (data, record[1], record[2])
        if person is not None:
            self._people.setdefault(person, set()).add(f"{tag}.{sid}")
        return True

    def _delete(self, now: float, tag: str, sid: str) -> str | None:
        record = self._records.get(f"{tag}.{sid}")
        self._drop(tag, sid)
        return record[0] if record is not None and record[1] > now else None

    def _revoke(self, now: float, tag: str) -> int:
        sids = self._index.pop(tag, set())
        live = 0
        for sid in sids:
            record = self._records.pop(f"{tag}.{sid}", None)
            live += record is not None and record[1] > now
        return live

    def _revoke_person(self, now: float, person: str) -> int:
        live = 0
        for key in self._people.pop(person, set()):
            record = self._records.get(key)
            live += record is not None and record[1] > now
            self._drop(*key.split(".", 1))
        return live

    def _regroup(self, now: float, person: str, added: list[str], removed: list[str]) -> int:
        changed = 0
        for key in list(self._people.get(person, ())):
            record = self._records.get(key)
            if record is None or record[1] <= now:
                self._drop(*key.split(".", 1))
                continue
            data = regrouped(record[0], frozenset(added), frozenset(removed))
            if data is not None:
                self._records[key] = (data, record[1], record[2])
                changed += 1
        return changed

    def _claim_once(self, now: float, key: str, ttl: int) -> bool:
        record = self._once.get(key)
        if record is not None and record[1] > now:
            return False
        self._put_once(now, key, "1", ttl)
        return True

    def _get_value(self, now: float, key: str) -> str | None:
        return self._values.get(key)

    def _put_value(self, now: float, key: str, data: str) -> None:
        self._values[key] = data

    def _put_once(self, now: float, key: str, data: str, ttl: int) -> None:
        self._once[key] = (data, now + ttl)
        if len(self._once) > 10_000:  # abandoned sign-ins: drop the expired ones
            self._once = {k: v for k, v in self._once.items() if v[1] > now}

    def _take_once(self, now: float, key: str) -> str | None:
        record = self._once.pop(key, None)
        return record[0] if record is not None and record[1] > now else None

    def _drop(self, tag: str, sid: str) -> None:
        # A person index entry left behind names no record; revoke_person skips it.
        self._records.pop(f"{tag}.{sid}", None)
        sids = self._index.get(tag)
        if sids is not None:
            sids.discard(sid)
            if not sids:
                del self._index[tag]
