"""One asyncio client per running event loop, closed when its loop ends.

An asyncio client (httpx's ``AsyncClient``, ``redis.asyncio``) keeps pooled connections
whose streams belong to the loop that opened them; used from another loop they fail
with ``Event loop is closed`` or hang. An app can be driven by many loops: Starlette's
``TestClient`` without a ``with`` block runs each request in a new one, a server may run
one loop per thread. :class:`PerLoop` gives each running loop its own client, made on
first use in that loop.

Closing: when a loop is shut down the standard way (``asyncio.run``, ``asyncio.Runner``,
``anyio.run``, uvicorn: they all call ``loop.shutdown_asyncgens()``), a small async
generator started in that loop for the purpose is finalised, and closes the loop's
client there, inside its own loop. A loop closed without that call leaves its client
behind: it is dropped when another loop asks for a client (its sockets are then closed
by the garbage collector), so no client outlives its loop in the table.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Generic, TypeVar

__all__ = ["PerLoop"]

C = TypeVar("C")


class PerLoop(Generic[C]):
    """The client of the running loop, made by ``make()`` and closed by ``close(client)``."""

    def __init__(self, make: Callable[[], C], close: Callable[[C], Awaitable[object]]) -> None:
        self._make = make
        self._close = close
        self._lock = threading.RLock()  # the keeper's finally may run under it
        self._clients: dict[asyncio.AbstractEventLoop, tuple[C, AsyncGenerator[None, None]]] = {}

    def __len__(self) -> int:
        """How many loops hold a client now."""
        return len(self._clients)

    async def get(self) -> C:
        """The running loop's client (made now if the loop has none)."""
        loop = asyncio.get_running_loop()
        entry = self._clients.get(loop)
        if entry is not None:
            return entry[0]
        with self._lock:
            self._drop_closed_loops()
            client = self._make()
            keeper = self._keeper(loop, client)
            self._clients[loop] = (client, keeper)
        # Its first step registers it with this loop, which finalises it at shutdown.
        await keeper.__anext__()
        return client

    def current(self) -> C | None:
        """The running loop's client if it has one (no client is made)."""
        entry = self._clients.get(asyncio.get_running_loop())
        return None if entry is None else entry[0]

    async def aclose(self) -> None:
        """Close the running loop's client (the ASGI lifespan shutdown)."""
        with self._lock:
            entry = self._clients.get(asyncio.get_running_loop())
        if entry is not None:
            await entry[1].aclose()

    async def _keeper(
        self, loop: asyncio.AbstractEventLoop, client: C
    ) -> AsyncGenerator[None, None]:
        try:
            yield
        finally:
            with self._lock:
                found = self._clients.get(loop)
                if found is not None and found[0] is client:
                    del self._clients[loop]
            if not loop.is_closed():
                await self._close(client)

    def _drop_closed_loops(self) -> None:
        """Forget the clients of loops closed without ``shutdown_asyncgens()``."""
        for loop in [loop for loop in self._clients if loop.is_closed()]:
            _, keeper = self._clients.pop(loop)
            # Ends the keeper without a loop: its ``finally`` sees the loop closed and
            # does not await; the finished generator is never finalised again.
            closing = keeper.aclose().__await__()
            with contextlib.suppress(StopIteration, RuntimeError):
                next(closing)
