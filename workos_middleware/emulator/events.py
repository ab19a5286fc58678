"""WorkOS events: what the emulator records when its data changes, and ``GET /events``.

Every change made through the dashboard or the admin API (a directory user deactivated,
deleted, moved between groups) is recorded here as an event, read back by the Events API
and sent to the registered webhook endpoints (``webhooks.py``).
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .forms import api_key_refusal, paging
from .ids import MonotonicIds
from .wire import iso_timestamp, message_error

MAX_EVENTS = 10_000
"""Events kept; older ones are forgotten (WorkOS keeps 30 days)."""


@dataclass(frozen=True)
class Event:
    """One recorded event. ``organization_id`` is kept for the API's filter only."""

    id: str
    event: str
    data: dict[str, Any]
    created: float
    organization_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The WorkOS event object, as the Events API and webhooks send it."""
        return {
            "object": "event",
            "id": self.id,
            "event": self.event,
            "data": self.data,
            "created_at": iso_timestamp(self.created),
        }


class EventLog:
    """The events recorded so far, oldest first, with ids that sort in that order."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._events: list[Event] = []
        self._ids = MonotonicIds()

    def record(self, event: str, data: dict[str, Any], organization_id: str | None = None) -> Event:
        now = self.clock()
        recorded = Event(self._ids.new("event", now), event, data, now, organization_id)
        with self._lock:
            self._events.append(recorded)
            del self._events[:-MAX_EVENTS]
        return recorded

    def get(self, event_id: str) -> Event | None:
        with self._lock:
            return next((e for e in self._events if e.id == event_id), None)

    def all(self) -> list[Event]:
        with self._lock:
            return list(self._events)

    def clear(self) -> None:
        with self._lock:
            self._events.clear()


def _types(values: Iterable[str]) -> set[str]:
    return {part.strip() for raw in values for part in raw.split(",") if part.strip()}


def _moment(raw: str | None, name: str) -> float | Response | None:
    if not raw:
        return None
    try:
        moment = datetime.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return message_error(f"{name} must be an ISO 8601 timestamp.", 422)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.timestamp()


class EventEndpoints:
    """``GET /events``, which needs the API key as a bearer token."""

    def __init__(self, log: EventLog, api_key: Callable[[], str]) -> None:
        self.log = log
        self.api_key = api_key

    async def list_events(self, request: Request) -> Response:
        """Events oldest first (``order=desc`` for newest first), filtered by ``events``
        (comma-separated or repeated), ``organization_id``, ``range_start`` and
        ``range_end``; ``after`` is the id of the last event already read."""
        refused = api_key_refusal(request, self.api_key())
        if refused is not None:
            return refused
        page = paging(request, default_order="asc")
        if isinstance(page, Response):
            return page
        q = request.query_params
        wanted = _types([*q.getlist("events"), *q.getlist("events[]")])
        start, end = (
            _moment(q.get("range_start"), "range_start"),
            _moment(q.get("range_end"), "range_end"),
        )
        if isinstance(start, Response):
            return start
        if isinstance(end, Response):
            return end
        organization_id = q.get("organization_id")
        events = [
            e
            for e in self.log.all()
            if (not wanted or e.event in wanted)
            and (organization_id is None or e.organization_id == organization_id)
            and (start is None or e.created >= start)
            and (end is None or e.created < end)
        ]
        # Ids sort by time, so a cursor works even for an event no longer kept.
        if page.newest_first:
            events.reverse()
            if page.after:
                events = [e for e in events if e.id < page.after]
            if page.before:
                events = [e for e in events if e.id > page.before][-page.limit :]
        else:
            if page.after:
                events = [e for e in events if e.id > page.after]
            if page.before:
                events = [e for e in events if e.id < page.before][-page.limit :]
        chosen = events[: page.limit]
        return JSONResponse(
            {
                "object": "list",
                "data": [e.to_json() for e in chosen],
                "list_metadata": {"after": chosen[-1].id if chosen else None},
            }
        )
