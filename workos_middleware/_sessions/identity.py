"""Who a request is from (:class:`Identity`, :data:`ANONYMOUS`) and the public session
value ``GET /session`` returns: what the session codec produces and the adapters,
routes and guards read.
"""

from __future__ import annotations

import time
from functools import lru_cache
from typing import Any

from .._base.types import Session, SessionToken, SessionUser

__all__ = ["ANONYMOUS", "Identity", "iso_utc", "public_session"]


# A session's expiry is the same on every request until it is refreshed: the few
# formatted recently are remembered (formatting costs more than the rest of a request).
@lru_cache(maxsize=256)
def iso_utc(timestamp: float) -> str:
    """``2026-01-31T12:00:00.000Z``: the form JavaScript's ``toISOString`` gives."""
    milliseconds = int(timestamp * 1000) % 1000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(timestamp)) + f".{milliseconds:03d}Z"


def public_session(token: SessionToken, expires_at: float) -> Session:
    """What ``GET /session`` returns before the ``session`` callback adds to it."""
    user: SessionUser = {
        "name": token.get("name"),
        "email": token.get("email"),
        "image": token.get("image"),
    }
    return {"user": user, "expires": iso_utc(expires_at)}


class Identity:
    """Who a request is from: the session value (as ``GET /session`` returns it),
    the token behind it, and cookies the response must set (refresh or clear).

    Made for every request with a session cookie: a slotted class, not a dataclass
    (half the cost to build); treat it as immutable.
    """

    __slots__ = ("session", "set_cookies", "token")

    def __init__(
        self,
        session: dict[str, Any] | None,
        token: SessionToken | None,
        set_cookies: tuple[str, ...] = (),
    ) -> None:
        self.session = session
        self.token = token
        self.set_cookies = set_cookies


ANONYMOUS = Identity(None, None)
