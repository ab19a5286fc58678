"""Full sign-in flows per second against the local WorkOS emulator, over loopback.

The app runs behind the middleware in a real server (uvicorn for ASGI, gunicorn for
WSGI, several workers), its pooled httpx client talking to the emulator (its own uvicorn
process, auto-approving the hinted test user: the IdP's page is not what we measure).
Concurrent simulated browsers each loop over the whole flow:

1. ``GET /api/auth/csrf`` (the CSRF cookie and token);
2. ``POST /api/auth/signin/workos`` with the email (the middleware asks the emulator
   for the organization of the email's domain, then redirects to WorkOS);
3. ``GET /sso/authorize`` at the emulator (auto-approve: straight back with a code);
4. ``GET /api/auth/callback/workos`` (state and PKCE checked, the code exchanged at the
   emulator, the session cookie set);
5. ``GET /api/auth/session``, which must name the user.

Flows per second on a shared machine depend on what else runs; so the CPU time each
process group spends per flow is measured too (from ``/proc``), and from it the flows
per second that 2 cores sustain: the target's figure counts the app's workers, the
emulator and the simulated browsers alike.

Run alone: ``python benchmarks/signin_flows.py [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode, urlsplit

import loadgen
import servers

EMAIL = "alice@example.com"
CONCURRENCY = 16


@contextmanager
def emulator() -> Iterator[int]:
    port = servers.free_port()
    command = [
        sys.executable, "-m", "workos_middleware.emulator", "--host", servers.HOST,
        "--port", str(port), "--auto-approve", "--log-level", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        servers.wait_ready(port, "/", process)
        servers.PROCESS_GROUPS[port] = process.pid
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
        if process.stderr is not None:
            process.stderr.close()


class Browser:
    """One simulated browser: a cookie jar and keep-alive connections."""

    def __init__(self, app_port: int, emulator_port: int) -> None:
        self.app = loadgen.Connection(servers.HOST, app_port)
        self.idp = loadgen.Connection(servers.HOST, emulator_port)
        self.origin = f"http://{servers.HOST}:{app_port}"
        self.cookies: dict[str, str] = {}

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = dict(extra or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return headers

    def _keep(self, reply: loadgen.Reply) -> None:
        for value in reply.all("set-cookie"):
            pair = value.split(";", 1)[0]
            name, _, cookie = pair.partition("=")
            if cookie and "Max-Age=0" not in value:
                self.cookies[name] = cookie
            else:
                self.cookies.pop(name, None)

    async def get(self, target: str) -> loadgen.Reply:
        reply = await self.app.request("GET", target, self._headers())
        self._keep(reply)
        return reply

    async def sign_in(self) -> None:
        self.cookies.clear()
        csrf = json.loads((await self.get("/api/auth/csrf")).body)["csrfToken"]
        form = urlencode({"csrfToken": csrf, "email": EMAIL, "callbackUrl": "/"}).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Origin": self.origin}
        reply = await self.app.request(
            "POST", "/api/auth/signin/workos", self._headers(headers), form
        )
        self._keep(reply)
        authorize = _location(reply, "signin")
        back = await self.idp.request("GET", _target(authorize))
        callback = _location(back, "authorize")
        done = await self.get(_target(callback))
        _location(done, "callback")
        session = json.loads((await self.get("/api/auth/session")).body)
        if session.get("user", {}).get("email") != EMAIL:
            raise RuntimeError(f"flow ended without a session: {session!r}")

    async def close(self) -> None:
        await self.app.close()
        await self.idp.close()


def _location(reply: loadgen.Reply, step: str) -> str:
    location = reply.header("location")
    if reply.status != 302 or location is None:
        raise RuntimeError(f"{step}: expected a redirect, got {reply.status} {reply.body[:200]!r}")
    return location


def _target(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


async def _drive(app_port: int, emulator_port: int, seconds: float) -> dict[str, Any]:
    durations: list[float] = []
    failures: list[str] = []
    deadline = time.perf_counter() + seconds

    async def user() -> None:
        browser = Browser(app_port, emulator_port)
        try:
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                try:
                    await browser.sign_in()
                except (RuntimeError, OSError, ValueError, KeyError) as exc:
                    failures.append(str(exc))
                    continue
                durations.append(time.perf_counter() - start)
        finally:
            await browser.close()

    started = time.perf_counter()
    await asyncio.gather(*(user() for _ in range(CONCURRENCY)))
    elapsed = time.perf_counter() - started
    durations.sort()
    return {
        "flows_per_s": len(durations) / elapsed,
        "flows": len(durations),
        "failures": len(failures),
        "first_failure": failures[0] if failures else None,
        "p50_ms": loadgen.percentile(durations, 0.5) * 1e3,
        "p99_ms": loadgen.percentile(durations, 0.99) * 1e3,
    }


def run(quick: bool = False, out: Any = sys.stdout) -> dict[str, Any]:
    seconds = 3.0 if quick else 8.0
    print(
        f"\n## Sign-in flows against the emulator ({servers.WORKERS} app workers, emulator in "
        f"1 process, {CONCURRENCY} concurrent browsers, {seconds:.0f} s)",
        file=out,
    )
    print(
        f"{'server':9} {'flows/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'failures':>8} "
        f"{'app ms':>8} {'emu ms':>8} {'drv ms':>8} {'2c server':>9} {'2c all':>9}",
        file=out,
    )
    print(
        "(ms: CPU time per flow of the app's workers, the emulator, the simulated browsers;"
        " '2c server' / '2c all': flows per second 2 cores sustain at that CPU cost, running"
        " the app and the emulator / all three; flows/s itself depends on what else runs)",
        file=out,
    )
    results: dict[str, Any] = {}
    with emulator() as emulator_port:
        from workos_middleware.emulator import DEFAULT_API_KEY, DEFAULT_CLIENT_ID

        for kind, server in (("asgi", "uvicorn"), ("wsgi", "gunicorn")):
            app_port = servers.free_port()
            env = {
                "BENCH_WORKOS_URL": f"http://{servers.HOST}:{emulator_port}",
                "BENCH_CLIENT_ID": DEFAULT_CLIENT_ID,
                "BENCH_API_KEY": DEFAULT_API_KEY,
                "BENCH_APP_URL": f"http://{servers.HOST}:{app_port}",
            }
            with servers.serving(kind, "auth", port=app_port, **env) as port:
                asyncio.run(_drive(port, emulator_port, 1.0))  # warm up
                groups = {
                    "app": servers.PROCESS_GROUPS[port],
                    "emulator": servers.PROCESS_GROUPS[emulator_port],
                }
                before = {name: servers.group_cpu_seconds(g) for name, g in groups.items()}
                driver_before = time.process_time()
                found = asyncio.run(_drive(port, emulator_port, seconds))
                cpu = {
                    name: servers.group_cpu_seconds(g) - before[name] for name, g in groups.items()
                }
                cpu["browsers"] = time.process_time() - driver_before
            flows = max(found["flows"], 1)
            found["cpu_ms_per_flow"] = {name: used / flows * 1e3 for name, used in cpu.items()}
            # What 2 cores sustain at this CPU cost per flow: running the app and the
            # emulator only, and (the target's figure) the simulated browsers as well.
            server_cpu = cpu["app"] + cpu["emulator"]
            all_cpu = server_cpu + cpu["browsers"]
            found["capacity_2_cores"] = 2 * flows / server_cpu if server_cpu else 0.0
            found["capacity_2_cores_all"] = 2 * flows / all_cpu if all_cpu else 0.0
            results[kind] = found
            per_flow = found["cpu_ms_per_flow"]
            print(
                f"{server:9} {found['flows_per_s']:8.1f} {found['p50_ms']:7.1f} "
                f"{found['p99_ms']:7.1f} {found['failures']:8d} "
                f"{per_flow['app']:8.2f} {per_flow['emulator']:8.2f} {per_flow['browsers']:8.2f} "
                f"{found['capacity_2_cores']:9.0f} {found['capacity_2_cores_all']:9.0f}"
                + (f"  first failure: {found['first_failure']}" if found["failures"] else ""),
                file=out,
            )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    run(quick=args.quick)


if __name__ == "__main__":
    main()
