"""Directory events without webhooks: the WorkOS Events API read from the last stored
cursor, each event applied by :func:`~._lifecycle.apply_event` (as the webhook does).

For apps WorkOS cannot reach (behind a firewall): ``python -m workos_middleware
events`` runs :func:`read_events` every ``--interval`` seconds (or once, from cron).
Safe to run on every host at once: a lock in the store lets one run read at a time,
each event id is applied once (the same one-time record as the webhook's), and the
cursor is kept in the store, after each event.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Final

from .._base.effects import Flow
from .._sessions.store import ServerSessionStore
from .audit import audit
from .directory import APPLIED_EVENTS, EventShapeError, apply_event, parse_event
from .workos_api import WorkOSApi

__all__ = ["EventsRun", "read_events"]

logger = logging.getLogger("workos_middleware")

CURSOR: Final = "events:cursor"
LOCK: Final = "events:lock"
LOCK_SECONDS: Final = 300  # a run that died lets the next one in after this
MAX_PAGES: Final = 100  # per run: the next run goes on from the cursor


@dataclass(frozen=True)
class EventsRun:
    """What one run did."""

    read: int = 0
    applied: int = 0
    skipped: int = 0  # applied before (by a webhook or another run), or malformed
    cursor: str | None = None
    locked: bool = False  # another run held the lock: nothing was read

    def __str__(self) -> str:
        if self.locked:
            return "another run is reading the events; nothing done"
        return (
            f"read {self.read} event(s): {self.applied} applied, {self.skipped} skipped; "
            f"cursor {self.cursor or '(none)'}"
        )


def read_events(
    stored: ServerSessionStore,
    api: WorkOSApi,
    *,
    limit: int = 100,
    backfill: float = 3600.0,
    now: float,
) -> Flow[EventsRun]:
    """Read and apply the events after the stored cursor; with no cursor yet, those
    of the last ``backfill`` seconds (older ones describe people as they were)."""
    if not (yield from stored.claim_once(LOCK, LOCK_SECONDS)):
        return EventsRun(locked=True)
    read = applied = skipped = 0
    try:
        cursor = yield from stored.get_value(CURSOR)
        since = None
        if cursor is None:
            since = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(now - backfill))
        for _ in range(MAX_PAGES):
            events, _after = yield from api.events(
                APPLIED_EVENTS, after=cursor, limit=limit, range_start=since
            )
            for raw in events:
                read += 1
                event_id = raw.get("id") if isinstance(raw, dict) else None
                try:
                    event = parse_event(raw)
                except EventShapeError as exc:
                    audit("events_api_event", "malformed_event", "refused", detail=str(exc))
                    skipped += 1
                else:
                    done = yield from apply_event(stored, event, via="events_api")
                    if done == "already applied":
                        skipped += 1
                    else:
                        applied += 1
                if isinstance(event_id, str) and event_id:
                    cursor = event_id
                    yield from stored.put_value(CURSOR, cursor)
            if len(events) < limit:
                break
    finally:
        yield from stored.release(LOCK)
    return EventsRun(read, applied, skipped, cursor)
