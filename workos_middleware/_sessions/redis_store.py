"""Server-side sessions in Redis: ``redis://``, ``rediss://`` and Redis Cluster.

Needs the ``redis`` package: ``pip install 'workos-middleware[redis]'``. Under ASGI the
operations run on ``redis.asyncio``, under WSGI on the blocking client; each operation
is written once, as a little generator of Redis commands (see :func:`_steps`), which a
blocking and an asyncio driver feed with replies.

Keys (``prefix`` defaults to ``wm:``)::

    wm:{<tag>}:s:<sid>   one session: the token as JSON; TTL = session_max_age
    wm:{<tag>}:i         the user's index: sorted set of sids, scored by expiry (ms)
    wm:{<person>}:p      a person's index (organization + IdP id or email): sorted
                         set of "<tag>.<sid>", scored by expiry (ms)
    wm:once:<sha256>     a pending sign-in (state + PKCE verifier); TTL 15 minutes;
                         an applied event's id, a lock
    wm:value:<name>      a lasting value (the Events API cursor)

``<tag>`` is a hash of the user id. The braces are a Redis Cluster hash tag: a user's
sessions and index share one slot, so "sign out everywhere" reads the index and
deletes the sessions on one node, without scanning the keyspace, and the scripts that
write a session and its index entry run atomically even on a cluster.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .._base.effects import StoreOp
from .._base.errors import ConfigurationError
from .._base.per_loop import PerLoop
from .store import ServerSessionStore, regrouped

__all__ = ["RedisSessionStore"]

Command = tuple[Any, ...]
Steps = Generator[Command, Any, Any]

_SCHEMES = {
    "redis": ("redis", False),
    "rediss": ("rediss", False),
    "unix": ("unix", False),
    "redis+cluster": ("redis", True),
    "rediss+cluster": ("rediss", True),
}

# KEYS: session, index. ARGV: data, ttl ms, sid. The index keeps the longest TTL.
_CREATE = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local ttl = tonumber(ARGV[2])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('ZADD', KEYS[2], now + ttl, ARGV[3])
if redis.call('PTTL', KEYS[2]) < ttl then redis.call('PEXPIRE', KEYS[2], ttl) end
return 1
"""

# KEYS: session, index. ARGV: max_age ms, update_age ms, sid.
# Returns nil, or {data, ms left, refreshed 0/1}. PEXPIRE never revives a deleted key.
_READ = """
local data = redis.call('GET', KEYS[1])
if not data then return nil end
local left = redis.call('PTTL', KEYS[1])
local max_age = tonumber(ARGV[1])
if max_age - left < tonumber(ARGV[2]) then return {data, left, 0} end
redis.call('PEXPIRE', KEYS[1], max_age)
local t = redis.call('TIME')
redis.call('ZADD', KEYS[2], t[1] * 1000 + math.floor(t[2] / 1000) + max_age, ARGV[3])
if redis.call('PTTL', KEYS[2]) < max_age then redis.call('PEXPIRE', KEYS[2], max_age) end
return {data, max_age, 1}
"""

# KEYS: session, index. ARGV: sid.
_DELETE = """
local data = redis.call('GET', KEYS[1])
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return data
"""

# KEYS: index. The index is read and deleted in one step; the sessions it names are
# deleted next. A session written after this step belongs to a later sign-in.
_TAKE_INDEX = """
local sids = redis.call('ZRANGE', KEYS[1], 0, -1)
redis.call('DEL', KEYS[1])
return sids
"""


# KEYS: a person's index. ARGV: ttl ms, "<tag>.<sid>". The index keeps the longest TTL.
_INDEX_PERSON = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local ttl = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + ttl, ARGV[2])
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1
"""

# KEYS: session. ARGV: the data read, the data to write. Written only if unchanged since.
_SWAP = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'XX', 'KEEPTTL')
return 1
"""


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


class RedisSessionStore(ServerSessionStore):
    """Sessions in Redis, shared by every worker and host that uses the same Redis.

    ``url``: ``redis://``, ``rediss://`` (TLS), ``unix://``; a Redis Cluster as
    ``redis+cluster://host:port`` (any node) or ``cluster=True``. ``timeout`` bounds each
    connect and command (seconds): a Redis that is down fails requests closed (503), fast.
    ``options`` go to the redis client (``ssl_ca_certs``, ...). Needs Redis >= 6.2."""

    kind = "redis"

    def __init__(
        self,
        url: str,
        *,
        cluster: bool | None = None,
        prefix: str = "wm:",
        timeout: float = 2.0,
        **options: Any,
    ) -> None:
        try:
            import redis  # noqa: F401
        except ImportError as exc:
            raise ConfigurationError(
                "RedisSessionStore needs the redis package: pip install 'workos-middleware[redis]'"
            ) from exc
        if not isinstance(url, str) or not url:
            raise ConfigurationError("RedisSessionStore needs a url, like redis://127.0.0.1:6379/0")
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in _SCHEMES:
            raise ConfigurationError(
                f"the Redis URL must start with redis://, rediss://, unix://, "
                f"redis+cluster:// or rediss+cluster://; got {_redacted(url)!r}"
            )
        client_scheme, scheme_cluster = _SCHEMES[scheme]
        if scheme != "unix" and not parts.hostname:
            raise ConfigurationError(f"the Redis URL names no host: {_redacted(url)!r}")
        try:
            parts.port  # noqa: B018  (raises on a malformed port)
        except ValueError as exc:
            raise ConfigurationError(
                f"the Redis URL has an invalid port: {_redacted(url)!r}"
            ) from exc
        self.cluster = scheme_cluster if cluster is None else cluster
        if self.cluster and scheme == "unix":
            raise ConfigurationError("a Redis Cluster is reached over TCP, not a unix socket")
        if not isinstance(prefix, str) or "{" in prefix or "}" in prefix:
            raise ConfigurationError("the Redis key prefix must be a string without { or }")
        if not (isinstance(timeout, (int, float)) and timeout > 0):
            raise ConfigurationError("the Redis timeout must be a positive number of seconds")
        self.url = urlunsplit(parts._replace(scheme=client_scheme))
        self.prefix = prefix
        self.timeout = float(timeout)
        self.options = options
        self._sync: Any = None
        # redis.asyncio's pooled connections belong to the loop that opened them.
        self._async: PerLoop[Any] = PerLoop(self._new_async_client, lambda c: c.aclose())

    def describe(self) -> str:
        mode = "Redis Cluster" if self.cluster else "Redis"
        return f"{mode} at {_redacted(self.url)}"

    # -- clients (made on first use: nothing connects at construction or in a fork) --

    def _client_options(self) -> dict[str, Any]:
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        options: dict[str, Any] = {
            "decode_responses": True,
            "socket_timeout": self.timeout,
            "socket_connect_timeout": self.timeout,
            # One immediate retry: a pooled connection that died with a Redis restart
            # is replaced, and a Redis that is really down fails fast.
            "retry": Retry(NoBackoff(), 1),
        }
        options.update(self.options)
        return options

    def sync_client(self) -> Any:
        """The blocking client (``redis.Redis`` or ``redis.cluster.RedisCluster``)."""
        if self._sync is None:
            if self.cluster:
                from redis.cluster import RedisCluster

                self._sync = RedisCluster.from_url(self.url, **self._client_options())
            else:
                from redis import Redis

                self._sync = Redis.from_url(self.url, **self._client_options())
        return self._sync

    def _new_async_client(self) -> Any:
        if self.cluster:
            from redis.asyncio.cluster import RedisCluster as AsyncRedisCluster

            return AsyncRedisCluster.from_url(self.url, **self._client_options())
        from redis.asyncio import Redis as AsyncRedis

        return AsyncRedis.from_url(self.url, **self._client_options())

    async def async_client(self) -> Any:
        """The asyncio client of the running event loop (one per loop, see ``_per_loop``)."""
        return await self._async.get()

    def close(self) -> None:
        client, self._sync = self._sync, None
        if client is not None:
            client.close()

    async def aclose(self) -> None:
        await self._async.aclose()

    # -- the operations ----------------------------------------------------------------

    # Whatever these raise (redis-py's RedisError, its RedisClusterException, which is
    # not one, OSError, ...) the driver reports as StoreUnavailable with this hint.
    outage_hint = (
        "Check that Redis is running and reachable, or fix the session_store setting "
        "(AUTH_REDIS_URL)."
    )

    def execute(self, op: StoreOp) -> Any:
        steps = self._steps(op)
        try:
            client = self.sync_client()
            reply: Any = None
            while True:
                command = steps.send(reply)
                reply = client.execute_command(*command)
        except StopIteration as done:
            return done.value

    async def aexecute(self, op: StoreOp) -> Any:
        steps = self._steps(op)
        try:
            client = await self.async_client()
            reply: Any = None
            while True:
                command = steps.send(reply)
                reply = await client.execute_command(*command)
        except StopIteration as done:
            return done.value

    def _steps(self, op: StoreOp) -> Steps:
        """The Redis commands of ``op``: each ``yield`` sends one and gets its reply."""
        method = getattr(self, "_op_" + op.name)
        steps: Steps = method(*op.args)
        return steps

    def _keys(self, tag: str, sid: str) -> tuple[str, str]:
        return f"{self.prefix}{{{tag}}}:s:{sid}", f"{self.prefix}{{{tag}}}:i"

    def _person_key(self, person: str) -> str:
        return f"{self.prefix}{{{person}}}:p"

    def _op_create(
        self, tag: str, sid: str, data: str, ttl: int, person: str | None = None
    ) -> Steps:
        session, index = self._keys(tag, sid)
        yield ("EVAL", _CREATE, 2, session, index, data, ttl * 1000, sid)
        if person is not None:  # another slot on a cluster: its own script
            yield ("EVAL", _INDEX_PERSON, 1, self._person_key(person), ttl * 1000, f"{tag}.{sid}")

    def _op_read(self, tag: str, sid: str, max_age: int, update_age: int) -> Steps:
        session, index = self._keys(tag, sid)
        reply = yield ("EVAL", _READ, 2, session, index, max_age * 1000, update_age * 1000, sid)
        if not reply:
            return None
        data, left_ms, refreshed = reply
        return data, max(int(left_ms), 0) / 1000, bool(int(refreshed))

    def _op_update(self, tag: str, sid: str, data: str, person: str | None = None) -> Steps:
        session = self._keys(tag, sid)[0]
        reply = yield ("SET", session, data, "XX", "KEEPTTL")
        if reply is None:
            return False
        if person is not None:
            left = int((yield ("PTTL", session)))
            if left > 0:
                member = f"{tag}.{sid}"
                yield ("EVAL", _INDEX_PERSON, 1, self._person_key(person), left, member)
        return True

    def _op_delete(self, tag: str, sid: str) -> Steps:
        session, index = self._keys(tag, sid)
        data = yield ("EVAL", _DELETE, 2, session, index, sid)
        return data

    def _op_revoke(self, tag: str) -> Steps:
        _, index = self._keys(tag, "")
        sids = yield ("EVAL", _TAKE_INDEX, 1, index)
        deleted = 0
        for start in range(0, len(sids or ()), 500):
            batch = [self._keys(tag, sid)[0] for sid in sids[start : start + 500]]
            deleted += int((yield ("DEL", *batch)))
        return deleted

    def _op_revoke_person(self, person: str) -> Steps:
        members = yield ("EVAL", _TAKE_INDEX, 1, self._person_key(person))
        live = 0
        for member in members or ():
            tag, _, sid = str(member).partition(".")
            session, index = self._keys(tag, sid)
            data = yield ("EVAL", _DELETE, 2, session, index, sid)
            live += data is not None
        return live

    def _op_regroup(self, person: str, added: list[str], removed: list[str]) -> Steps:
        members = yield ("ZRANGE", self._person_key(person), 0, -1)
        changed = 0
        for member in members or ():
            tag, _, sid = str(member).partition(".")
            session = self._keys(tag, sid)[0]
            data = yield ("GET", session)
            if data is None:
                continue
            new = regrouped(data, frozenset(added), frozenset(removed))
            if new is not None:
                changed += int((yield ("EVAL", _SWAP, 1, session, data, new)))
        return changed

    def _op_claim_once(self, key: str, ttl: int) -> Steps:
        reply = yield ("SET", f"{self.prefix}once:{key}", "1", "NX", "EX", ttl)
        return reply is not None

    def _op_get_value(self, key: str) -> Steps:
        data = yield ("GET", f"{self.prefix}value:{key}")
        return data

    def _op_put_value(self, key: str, data: str) -> Steps:
        yield ("SET", f"{self.prefix}value:{key}", data)

    def _op_put_once(self, key: str, data: str, ttl: int) -> Steps:
        yield ("SET", f"{self.prefix}once:{key}", data, "EX", ttl)

    def _op_take_once(self, key: str) -> Steps:
        data = yield ("GETDEL", f"{self.prefix}once:{key}")
        return data
