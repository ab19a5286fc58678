"""A small HTTP/1.1 client and load generator on asyncio streams, for loopback only.

Used when ``wrk`` is not installed, and by the sign-in flow benchmark (which needs
cookies and redirects followed by hand). Keep-alive connections, ``Content-Length`` and
chunked bodies; nothing else of HTTP is needed against our own servers.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from typing import Any


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key == name:
                return value
        return None

    def all(self, name: str) -> list[str]:
        name = name.lower()
        return [value for key, value in self.headers if key == name]


class Connection:
    """One keep-alive connection to ``host:port``, reopened when the server closes it."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.reader is None or self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        return self.reader, self.writer

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
            self.reader = self.writer = None

    async def request(
        self,
        method: str,
        target: str,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
    ) -> Reply:
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        wire = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        for attempt in (1, 2):
            reader, writer = await self._open()
            try:
                writer.write(wire)
                reply, keep = await _read_reply(reader)
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if attempt == 2:
                    raise
                continue
            if not keep:
                await self.close()
            return reply
        raise AssertionError("unreachable")


async def _read_reply(reader: asyncio.StreamReader) -> tuple[Reply, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers.append((name.strip().lower(), value.strip()))
    found = dict(headers)
    if found.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            chunks.append(chunk[:-2])
        body = b"".join(chunks)
    else:
        body = await reader.readexactly(int(found.get("content-length", "0")))
    keep = found.get("connection", "").lower() != "close"
    return Reply(status, headers, body), keep


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, int(fraction * len(sorted_values)))
    return sorted_values[index]


async def _load(
    host: str, port: int, path: str, headers: dict[str, str], connections: int, seconds: float
) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal errors
        connection = Connection(host, port)
        try:
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                reply = await connection.request("GET", path, headers)
                latencies.append(time.perf_counter() - start)
                if reply.status != 200:
                    errors += 1
        finally:
            await connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 0.50) * 1e3,
        "p90_ms": percentile(latencies, 0.90) * 1e3,
        "p99_ms": percentile(latencies, 0.99) * 1e3,
        "requests": len(latencies),
        "errors": errors,
    }


def load(
    host: str,
    port: int,
    path: str,
    headers: dict[str, str],
    connections: int = 16,
    seconds: float = 3.0,
) -> dict[str, Any]:
    """Requests per second and latency percentiles (ms) of ``GET path`` for ``seconds``."""
    return asyncio.run(_load(host, port, path, headers, connections, seconds))
