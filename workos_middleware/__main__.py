"""``python -m workos_middleware events``: apply the WorkOS Events API's directory
events to the sessions in the store (see docs/lifecycle.md).

Configured from the same environment as ``AuthConfig.from_env()``: ``WORKOS_API_KEY``
and ``WORKOS_BASE_URL`` for the API, ``AUTH_REDIS_URL`` for the store. ``--once`` reads
until the end of the list and exits (for cron); without it, it reads every
``--interval`` seconds until interrupted. Exit status: 0 done, 1 WorkOS or the store
failed (said on stderr), 2 a configuration error.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence

import httpx

from ._adapters.drivers import new_client, run_sync
from ._base.errors import ConfigurationError, ProviderError
from ._config.config import AuthConfig
from ._config.core import AuthCore
from ._lifecycle.events import read_events
from ._lifecycle.workos_api import WorkOSApi
from ._sessions.store import ServerSessionStore, StoreUnavailable

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m workos_middleware")
    commands = parser.add_subparsers(dest="command", required=True)
    events = commands.add_parser(
        "events",
        help="apply the WorkOS Events API's directory events to the stored sessions",
    )
    events.add_argument("--once", action="store_true", help="read once and exit (cron)")
    events.add_argument(
        "--interval", type=float, default=30.0, help="seconds between reads (default 30)"
    )
    events.add_argument(
        "--limit",
        type=int,
        default=100,
        choices=range(1, 101),
        metavar="1-100",
        help="events per page (default 100)",
    )
    events.add_argument(
        "--backfill",
        type=float,
        default=3600.0,
        help="with no stored cursor yet, start this many seconds back (default 3600)",
    )
    return parser


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        config = AuthConfig.from_env(os.environ if environ is None else environ)
        api = WorkOSApi.of(config)
        if api is None:
            raise ConfigurationError("the events command needs WORKOS_API_KEY and WORKOS_CLIENT_ID")
        if config.session_store.kind != "redis":
            raise ConfigurationError(
                "the events command ends sessions in a store shared with the app: set "
                f"AUTH_REDIS_URL (the session store is {config.session_store.kind})"
            )
        store = AuthCore.build(config).server_store
        assert store is not None
    except ConfigurationError as exc:
        print(f"workos_middleware events: {exc}", file=sys.stderr)
        return 2
    try:
        with new_client(config.http_timeout) as client:
            return _run(store, api, client, args, config.clock)
    except KeyboardInterrupt:
        return 0


def _run(
    stored: ServerSessionStore,
    api: WorkOSApi,
    client: httpx.Client,
    args: argparse.Namespace,
    clock: Callable[[], float],
) -> int:
    """Read until done (``--once``: the last read's status) or interrupted."""
    while True:
        try:
            flow = read_events(stored, api, limit=args.limit, backfill=args.backfill, now=clock())
            print(f"workos_middleware events: {run_sync(flow, client)}", flush=True)
            status = 0
        except (ProviderError, StoreUnavailable) as exc:
            print(f"workos_middleware events: {exc}", file=sys.stderr, flush=True)
            status = 1
        if args.once:
            return status
        time.sleep(args.interval)


if __name__ == "__main__":
    sys.exit(main())
