"""Collapsing identical outbound requests of one process into one (``Fetch.shared``).

Two requests from the same browser (or two tabs) that both find the access token about
to expire would each redeem the same single-use refresh token; the second would fail and
sign the user out. Keyed by the refresh token, the drivers send such a request once:
the others wait for its answer, and a successful answer is reused for
:data:`GRACE_SECONDS` afterwards, for requests that were already on their way with the
old cookie. Failures are not kept: the next request tries again.

This is per process (one registry for threads, one per event loop for tasks). Across
processes nothing is shared; see docs/providers.md for what that means for refresh.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

from .._base.errors import ProviderError

__all__ = ["GRACE_SECONDS", "SHARED", "SharedRequests"]

GRACE_SECONDS = 30.0
WAIT_SECONDS = 30.0


@dataclass
class _ThreadEntry:
    done: threading.Event = field(default_factory=threading.Event)
    response: httpx.Response | None = None
    error: BaseException | None = None
    finished: float = 0.0


@dataclass
class _TaskEntry:
    future: asyncio.Future[httpx.Response]
    finished: float = 0.0


class SharedRequests:
    def __init__(self, grace: float = GRACE_SECONDS) -> None:
        self.grace = grace
        self._lock = threading.Lock()
        self._threads: dict[str, _ThreadEntry] = {}
        self._tasks: dict[tuple[int, str], _TaskEntry] = {}

    def _prune(self, now: float) -> None:
        for key in [
            k for k, e in self._threads.items() if e.finished and now - e.finished > self.grace
        ]:
            del self._threads[key]
        for task_key in [
            k for k, e in self._tasks.items() if e.finished and now - e.finished > self.grace
        ]:
            del self._tasks[task_key]

    def send_sync(self, key: str, send: Callable[[], httpx.Response]) -> httpx.Response:
        with self._lock:
            self._prune(time.monotonic())
            entry = self._threads.get(key)
            owner = entry is None
            if entry is None:
                entry = self._threads[key] = _ThreadEntry()
        if not owner:
            if not entry.done.wait(WAIT_SECONDS):
                raise ProviderError("a shared provider request did not finish in time")
            if entry.error is not None:
                raise ProviderError(f"the shared provider request failed: {entry.error!r}")
            assert entry.response is not None
            return entry.response
        try:
            entry.response = send()
        except BaseException as exc:
            entry.error = exc
            with self._lock:
                self._threads.pop(key, None)
            raise
        finally:
            entry.finished = time.monotonic()
            entry.done.set()
        return entry.response

    async def send_async(
        self, key: str, send: Callable[[], Awaitable[httpx.Response]]
    ) -> httpx.Response:
        loop = asyncio.get_running_loop()
        with self._lock:
            self._prune(time.monotonic())
            entry = self._tasks.get((id(loop), key))
            owner = entry is None
            if entry is None:
                entry = self._tasks[(id(loop), key)] = _TaskEntry(loop.create_future())
        if not owner:
            return await asyncio.shield(entry.future)
        try:
            response = await send()
        except BaseException as exc:
            with self._lock:
                self._tasks.pop((id(loop), key), None)
            entry.future.set_exception(
                exc if isinstance(exc, Exception) else ProviderError("cancelled")
            )
            entry.future.exception()  # retrieved here: waiters, if any, get it too
            raise
        finally:
            entry.finished = time.monotonic()
        entry.future.set_result(response)
        return response


SHARED = SharedRequests()
