"""Memory after 100,000 requests against after 1,000: it must stay flat.

Both adapters in one process, driven in-process with a mix of requests: no cookie, the
app's own cookies, a valid session of one returning user, a valid session of a user
never seen before (a new cookie value each time, so any cache of verified cookies fills
to its bound), and ``GET /api/auth/session``. The figure is the resident set size after
a full garbage collection; Python's count of allocated memory blocks is shown beside it.

Run alone: ``python benchmarks/memory.py [--quick]``.
"""

from __future__ import annotations

import argparse
import gc
import sys
from typing import Any

import bench_apps as apps
import inprocess

FIRST = 1_000
LAST = 100_000


def rss_kib() -> int:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    import resource

    return pages * resource.getpagesize() // 1024


def snapshot() -> tuple[int, int]:
    gc.collect()
    return rss_kib(), sys.getallocatedblocks()


def run(quick: bool = False, out: Any = sys.stdout) -> dict[str, Any]:
    last = LAST // 5 if quick else LAST
    stacks = [
        inprocess.asgi_runner_once(apps.starlette_app("auth")),
        inprocess.wsgi_runner_once(apps.flask_app("auth")),
    ]
    returning = apps.session_cookie()

    def request(index: int) -> None:
        call = stacks[index % 2]
        step = (index // 2) % 5
        if step == 0:
            call("/", "")
        elif step == 1:
            call("/", apps.OTHER_COOKIES)
        elif step == 2:
            call("/", returning)
        elif step == 3:
            token = {**apps.TOKEN, "sub": f"user_{index}", "email": f"u{index}@example.com"}
            call("/", f"{apps.SESSION_COOKIE}={apps.session_cookie_value(token)}")
        else:
            call("/api/auth/session", returning)

    for index in range(FIRST):
        request(index)
    first = snapshot()
    for index in range(FIRST, last):
        request(index)
    final = snapshot()
    ratio = final[0] / first[0]
    print(f"\n## Memory ({FIRST:,} then {last:,} requests, both adapters, one process)", file=out)
    print(f"{'after':>9} {'RSS KiB':>9} {'blocks':>9}", file=out)
    print(f"{FIRST:9,} {first[0]:9,} {first[1]:9,}", file=out)
    print(f"{last:9,} {final[0]:9,} {final[1]:9,}", file=out)
    print(f"RSS ratio {ratio:.3f}; blocks {final[1] - first[1]:+,}", file=out)
    return {"ratio": ratio, "first": first, "last": final, "requests": last}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    run(quick=args.quick)


if __name__ == "__main__":
    main()
