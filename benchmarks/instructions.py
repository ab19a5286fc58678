"""Instructions per request of in-process cases, counted by callgrind: a figure that does
not move with the machine's load (time does, on a shared machine).

``python benchmarks/instructions.py [--requests N] [CASE ...]`` runs itself under
``valgrind --tool=callgrind`` (Debian's ``valgrind``): every case of
:mod:`inprocess` is built and checked once, then each named case (default: the cases of
the in-process targets and their baselines and floors) is warmed up and runs ``N``
requests between two calls of ``time.thread_time_ns()``, the marker at which callgrind
dumps its counters (``--dump-before=time_thread_time_ns``; nothing else on the path
calls it). The dump between the two markers holds exactly those ``N`` requests: it is
divided by ``N``. Python's own work is deterministic (``PYTHONHASHSEED=0``), so two runs
agree to a fraction of a percent; the ratios are of instructions, not of time (a cache
miss costs more than an add), so read them beside the timed ones of ``make bench``.

``--tree DIR`` counts another checkout of the project (its ``workos_middleware`` and
its ``benchmarks/``), for a before and after with the same interpreter.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# (ratio name, case, baseline): the in-process targets, their floors and the rest.
RATIOS = [
    ("starlette-floor", "starlette empty middleware, no cookie", "starlette bare, no cookie"),
    ("starlette-no-cookie", "starlette auth, no cookie", "starlette bare, no cookie"),
    (
        "starlette-session-floor",
        "starlette empty middleware, session cookie",
        "starlette bare, session cookie",
    ),
    ("starlette-valid-session", "starlette auth, valid session", "starlette bare, session cookie"),
    (
        "api-floor",
        "starlette empty middleware, JSON endpoint",
        "starlette bare, JSON endpoint",
    ),
    ("api-auth-session", "starlette auth, GET /api/auth/session", "starlette bare, JSON endpoint"),
    ("flask-floor", "flask empty middleware, no cookie", "flask bare, no cookie"),
    ("flask-no-cookie", "flask auth, no cookie", "flask bare, no cookie"),
    ("flask-session-floor", "flask empty middleware, session cookie", "flask bare, session cookie"),
    ("flask-valid-session", "flask auth, valid session", "flask bare, session cookie"),
]
DEFAULT_CASES = list(dict.fromkeys(name for _, *pair in RATIOS for name in pair))


def inner(names: list[str], requests: int) -> None:
    """Under callgrind: the cases, each between two markers."""
    sys.path.insert(0, os.getcwd())
    import inprocess

    cases = {case.name: case for case in inprocess.build_cases()[0]}
    for name in names:
        case = cases[name]
        inprocess.check(case)
        run = inprocess.asgi_batch(case) if case.kind == "asgi" else inprocess.wsgi_batch(case)
        run(300)  # warm up: caches, the interpreter's specialisation
        time.thread_time_ns()
        run(requests)
        time.thread_time_ns()


def totals(folder: Path) -> list[int]:
    """The instruction count of each dump, in order."""
    counts: list[tuple[int, int]] = []
    for path in folder.iterdir():
        # callgrind.out.<pid>.<n> for the n-th dump (the final one has no suffix).
        suffix = path.name.rsplit(".", 1)[-1]
        order = int(suffix) if path.name.count(".") >= 3 else 1 << 30
        for line in path.read_text(errors="replace").splitlines():
            if line.startswith(("totals:", "summary:")):
                counts.append((order, int(line.split()[1])))
                break
    return [count for _, count in sorted(counts)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("cases", nargs="*", help="case names (default: the targets' cases)")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--tree", help="another checkout of the project to count")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    names = args.cases or DEFAULT_CASES
    if args.inner:
        inner(names, args.requests)
        return
    tree = Path(args.tree).resolve() if args.tree else HERE.parent
    with tempfile.TemporaryDirectory() as folder:
        command = [
            "valgrind",
            "--tool=callgrind",
            "--dump-before=time_thread_time_ns",
            f"--callgrind-out-file={folder}/callgrind.out.%p",
            sys.executable,
            str(Path(__file__).resolve()),
            "--inner",
            "--requests",
            str(args.requests),
            *names,
        ]
        env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": str(tree)}
        done = subprocess.run(
            command, cwd=tree / "benchmarks", env=env, capture_output=True, text=True
        )
        if done.returncode:
            raise SystemExit(done.stderr[-3000:])
        counts = totals(Path(folder))
    # Dumps: before the first marker, then per case: its batch, what follows it.
    per_request = {name: counts[1 + 2 * index] / args.requests for index, name in enumerate(names)}
    print(f"## Instructions per request (callgrind, {args.requests} requests a case; {tree})")
    for name in names:
        print(f"{name:54} {per_request[name]:10.0f}")
    print(f"\n{'ratio':26} {'case / baseline':>16} {'added':>9}")
    for ratio, case, baseline in RATIOS:
        if case in per_request and baseline in per_request:
            a, b = per_request[case], per_request[baseline]
            print(f"{ratio:26} {a / b:16.3f} {a - b:+9.0f}")


if __name__ == "__main__":
    main()
