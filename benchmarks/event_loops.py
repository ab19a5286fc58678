"""The provider client under many event loops: one pooled client per running loop
(what the ASGI adapter does) against a new client for every request.

Against the local emulator (its own uvicorn process, over loopback HTTP), sequential
``GET /organizations?domains=example.com`` (the organization lookup of a sign-in):

- ``per loop``: :class:`workos_middleware._base.per_loop.PerLoop` hands out the loop's
  client, whose connection is kept alive between requests;
- ``per request``: a client made (``_drivers.new_async_client``: its TLS context
  included) and closed around each request: a new TCP connection each time;
- ``client construction``: making and closing a client alone, no request (what a
  per-request client adds before any handshake; over HTTPS to a real provider a TLS
  handshake, one round trip or more, comes on top);
- ``lookup``: ``PerLoop.get()`` for a loop that has its client (the per-request cost of
  the table).

Run alone: ``python benchmarks/event_loops.py [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable

from signin_flows import emulator

from workos_middleware._adapters.drivers import async_clients, new_async_client
from workos_middleware.emulator import DEFAULT_API_KEY

HOST = "127.0.0.1"


async def _timed(rounds: int, step: Callable[[], Awaitable[object]]) -> list[float]:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        await step()
        times.append(time.perf_counter() - start)
    return times


def _line(name: str, times: list[float]) -> None:
    median = statistics.median(times) * 1e3
    p90 = sorted(times)[int(len(times) * 0.9)] * 1e3
    print(f"{name:<22} median {median:8.3f} ms   p90 {p90:8.3f} ms   ({len(times)} rounds)")


async def _measure(url: str, rounds: int) -> None:
    headers = {"authorization": f"Bearer {DEFAULT_API_KEY}"}
    clients = async_clients(10.0)

    async def per_loop() -> None:
        client = await clients.get()
        (await client.get(url, headers=headers)).raise_for_status()

    async def per_request() -> None:
        async with new_async_client(10.0) as client:
            (await client.get(url, headers=headers)).raise_for_status()

    async def construction() -> None:
        await new_async_client(10.0).aclose()

    await per_loop()  # warm: the loop's client and its connection exist
    _line("per loop", await _timed(rounds, per_loop))
    _line("per request", await _timed(rounds, per_request))
    _line("client construction", await _timed(rounds, construction))
    _line("lookup", await _timed(rounds * 10, clients.get))
    await clients.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    args = parser.parse_args()
    rounds = 50 if args.quick else 500
    with emulator() as port:
        url = f"http://{HOST}:{port}/organizations?domains=example.com"
        asyncio.run(_measure(url, rounds))


if __name__ == "__main__":
    main()
