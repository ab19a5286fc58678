"""Times in words a person reads: "in 30 days, on 27 December 2026 at 07:28 UTC"."""

from __future__ import annotations

import time
from datetime import datetime, timezone

__all__ = ["expires_in_words"]

_UNITS = ((86400, "day"), (3600, "hour"), (60, "minute"))


def expires_in_words(expires: str | None, now: float | None = None) -> str | None:
    """A session's ``expires`` (``2026-12-27T07:28:00.000Z``, as ``GET /session`` gives
    it) in words: ``"in 30 days, on 27 December 2026 at 07:28 UTC"``; ``None`` for
    ``None`` or a value that is not such a time."""
    if not isinstance(expires, str):
        return None
    try:
        moment = datetime.strptime(expires[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    except ValueError:
        return None
    left = moment.timestamp() - (time.time() if now is None else now)
    when = f"on {moment.day} {moment:%B %Y} at {moment:%H:%M} UTC"
    if left <= 0:
        return f"already expired ({when})"
    for seconds, unit in _UNITS:
        if left >= seconds:
            count = round(left / seconds)
            return f"in {count} {unit}{'s' if count != 1 else ''}, {when}"
    return f"in less than a minute, {when}"
