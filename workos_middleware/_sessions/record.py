"""A verified session, whichever store it came from: :class:`SessionRecord`.

The one record type of the session model. A signed cookie yields one when its signature,
shape and age check out (:mod:`.format`); a server-side store yields one when the id's
MAC checks out and the store still holds the session (:mod:`.store`). Records of signed
cookies and of a local cache's hits are shared between requests: each reader takes its
own copy of the token with :meth:`SessionRecord.token`, so no request can change what a
later one reads.
"""

from __future__ import annotations

import json
from typing import Any, Final, cast

from .._base.types import SessionToken

__all__ = ["SessionRecord"]

_SCALARS: Final = (str, int, float, bool, type(None))


class SessionRecord:
    """A verified session: its token, when it was signed (``issued_at``, ``0.0`` when
    the store does not say), when it expires, and whether the store has just slid its
    expiry (``renewed``: the cookie's ``Max-Age`` must follow).

    The usual token holds scalars and lists of scalars (roles, groups): a copy is a
    dict copy plus those lists. A token with deeper values (the ``jwt`` callback may
    add anything) is kept as JSON and parsed again for each request.

    Made on every request of a signed-in user: a slotted class, not a dataclass.
    """

    __slots__ = ("_json", "_lists", "_token", "expires_at", "fresh_until", "issued_at", "renewed")

    def __init__(
        self,
        token: dict[str, Any],
        issued_at: float,
        expires_at: float,
        *,
        renewed: bool = False,
    ) -> None:
        self.issued_at = issued_at
        self.expires_at = expires_at
        self.renewed = renewed
        # Until when a local cache in front of a server-side store may serve this record
        # (the core's clock); no bound of its own otherwise.
        self.fresh_until = float("inf")
        self._json: bytes | None = None
        lists = []
        for key, item in token.items():
            if type(item) is list and all(isinstance(x, _SCALARS) for x in item):
                lists.append(key)
            elif not isinstance(item, _SCALARS):
                self._json = json.dumps(token, separators=(",", ":")).encode()
                break
        self._lists = tuple(lists)
        self._token = token

    def has(self, key: str) -> bool:
        """Whether the token holds ``key`` (without copying it)."""
        return key in self._token

    def get(self, key: str) -> Any:
        """The token's ``key`` when it is a scalar (without copying the token), else ``None``."""
        value = self._token.get(key)
        return value if isinstance(value, _SCALARS) else None

    def token(self) -> SessionToken:
        """A copy of the token, the caller's own."""
        if self._json is not None:
            return cast(SessionToken, json.loads(self._json))
        token = self._token.copy()
        for key in self._lists:
            token[key] = token[key][:]
        return cast(SessionToken, token)

    @classmethod
    def from_json(
        cls, data: Any, expires_at: float, *, renewed: bool = False
    ) -> SessionRecord | None:
        """The record of a server-side store's data, or ``None`` if it is not a token."""
        try:
            token = json.loads(data)
        except (TypeError, ValueError):
            return None
        if not isinstance(token, dict) or not isinstance(token.get("sub"), str):
            return None
        return cls(token, 0.0, expires_at, renewed=renewed)
