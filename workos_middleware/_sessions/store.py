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
say how to run each; every decision about ids, expiry and refresh is made once, in
:class:`ServerSessionStore`. The cookie store implements the same interface with no
I/O at all (its flows end without yielding), so the session code (:mod:`.sessions`)
never asks which kind of store it has.

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
import secrets
import threading
import time
import weakref
from abc import ABC, abstractmethod
from collections.abc import Callable
from enum import Enum
from typing import Any, ClassVar, Final, Literal, Protocol

from .._base.bounded import keep
from .._base.effects import Flow, StoreOp
from .._base.errors import WorkOSMiddlewareError
from .._base.types import SessionToken
from .._keys.signing import KeyRing
from .._keys.state import UsedStates
from .format import SessionFormat
from .record import SessionRecord

__all__ = [
    "UNKNOWN",
    "CookieSessionStore",
    "MemorySessionStore",
    "ServerSessionStore",
    "SessionKeys",
    "SessionStore",
    "StoreUnavailable",
    "arun_store_op",
    "changed",
    "listen",
    "person_of",
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


# Session cookie values whose MAC was verified, kept per configuration (bounded).
_VERIFIED_IDS = 1024


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


class SessionKeys:
    """What a store needs from one configuration to sign, verify and time its sessions:
    the session cookie's format (:mod:`.format`), the key ring (a server-side session
    id's MAC), the lifetimes, the clock, and this process's memory of redeemed sign-in
    states. Made once per middleware; it also holds the bounded caches of verified
    values, so a returning cookie costs a dict hit."""

    __slots__ = ("clock", "format", "ids", "keys", "max_age", "update_age", "used_states")

    def __init__(
        self, keys: KeyRing, *, max_age: int, update_age: int, used_states: UsedStates
    ) -> None:
        self.keys = keys
        self.clock = keys.clock
        self.max_age = max_age
        self.update_age = update_age
        self.format = SessionFormat(keys.keys_for("session"), keys.clock, max_age=max_age)
        self.used_states = used_states
        # Session ids whose MAC was verified, kept (bounded) so a returning cookie is a
        # dict hit, not an HMAC.
        self.ids: dict[str, tuple[str, str]] = {}

    def session_id(self, value: str) -> tuple[str, str] | None:
        """The ``(tag, sid)`` a server-side session's cookie names, or ``None`` if it is
        not one we signed. The value is ``<tag>.<sid>.<mac>``: the user's index tag, a
        192-bit random id and an HMAC-SHA256 of both under the ``session_id`` key (so a
        guessed or edited id is refused without asking the store)."""
        found = self.ids.get(value)
        if found is not None:
            return found
        if len(value) > 256 or value.count(".") != 2:
            return None
        tag, sid, mac = value.split(".")
        if not tag or not sid or not self.keys.verify_mac("session_id", f"{tag}.{sid}", mac):
            return None
        keep(self.ids, value, (tag, sid), _VERIFIED_IDS)
        return tag, sid

    def id_value(self, tag: str, sid: str) -> str:
        """The cookie value naming the server-side session ``(tag, sid)``."""
        return f"{tag}.{sid}.{self.keys.mac('session_id', f'{tag}.{sid}')}"


class Unknown(Enum):
    """What :meth:`SessionStore.peek` answers when only the store's I/O can tell."""

    UNKNOWN = "unknown"


UNKNOWN: Final = Unknown.UNKNOWN


class SessionStore(ABC):
    """Where the middleware keeps sessions; pass one as ``AuthConfig(session_store=...)``.

    One interface, implemented by the signed-cookie store (no I/O) and by the server-side
    stores (:class:`ServerSessionStore`: memory, Redis). The core starts, reads, renews
    and ends every session through it, so nothing outside a store asks which kind it is.
    The operations are flows (:mod:`.._base.effects`): a store that needs I/O yields
    effects the adapter's driver runs; the cookie store yields none. Each takes the
    configuration's :class:`SessionKeys` and a session cookie's value (``value``).
    """

    #: ``"cookie"``, ``"redis"`` or ``"memory"``: shown in logs and errors.
    kind: ClassVar[str]
    #: Whether sessions live on a server (and the cookie holds only an id). A fact for
    #: the configuration's checks (directory events need a server-side store), not a
    #: branch of the session code.
    server_side: ClassVar[bool]
    #: Changes whenever a session this store keeps may have ended or changed in this
    #: process: what a caller reused on the word of :meth:`unchanged_until` is void once
    #: it changes. Never changes for the signed-cookie store.
    version: int = 0

    def describe(self) -> str:
        """How the store names itself in logs (no passwords)."""
        return type(self).__name__

    # -- the session interface the core drives --------------------------------------------

    @abstractmethod
    def peek(self, keys: SessionKeys, value: str, now: float) -> SessionRecord | Unknown | None:
        """The session ``value`` names, when that is known without I/O (a verified
        record, or ``None`` for a refused value); :data:`UNKNOWN` when only
        :meth:`load` can tell."""

    @abstractmethod
    def load(self, keys: SessionKeys, value: str, now: float) -> Flow[SessionRecord | None]:
        """The live session ``value`` names, or ``None``."""

    @abstractmethod
    def save(
        self, keys: SessionKeys, value: str | None, token: SessionToken
    ) -> Flow[tuple[str, float | None] | None]:
        """Keep ``token``: as a new session (``value`` is ``None``) or as the new token
        of the session ``value`` names. The cookie value to send and when it now
        expires (``None``: unchanged); ``None`` when the session ended meanwhile."""

    @abstractmethod
    def refresh(
        self, keys: SessionKeys, value: str, record: SessionRecord, token: SessionToken, now: float
    ) -> tuple[str, float] | None:
        """The sliding expiry, without I/O: the cookie value to send again (and its new
        expiry) when the session ``record`` read from ``value`` is due, else ``None``."""

    def unchanged_until(self, keys: SessionKeys, record: SessionRecord) -> float:
        """Until when (the core's clock) :meth:`peek` gives ``record`` again for the same
        value with no refresh due, as long as :attr:`version` stays the same, so the
        caller may reuse what it made of it; ``0.0`` (the default): the answer may
        change at any time."""
        return 0.0

    @abstractmethod
    def end(self, keys: SessionKeys, value: str) -> Flow[SessionToken | None]:
        """End the session ``value`` names, now where the store can (a copy of the
        cookie stops working too); the token it held, if it was live."""

    @abstractmethod
    def remember_sign_in(
        self, keys: SessionKeys, state: str, record: dict[str, Any], ttl: int
    ) -> Flow[None]:
        """Keep a pending sign-in's one-time record (its state cookie carries it too)."""

    @abstractmethod
    def redeem_sign_in(
        self, keys: SessionKeys, state: str, code_verifier: str, ttl: int
    ) -> Flow[bool]:
        """``True`` exactly once for a pending sign-in's ``state``, whichever worker
        asks first (as far as the store can see: the cookie store sees this process)."""

    # -- sign out everywhere ------------------------------------------------------------

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
    None of its operations does I/O: every flow ends without yielding.
    """

    kind = "cookie"
    server_side = False

    def peek(self, keys: SessionKeys, value: str, now: float) -> SessionRecord | None:
        return keys.format.lookup(value, now)

    def load(self, keys: SessionKeys, value: str, now: float) -> Flow[SessionRecord | None]:
        return keys.format.lookup(value, now)
        yield  # a flow with no effects

    def save(
        self, keys: SessionKeys, value: str | None, token: SessionToken
    ) -> Flow[tuple[str, float | None] | None]:
        return keys.format.encode(token)
        yield

    def refresh(
        self, keys: SessionKeys, value: str, record: SessionRecord, token: SessionToken, now: float
    ) -> tuple[str, float] | None:
        if now - record.issued_at < keys.update_age:
            return None
        return keys.format.encode(token)

    def unchanged_until(self, keys: SessionKeys, record: SessionRecord) -> float:
        # A signed value means the same until it is due for re-signing or expires: only
        # the clock changes the answer (a secret rotation makes a new configuration).
        issued_at = record.issued_at
        return min(issued_at + keys.update_age, issued_at + keys.max_age, record.expires_at)

    def end(self, keys: SessionKeys, value: str) -> Flow[SessionToken | None]:
        # Nothing to delete: the cookie is cleared, a copy of it lives on until expiry.
        record = keys.format.lookup(value, keys.clock())
        return record.token() if record is not None else None
        yield

    def remember_sign_in(
        self, keys: SessionKeys, state: str, record: dict[str, Any], ttl: int
    ) -> Flow[None]:
        return None  # the state cookie is the record
        yield

    def redeem_sign_in(
        self, keys: SessionKeys, state: str, code_verifier: str, ttl: int
    ) -> Flow[bool]:
        # No shared store: this process remembers the states it redeemed.
        now = keys.clock()
        return keys.used_states.consume(state, now + ttl, now)
        yield


class ServerSessionStore(SessionStore):
    """A store keeping sessions on a server; the cookie holds a signed session id.

    Every decision about ids, expiry and refresh is made here, once, as flows over a
    few semantic operations (:class:`~.._base.effects.StoreOp`, listed at the top of
    this module); a store only says how to run each, in :meth:`execute` (blocking, the
    WSGI driver) and :meth:`aexecute` (asyncio, the ASGI driver).
    """

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

    def _op(self, name: OpName, *args: Any) -> Flow[Any]:
        return (yield StoreOp(self, name, args))

    # -- the session interface ------------------------------------------------------------

    def cached(self, tag: str, sid: str) -> SessionRecord | None:
        """A session this process read less than a local cache's bound ago (no I/O);
        ``None`` without a cache (:mod:`.cache`) or when it does not hold one."""
        return None

    def peek(self, keys: SessionKeys, value: str, now: float) -> SessionRecord | Unknown | None:
        ref = keys.session_id(value)
        if ref is None:
            return None
        found = self.cached(*ref)
        return UNKNOWN if found is None else found

    def load(self, keys: SessionKeys, value: str, now: float) -> Flow[SessionRecord | None]:
        ref = keys.session_id(value)
        if ref is None:
            return None
        found = self.cached(*ref)
        if found is not None:
            return found
        read = yield from self._op("read", *ref, keys.max_age, keys.update_age)
        if read is None:
            return None
        data, seconds_left, renewed = read
        return SessionRecord.from_json(data, now + float(seconds_left), renewed=bool(renewed))

    def save(
        self, keys: SessionKeys, value: str | None, token: SessionToken
    ) -> Flow[tuple[str, float | None] | None]:
        data = json.dumps(token, separators=(",", ":"))
        if value is None:
            tag, sid = user_tag(str(token["sub"])), secrets.token_urlsafe(24)
            yield from self._op("create", tag, sid, data, keys.max_age, person_of(token))
            return keys.id_value(tag, sid), keys.clock() + keys.max_age
        ref = keys.session_id(value)
        if ref is None or not (yield from self._op("update", *ref, data, person_of(token))):
            return None
        return value, None  # the id stays, and so does the record's TTL

    # unchanged_until stays 0.0 without a local cache (.cache): every request asks the
    # store. The cache answers for the records it serves, with its version.

    def refresh(
        self, keys: SessionKeys, value: str, record: SessionRecord, token: SessionToken, now: float
    ) -> tuple[str, float] | None:
        # The store reset the record's TTL to max_age on this read; the cookie follows.
        return (value, record.expires_at) if record.renewed else None

    def end(self, keys: SessionKeys, value: str) -> Flow[SessionToken | None]:
        ref = keys.session_id(value)
        if ref is None:
            return None
        data = yield from self._op("delete", *ref)
        record = SessionRecord.from_json(data, 0.0) if data is not None else None
        return record.token() if record is not None else None

    def remember_sign_in(
        self, keys: SessionKeys, state: str, record: dict[str, Any], ttl: int
    ) -> Flow[None]:
        # A one-time record: the callback redeems it once, on any worker or host.
        data = json.dumps(record, separators=(",", ":"))
        yield from self._op("put_once", _once_key(state), data, ttl)

    def redeem_sign_in(
        self, keys: SessionKeys, state: str, code_verifier: str, ttl: int
    ) -> Flow[bool]:
        # Taken only when the store answers: an outage leaves it for a retry.
        data = yield from self._op("take_once", _once_key(state))
        try:
            record = json.loads(data) if data is not None else None
        except ValueError:
            return False
        return isinstance(record, dict) and record.get("v") == code_verifier

    # -- what a directory's events change (see _lifecycle/directory.py) -------------------

    def revoke_person(self, person: str) -> Flow[int]:
        """End every session kept under ``person``; how many were live."""
        return int((yield from self._op("revoke_person", person)))

    def regroup(self, person: str, added: list[str], removed: list[str]) -> Flow[int]:
        """Change the groups of every session of ``person``; how many changed."""
        return int((yield from self._op("regroup", person, added, removed)))

    def claim_once(self, name: str, ttl: int) -> Flow[bool]:
        """``True`` for the first to claim ``name`` (within ``ttl`` seconds), on any
        worker or host; ``False`` for every later claim."""
        return bool((yield from self._op("claim_once", _once_key(name), ttl)))

    def keep_claim(self, name: str, ttl: int) -> Flow[None]:
        """Keep the claim of ``name`` for ``ttl`` seconds from now."""
        yield from self._op("put_once", _once_key(name), "1", ttl)

    def release(self, name: str) -> Flow[None]:
        """Give a claim back (the work it guarded failed: let a retry do it)."""
        yield from self._op("take_once", _once_key(name))

    def get_value(self, name: str) -> Flow[str | None]:
        data = yield from self._op("get_value", name)
        return data if isinstance(data, str) else None

    def put_value(self, name: str, value: str) -> Flow[None]:
        yield from self._op("put_value", name, value)

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


def person_of(token: SessionToken) -> str | None:
    """The person index a session is kept under (:func:`person_tag`): its organization
    plus the IdP's user id, or plus the email when the provider gave no IdP id and did
    not say the email is unverified; ``None`` without an organization (such a session
    is not a directory's to end)."""
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


def _once_key(state: str) -> str:
    return hashlib.sha256(state.encode("utf-8", "replace")).hexdigest()


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
