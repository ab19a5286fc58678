"""Real servers on loopback: uvicorn (ASGI) and gunicorn (WSGI), several workers each,
and a load generator: ``wrk`` when installed (``make bench`` installs Debian's when it
can), else :mod:`loadgen`.

Each stack (bare, auth, anchor) runs in its own server, started for its cases and
stopped after; the cases are the in-process ones, requested over HTTP.

Run alone: ``python benchmarks/servers.py [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import Any

import bench_apps as apps
import loadgen

HERE = Path(__file__).resolve().parent
HOST = "127.0.0.1"
WORKERS = 2
# The process group of the server on each port (its supervisor and workers), for CPU time.
PROCESS_GROUPS: dict[int, int] = {}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def wait_ready(port: int, path: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server on port {port} exited with {process.returncode}")
        try:
            reply = asyncio.run(_get(port, path))
            if reply.status < 500:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"server on port {port} not ready after {timeout}s")


async def _get(port: int, path: str) -> loadgen.Reply:
    connection = loadgen.Connection(HOST, port)
    try:
        return await connection.request("GET", path)
    finally:
        await connection.close()


def group_cpu_seconds(pgid: int) -> float:
    """CPU time (user + system) used so far by every live process of a process group
    (a server's supervisor and its workers)."""
    ticks = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after the command: state, ppid, pgrp, ...
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def server_command(kind: str, port: int, workers: int) -> list[str]:
    python = sys.executable
    if kind == "asgi":
        return [
            python, "-m", "uvicorn", "--factory", "bench_apps:asgi_from_env",
            "--app-dir", str(HERE), "--host", HOST, "--port", str(port),
            "--workers", str(workers), "--no-access-log", "--log-level", "warning",
        ]  # fmt: skip
    return [
        python, "-m", "gunicorn", "--chdir", str(HERE), "bench_apps:wsgi_from_env()",
        "--bind", f"{HOST}:{port}", "--workers", str(workers), "--worker-class", "gthread",
        "--threads", "4", "--log-level", "warning",
    ]  # fmt: skip


def uvicorn_flavour() -> str:
    """What uvicorn picks by itself: httptools and uvloop when installed (the bench extra)."""
    import importlib.util

    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    return f"{http}, {loop}"


@contextmanager
def serving(
    kind: str, stack: str, workers: int = WORKERS, port: int = 0, **env: str
) -> Iterator[int]:
    """A server for ``stack`` on ``port`` (default: a free one) on loopback; stopped (all
    its workers) after."""
    port = port or free_port()
    environ = {**os.environ, "BENCH_STACK": stack, **env}
    process = subprocess.Popen(
        server_command(kind, port, workers),
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        wait_ready(port, "/json", process)
        PROCESS_GROUPS[port] = process.pid
        yield port
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if process.stderr is not None:
            errors = process.stderr.read().decode(errors="replace")
            process.stderr.close()
            if "Traceback" in errors:
                print(errors[-3000:], file=sys.stderr)


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if match is None:
        return float("nan")
    return float(match.group(1)) * _UNITS[match.group(2)]


def wrk(
    port: int, path: str, headers: dict[str, str], connections: int, seconds: float
) -> dict[str, Any]:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://{HOST}:{port}{path}")
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    found: dict[str, Any] = {"requests": 0, "errors": 0}
    for line in output.splitlines():
        parts = line.split()
        if line.startswith("Requests/sec:"):
            found["rps"] = float(parts[1])
        elif len(parts) == 2 and parts[0] in ("50%", "90%", "99%"):
            found[f"p{parts[0][:-1]}_ms"] = _ms(parts[1])
        elif "requests in" in line:
            found["requests"] = int(parts[0])
        elif line.strip().startswith("Non-2xx or 3xx responses:"):
            found["errors"] = int(parts[-1])
    return found


def warm(port: int, path: str, cookie: str) -> None:
    """A few hundred requests, so every worker has imported and cached what it needs."""
    loadgen.load(HOST, port, path, {"Cookie": cookie} if cookie else {}, 8, 0.3)


def measure(
    port: int, path: str, cookie: str, seconds: float, connections: int = 16
) -> dict[str, Any]:
    headers = {"Cookie": cookie} if cookie else {}
    if shutil.which("wrk"):
        return wrk(port, path, headers, connections, seconds)
    return loadgen.load(HOST, port, path, headers, connections, seconds)


def http_cases() -> list[tuple[str, str, str, str]]:
    """(label, stack, path, cookie), grouped by stack so each server starts once."""
    session = apps.session_cookie()
    return [
        ("bare, no cookie", "bare", "/", ""),
        ("bare, session cookie", "bare", "/", session),
        ("bare, JSON endpoint", "bare", "/json", session),
        ("auth, no cookie", "auth", "/", ""),
        ("auth, other cookies", "auth", "/", apps.OTHER_COOKIES),
        ("auth, valid session", "auth", "/", session),
        ("auth, session due for refresh", "auth", "/", apps.refresh_cookie()),
        ("auth, GET /api/auth/session", "auth", "/api/auth/session", session),
        ("anchor, framework session", "anchor", "/", ""),  # its cookie depends on the adapter
    ]


def run(quick: bool = False, out: Any = sys.stdout) -> dict[str, Any]:
    """The three stacks of an adapter serve at once; every round requests each case in
    a shuffled order, and a case keeps its best round (the least disturbed)."""
    seconds, rounds = (1.0, 1) if quick else (2.0, 2)
    generator = "wrk -t1 -c16" if shutil.which("wrk") else "benchmarks/loadgen.py, 16 connections"
    print(
        f"\n## Over HTTP on loopback ({WORKERS} workers; uvicorn ({uvicorn_flavour()}) for ASGI, "
        f"gunicorn gthread for WSGI; {generator}; best of {rounds} x {seconds:.0f} s a case)",
        file=out,
    )
    print(
        f"{'server':9} {'case':32} {'req/s':>8} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7}",
        file=out,
    )
    anchors = {"asgi": apps.starlette_anchor_cookie(), "wsgi": apps.flask_anchor_cookie()}
    shuffler = random.Random(9)
    results: dict[str, Any] = {}
    for kind, server in (("asgi", "uvicorn"), ("wsgi", "gunicorn")):
        cases = [
            (label, stack, path, anchors[kind] if stack == "anchor" else cookie)
            for label, stack, path, cookie in http_cases()
        ]
        best: dict[str, dict[str, Any]] = {}
        with ExitStack() as stack_of_servers:
            ports = {
                stack: stack_of_servers.enter_context(serving(kind, stack)) for stack in apps.STACKS
            }
            for _label, stack, path, cookie in cases:  # warm up every worker
                warm(ports[stack], path, cookie)
            for _ in range(rounds):
                order = list(cases)
                shuffler.shuffle(order)
                for label, stack, path, cookie in order:
                    found = measure(ports[stack], path, cookie, seconds)
                    if found.get("rps", 0) > best.get(label, {}).get("rps", -1):
                        best[label] = found
        for label, *_ in cases:
            found = best[label]
            results[f"{kind} {label}"] = found
            print(
                f"{server:9} {label:32} {found.get('rps', 0):8.0f} "
                f"{found.get('p50_ms', 0):7.2f} {found.get('p90_ms', 0):7.2f} "
                f"{found.get('p99_ms', 0):7.2f}"
                + (f"  ({found['errors']} errors)" if found.get("errors") else ""),
                file=out,
            )
    return results


# Issue 17's throughput targets: one uvicorn worker, the middleware's stack against the
# bare app, each pair requested alternately.
ONE_WORKER_PAIRS = {
    "no-cookie": ("", "bare, no cookie", "auth, no cookie"),
    "valid-session": ("session", "bare, session cookie", "auth, valid session"),
}


def one_worker(quick: bool = False, out: Any = sys.stdout) -> dict[str, tuple[float, float]]:
    """One uvicorn worker, bare against auth, for a request with no cookie and one with a
    valid session; every round measures the four cases in a shuffled order.

    Two readings per case: the throughput (its best round) and the worker's CPU time per
    request (its median round: user + system time of the server's process over the
    requests served). At saturation one worker's throughput is the inverse of its CPU
    time per request; the CPU reading does not move with what else runs on the machine
    (wrk included), so it is the one the targets use. Returns, per pair, ``auth / bare``
    CPU time per request (a cost ratio: 1.03 is 0.97x of bare throughput) and the same
    for an empty middleware with a send wrapper (the floor)."""
    seconds, rounds = (1.0, 3) if quick else (2.0, 5)
    session = apps.session_cookie()
    cookies = {"": "", "session": session}
    print(
        f"\n## Over HTTP, one uvicorn worker ({uvicorn_flavour()}; "
        f"{'wrk -t1 -c16' if shutil.which('wrk') else 'loadgen, 16 connections'}; "
        f"{rounds} rounds x {seconds:.0f} s a case)",
        file=out,
    )
    rps: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    with ExitStack() as running:
        bare, auth, floor = (
            running.enter_context(serving("asgi", stack, workers=1))
            for stack in ("bare", "auth", "floor")
        )
        cases = [
            (label, port, cookies[cookie])
            for cookie, bare_label, auth_label in ONE_WORKER_PAIRS.values()
            for label, port in ((bare_label, bare), (auth_label, auth))
        ]
        cases += [
            (f"floor, {bare_label[6:]}", floor, cookies[cookie])
            for cookie, bare_label, _ in ONE_WORKER_PAIRS.values()
        ]
        for _label, port, cookie in cases:
            warm(port, "/", cookie)
        shuffler = random.Random(17)
        for _ in range(rounds):
            order = list(cases)
            shuffler.shuffle(order)
            for label, port, cookie in order:
                before = group_cpu_seconds(PROCESS_GROUPS[port])
                found = measure(port, "/", cookie, seconds)
                used = group_cpu_seconds(PROCESS_GROUPS[port]) - before
                rps.setdefault(label, []).append(float(found.get("rps", 0.0)))
                served = int(found.get("requests", 0))
                if served:
                    cpu.setdefault(label, []).append(used / served * 1e6)
    print(f"{'case':24} {'best req/s':>10} {'cpu us/req':>10}", file=out)
    for label, *_ in cases:
        print(f"{label:24} {max(rps[label]):10.0f} {statistics.median(cpu[label]):10.1f}", file=out)
    ratios: dict[str, tuple[float, float]] = {}
    for name, (_cookie, bare_label, auth_label) in ONE_WORKER_PAIRS.items():
        ours, theirs = statistics.median(cpu[auth_label]), statistics.median(cpu[bare_label])
        floor_cpu = statistics.median(cpu[f"floor, {bare_label[6:]}"])
        ratios[name] = (ours / theirs, floor_cpu / theirs)
        kept = max(rps[auth_label]) / max(rps[bare_label])
        print(
            f"{name}: {theirs / ours:.3f}x of bare throughput by CPU time per request "
            f"({kept:.3f}x by best measured req/s; an empty middleware {theirs / floor_cpu:.3f}x)",
            file=out,
        )
    return ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    run(quick=args.quick)


if __name__ == "__main__":
    main()
