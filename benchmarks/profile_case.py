"""Profile one in-process case: where its microseconds go.

``python benchmarks/profile_case.py "starlette auth, valid session"`` prints cProfile's
top functions by own time; ``--pyinstrument`` prints pyinstrument's call tree instead
(``pip install pyinstrument``, in the bench extra). ``--list`` names the cases.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats

import inprocess


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("case", nargs="?", default="starlette auth, valid session")
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--pyinstrument", action="store_true")
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args()
    cases = {case.name: case for case in inprocess.build_cases()[0]}
    if args.list or args.case not in cases:
        print("\n".join(cases))
        return
    case = cases[args.case]
    inprocess.check(case)
    run = inprocess.asgi_batch(case) if case.kind == "asgi" else inprocess.wsgi_batch(case)
    run(1000)  # warm up
    if args.pyinstrument:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0001)
        profiler.start()
        run(args.requests)
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
        return
    profile = cProfile.Profile()
    profile.enable()
    run(args.requests)
    profile.disable()
    stats = pstats.Stats(profile)
    stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
