"""The loops that run flows: blocking for WSGI, asyncio for ASGI. Used only by the adapters.

Each answers a :class:`~._effects.Fetch` with the adapter's httpx client (the body read
in full but capped at :data:`MAX_PROVIDER_RESPONSE_BYTES`), a
:class:`~._effects.Call` by calling the user's function (awaiting it under ASGI) and a
:class:`~._effects.StoreOp` with the store's blocking ``execute`` or asyncio
``aexecute``, where whatever the store raises becomes one
:class:`~._session_store.StoreUnavailable` (the core answers it with a 503).
These two drivers are the only code that differs between the adapters.

The asyncio driver takes its client from :func:`async_clients` (one per running event
loop, see :mod:`._per_loop`): pooled connections belong to the loop that opened them.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, Generic, TypeVar

import httpx

from .._base.effects import Call, Fetch, Flow, StoreOp
from .._base.errors import ConfigurationError, ProviderError
from .._base.per_loop import PerLoop
from .._sessions.store import arun_store_op, run_store_op
from .single_flight import SHARED

__all__ = [
    "MAX_PROVIDER_RESPONSE_BYTES",
    "AsyncClients",
    "async_clients",
    "new_async_client",
    "new_client",
    "run_async",
    "run_sync",
]

T = TypeVar("T")

MAX_PROVIDER_RESPONSE_BYTES = 1024 * 1024


class _CappedBody:
    """The chunks of a provider response, refusing more than the cap."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.size = 0

    def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > MAX_PROVIDER_RESPONSE_BYTES:
            raise ProviderError(f"provider response exceeds {MAX_PROVIDER_RESPONSE_BYTES} bytes")
        self.chunks.append(chunk)


def _finish(response: httpx.Response, body: _CappedBody) -> httpx.Response:
    # The chunks are already decoded: drop the headers that describe the wire form.
    headers = [
        (name, value)
        for name, value in response.headers.multi_items()
        if name not in ("content-encoding", "content-length", "transfer-encoding")
    ]
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=b"".join(body.chunks),
        request=response.request,
    )


def new_client(timeout: float) -> httpx.Client:
    """The adapters' blocking client for provider calls: pooled, ``timeout`` seconds per
    request (5 to connect), no redirects followed, no retries."""
    return httpx.Client(timeout=httpx.Timeout(timeout, connect=5.0), follow_redirects=False)


def new_async_client(timeout: float) -> httpx.AsyncClient:
    """The asyncio twin of :func:`new_client`, with the same settings."""
    return httpx.AsyncClient(timeout=httpx.Timeout(timeout, connect=5.0), follow_redirects=False)


AsyncClients = PerLoop[httpx.AsyncClient]
"""The asyncio clients of an adapter, one per running event loop."""


def async_clients(timeout: float) -> AsyncClients:
    """One :func:`new_async_client` per running event loop, each closed with its loop."""
    return PerLoop(lambda: new_async_client(timeout), lambda client: client.aclose())


def _send_sync(client: httpx.Client, request: httpx.Request) -> httpx.Response:
    response = client.send(request, stream=True)
    body = _CappedBody()
    try:
        for chunk in response.iter_bytes():
            body.add(chunk)
    finally:
        response.close()
    return _finish(response, body)


async def _send_async(client: httpx.AsyncClient, request: httpx.Request) -> httpx.Response:
    response = await client.send(request, stream=True)
    body = _CappedBody()
    try:
        async for chunk in response.aiter_bytes():
            body.add(chunk)
    finally:
        await response.aclose()
    return _finish(response, body)


class _Done(Generic[T]):
    """A flow's result (made once per driven flow: a slotted class, not a dataclass)."""

    __slots__ = ("result",)

    def __init__(self, result: T) -> None:
        self.result = result


def _step(flow: Flow[T], answer: Any, error: Exception | None) -> Fetch | Call | StoreOp | _Done[T]:
    """Give the flow the last answer (or throw the last error in); its next effect."""
    try:
        return flow.throw(error) if error is not None else flow.send(answer)
    except StopIteration as stop:
        return _Done(stop.value)


def run_sync(flow: Flow[T], client: httpx.Client) -> T:
    """Drive ``flow`` to its result with blocking I/O (the WSGI adapter)."""
    answer: Any = None
    error: Exception | None = None
    while True:
        effect = _step(flow, answer, error)
        if isinstance(effect, _Done):
            return effect.result
        answer, error = None, None
        try:
            if isinstance(effect, Fetch) and effect.shared is not None:
                send = functools.partial(_send_sync, client, effect.request)
                answer = SHARED.send_sync(effect.shared, send)
            elif isinstance(effect, Fetch):
                answer = _send_sync(client, effect.request)
            elif isinstance(effect, StoreOp):
                answer = run_store_op(effect)
            else:
                answer = effect.function(*effect.args)
                if inspect.isawaitable(answer):
                    if inspect.iscoroutine(answer):
                        answer.close()
                    raise ConfigurationError(
                        f"callback {effect.function!r} is async; the WSGI adapter needs "
                        "plain functions"
                    )
        except Exception as exc:
            error = exc


async def run_async(flow: Flow[T], clients: AsyncClients | httpx.AsyncClient) -> T:
    """Drive ``flow`` to its result with asyncio I/O (the ASGI adapter). ``clients``:
    the running loop's client is taken (or made) at the first ``Fetch``; a single
    client given by the app is used as it is."""
    answer: Any = None
    error: Exception | None = None
    while True:
        effect = _step(flow, answer, error)
        if isinstance(effect, _Done):
            return effect.result
        answer, error = None, None
        try:
            if isinstance(effect, Fetch):
                if isinstance(clients, httpx.AsyncClient):
                    client = clients
                else:
                    client = await clients.get()
                if effect.shared is not None:
                    send_async = functools.partial(_send_async, client, effect.request)
                    answer = await SHARED.send_async(effect.shared, send_async)
                else:
                    answer = await _send_async(client, effect.request)
            elif isinstance(effect, StoreOp):
                answer = await arun_store_op(effect)
            else:
                answer = effect.function(*effect.args)
                if inspect.isawaitable(answer):
                    answer = await answer
        except Exception as exc:
            error = exc
