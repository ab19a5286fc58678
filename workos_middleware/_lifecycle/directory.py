"""What a customer's directory changes here: WorkOS Directory Sync events applied to
the sessions in the server-side store.

One function, :func:`apply_event`, serves both ways the events arrive: the webhook
endpoint (:mod:`._webhooks`) and the Events API reader (:mod:`._events_reader`). It is
a flow of store operations (no I/O of its own):

* ``dsync.user.deleted``, and ``dsync.user.created``/``dsync.user.updated`` with a
  ``state`` other than ``active``: every live session of that person in that
  organization ends, on every worker and host. A person is the organization plus the
  IdP's user id (the SSO profile's ``idp_id``, the directory user's ``idp_id``), or plus
  the primary email for a session whose provider gave no IdP id: never an email alone,
  so the same address in another organization keeps its sessions.
* ``dsync.group.user_added``/``_removed``: the group's name is added to or taken out of
  the ``groups`` of that person's live sessions, so the next request is checked
  against the directory's groups.

Each event id is applied once: a one-time record in the store, so a webhook retried by
WorkOS, a replayed request, or the same event read by the Events API reader on another
host changes nothing twice.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from .._base.effects import Flow
from .._sessions.store import ServerSessionStore, person_tag
from .audit import audit

__all__ = ["APPLIED_EVENTS", "EVENT_MEMORY", "DirectoryEvent", "apply_event", "parse_event"]

USER_EVENTS: Final = frozenset({"dsync.user.created", "dsync.user.updated", "dsync.user.deleted"})
GROUP_EVENTS: Final = frozenset({"dsync.group.user_added", "dsync.group.user_removed"})
APPLIED_EVENTS: Final[tuple[str, ...]] = tuple(sorted(USER_EVENTS | GROUP_EVENTS))
"""The event types this middleware acts on (what the Events API reader asks for)."""

EVENT_MEMORY: Final = 7 * 24 * 60 * 60
"""How long an applied event's id is remembered (seconds): longer than WorkOS retries
a webhook, and than a stopped Events API reader is likely to lag."""


APPLYING: Final = 120
"""How long an event being applied is claimed (seconds) before a retry may apply it."""


class EventShapeError(ValueError):
    """An event that is not shaped as WorkOS sends it (the webhook answers 400)."""


@dataclass(frozen=True)
class DirectoryEvent:
    """An event as WorkOS sends it: ``{"id", "event", "data", ...}``."""

    id: str
    type: str
    data: Mapping[str, Any]


def parse_event(value: object) -> DirectoryEvent:
    """The event in a decoded JSON body; raises :class:`EventShapeError`."""
    if not isinstance(value, dict):
        raise EventShapeError("the body is not a JSON object")
    event_id, kind, data = value.get("id"), value.get("event"), value.get("data")
    if not isinstance(event_id, str) or not event_id or len(event_id) > 256:
        raise EventShapeError("the event has no id")
    if not isinstance(kind, str) or not kind or len(kind) > 128:
        raise EventShapeError("the event has no type ('event')")
    if not isinstance(data, dict):
        raise EventShapeError("the event has no data object")
    event = DirectoryEvent(event_id, kind, data)
    if kind in USER_EVENTS:
        _people(data)
    elif kind in GROUP_EVENTS:
        _people(_object(data, "user"))
        _group_name(data)
    return event


def _object(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise EventShapeError(f"the event's data has no {key} object")
    return value


def _primary_email(user: Mapping[str, Any]) -> str | None:
    email = user.get("email")
    if isinstance(email, str) and email:
        return email
    for entry in user.get("emails") or ():
        if isinstance(entry, dict) and entry.get("primary") is True:
            value = entry.get("value")
            return value if isinstance(value, str) and value else None
    return None


def _people(user: Mapping[str, Any]) -> list[str]:
    """The person indexes a directory user's sessions are kept under: organization +
    IdP id, and organization + primary email (for sessions that carry no IdP id)."""
    organization = user.get("organization_id")
    if not isinstance(organization, str) or not organization:
        raise EventShapeError("the directory user has no organization_id")
    idp_id = user.get("idp_id")
    email = _primary_email(user)
    people = []
    if isinstance(idp_id, str) and idp_id:
        people.append(person_tag(organization, idp_id=idp_id))
    if email is not None:
        people.append(person_tag(organization, email=email))
    if not people:
        raise EventShapeError("the directory user has neither an idp_id nor an email")
    return people


def _group_name(data: Mapping[str, Any]) -> str:
    name = _object(data, "group").get("name")
    if not isinstance(name, str) or not name:
        raise EventShapeError("the event's group has no name")
    return name


def _ends_sessions(event: DirectoryEvent) -> bool:
    if event.type == "dsync.user.deleted":
        return True
    return event.type in USER_EVENTS and event.data.get("state") != "active"


def apply_event(stored: ServerSessionStore, event: DirectoryEvent, *, via: str) -> Flow[str]:
    """Apply ``event`` once (on any worker or host); what was done, in a few words.

    ``via`` (``"webhook"``, ``"events_api"``) goes into the log record."""
    if event.type not in USER_EVENTS and event.type not in GROUP_EVENTS:
        audit(f"{via}_event", "unhandled_type", "success", detail=f"{event.type} {event.id}")
        return "ignored"
    claim = "event\0" + event.id
    # Claimed for a few minutes while it is applied, then for EVENT_MEMORY: if this
    # worker dies or the store fails midway, a retry after the short claim applies it.
    if not (yield from stored.claim_once(claim, APPLYING)):
        audit(f"{via}_event", "already_applied", "success", detail=f"{event.type} {event.id}")
        return "already applied"
    try:
        done = yield from _apply(stored, event)
    except Exception:
        with contextlib.suppress(Exception):  # else the short claim expires on its own
            yield from stored.release(claim)
        raise
    yield from stored.keep_claim(claim, EVENT_MEMORY)
    audit(f"{via}_event", event.type, "success", detail=f"{event.id}: {done}")
    return done


def _apply(stored: ServerSessionStore, event: DirectoryEvent) -> Flow[str]:
    if event.type in USER_EVENTS:
        if not _ends_sessions(event):
            return "nothing to end: the user is active"
        ended = 0
        for person in _people(event.data):
            ended += yield from stored.revoke_person(person)
        return f"{ended} session(s) ended"
    group = _group_name(event.data)
    added = [group] if event.type == "dsync.group.user_added" else []
    removed = [] if added else [group]
    changed = 0
    for person in _people(_object(event.data, "user")):
        changed += yield from stored.regroup(person, added, removed)
    return f"groups changed in {changed} session(s)"
