"""Outbound I/O and user callbacks as values, so one flow serves both adapters.

A flow is a generator, in the manner of ``httpx.Auth.auth_flow``: it yields a
:class:`Fetch` when it needs an HTTP response, a :class:`Call` when it needs a user
callback's result, or a :class:`StoreOp` when it needs the session store (Redis), and
is sent the answer back. An exception the I/O raised is thrown
into the generator at the ``yield``, so the core handles failures with ordinary
``try``/``except``. The loops that run flows are in :mod:`._drivers`, used only by the
adapters. Providers use these effects too: they are public in
:mod:`workos_middleware.providers`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, Final, Protocol, TypeVar

import httpx

from .errors import ProviderUnavailable

__all__ = ["Call", "Fetch", "Flow", "OpStore", "StoreOp", "call", "elapsed", "fetch"]

T = TypeVar("T")


@dataclass(frozen=True)
class Fetch:
    """Send this request; answer with the ``httpx.Response`` (body read, size-capped).

    With ``shared``, requests of this process with the same key are collapsed into one:
    while one is in flight the others wait for its answer, and a successful answer is
    reused for a short grace period (a refresh-token grant must run once, not once per
    concurrent request holding the same old token)."""

    request: httpx.Request
    shared: str | None = None


@dataclass(frozen=True)
class Call:
    """Call this user callback; answer with its result (awaited under ASGI)."""

    function: Callable[..., Any]
    args: tuple[Any, ...]


class OpStore(Protocol):
    """What runs a :class:`StoreOp`: a server-side session store."""

    def execute(self, op: StoreOp) -> Any:
        """Run ``op`` with blocking I/O (the WSGI driver)."""

    async def aexecute(self, op: StoreOp) -> Any:
        """Run ``op`` with asyncio I/O (the ASGI driver)."""


@dataclass(frozen=True)
class StoreOp:
    """Run this operation on a server-side session store; answer with its result.

    The operations and their arguments are listed in :mod:`._session_store`.
    """

    store: OpStore
    name: str
    args: tuple[Any, ...]


Flow = Generator["Fetch | Call | StoreOp", Any, T]


def call(function: Callable[..., Any], *args: Any) -> Flow[Any]:
    """Yield-from helper: ``result = yield from call(fn, a, b)``."""
    return (yield Call(function, args))


ELAPSED: Final = "workos_middleware.elapsed"


def fetch(request: httpx.Request, *, shared: str | None = None) -> Flow[httpx.Response]:
    """Yield-from helper: ``response = yield from fetch(request)``.

    A request that never got an answer (connection refused, DNS failure, timeout, a
    broken connection) raises :class:`~._errors.ProviderUnavailable` naming the URL, the
    exception and the time taken; the seconds an answer took are in
    ``response.extensions["workos_middleware.elapsed"]`` (see :func:`elapsed`).
    """
    started = time.monotonic()
    try:
        response: httpx.Response = yield Fetch(request, shared)
    except httpx.TransportError as exc:
        took = time.monotonic() - started
        raise ProviderUnavailable(
            f"{request.method} {request.url.copy_with(query=None)} failed after {took:.2f} s: "
            f"{type(exc).__name__}: {exc or 'no detail'}"
        ) from exc
    response.extensions[ELAPSED] = time.monotonic() - started
    return response


def elapsed(response: httpx.Response) -> float:
    """The seconds ``response`` took, as :func:`fetch` measured them (0 if unknown)."""
    value = response.extensions.get(ELAPSED, 0.0)
    return float(value) if isinstance(value, (int, float)) else 0.0
