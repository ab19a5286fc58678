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

* ``create(tag, sid, data, ttl)``: keep ``data`` for ``ttl`` seconds, indexed under
  the user's ``tag``; returns ``None``.
* ``read(tag, sid, max_age, update_age)``: ``(data, seconds_left, refreshed)`` or
  ``None``; when at least ``update_age`` seconds have passed since the record was
  written or last refreshed, its TTL is reset to ``max_age`` (``refreshed=True``).
* ``update(tag, sid, data)``: replace a live record's data, keeping its TTL; returns
  whether it was there (a provider's refreshed tokens, an organization switch).
* ``delete(tag, sid)``: remove the record now; returns its data or ``None``.
* ``revoke(tag)``: remove every record of the user; returns how many.
* ``put_once(key, data, ttl)`` and ``take_once(key)``: a one-time record (the pending
  sign-in), read and deleted in one atomic step, whichever worker or host asks.
"""

from __future__ import annotations

import hashlib
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from ._effects import StoreOp
from ._errors import WorkOSMiddlewareError

if TYPE_CHECKING:
    pass

__all__ = [
    "CookieSessionStore",
    "MemorySessionStore",
    "ServerSessionStore",
    "SessionStore",
    "StoreUnavailable",
    "user_tag",
]

OpName = Literal["create", "read", "update", "delete", "revoke", "put_once", "take_once"]


class StoreUnavailable(WorkOSMiddlewareError):
    """The session store could not be reached or refused an operation.

    Requests that need the store fail closed with a 503; the message names the store
    and the cause, for the operator's log.
    """


def user_tag(user_id: str) -> str:
    """The user's index tag: a hash, so the cookie names no user and Redis keys of one
    user share a cluster slot."""
    digest = hashlib.sha256(b"workos-middleware user\0" + user_id.encode("utf-8", "replace"))
    return digest.hexdigest()[:32]


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

    @abstractmethod
    def execute(self, op: StoreOp) -> Any:
        """Run ``op`` with blocking I/O (WSGI); raises :class:`StoreUnavailable`."""

    @abstractmethod
    async def aexecute(self, op: StoreOp) -> Any:
        """Run ``op`` with asyncio I/O (ASGI); raises :class:`StoreUnavailable`."""

    def close(self) -> None:
        """Release the blocking client's connections (the WSGI adapter's ``close``)."""

    async def aclose(self) -> None:
        """Release the asyncio client's connections (ASGI lifespan shutdown)."""

    # -- sign out everywhere --------------------------------------------------------

    async def revoke_user(self, user_id: str) -> int:
        """Sign ``user_id`` out everywhere, now: every session of theirs is deleted and
        their cookies stop working on the next request. Returns how many sessions
        there were. ``user_id`` is the session's ``sub`` (the WorkOS profile id)."""
        count: int = await self.aexecute(StoreOp(self, "revoke", (user_tag(user_id),)))
        return count

    def revoke_user_sync(self, user_id: str) -> int:
        """:meth:`revoke_user` with blocking I/O (WSGI apps, scripts, admin tasks)."""
        count: int = self.execute(StoreOp(self, "revoke", (user_tag(user_id),)))
        return count


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
        self._once: dict[str, tuple[str, float]] = {}
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

    def _create(self, now: float, tag: str, sid: str, data: str, ttl: int) -> None:
        self._records[f"{tag}.{sid}"] = (data, now + ttl, now)
        self._index.setdefault(tag, set()).add(sid)
        if len(self._records) >= self._sweep_at:  # sessions never read again expire here
            for key in [k for k, record in self._records.items() if record[1] <= now]:
                self._drop(*key.split(".", 1))
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

    def _update(self, now: float, tag: str, sid: str, data: str) -> bool:
        record = self._records.get(f"{tag}.{sid}")
        if record is None or record[1] <= now:
            return False
        self._records[f"{tag}.{sid}"] = (data, record[1], record[2])
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

    def _put_once(self, now: float, key: str, data: str, ttl: int) -> None:
        self._once[key] = (data, now + ttl)
        if len(self._once) > 10_000:  # abandoned sign-ins: drop the expired ones
            self._once = {k: v for k, v in self._once.items() if v[1] > now}

    def _take_once(self, now: float, key: str) -> str | None:
        record = self._once.pop(key, None)
        return record[0] if record is not None and record[1] > now else None

    def _drop(self, tag: str, sid: str) -> None:
        self._records.pop(f"{tag}.{sid}", None)
        sids = self._index.get(tag)
        if sids is not None:
            sids.discard(sid)
            if not sids:
                del self._index[tag]
