"""The stateless session: a signed, timestamped cookie holding the user's token.

The token holds the profile fields (never the WorkOS access token). It expires
``max_age`` after it was last signed, and is re-signed (extending it) at most once per
``update_age``, so ordinary responses carry no Set-Cookie.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from .signing import KeyRing

__all__ = ["SESSION_USER_FIELDS", "DecodedSession", "SessionCodec", "iso_utc"]

# The user fields kept in the session token.
SESSION_USER_FIELDS = (
    "name",
    "email",
    "image",
    "organization_id",
    "connection_id",
    "connection_type",
    "roles",
    "groups",
)


def iso_utc(timestamp: float) -> str:
    """``2026-01-31T12:00:00.000Z``: the form JavaScript's ``toISOString`` gives."""
    milliseconds = int(timestamp * 1000) % 1000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(timestamp)) + f".{milliseconds:03d}Z"


@dataclass(frozen=True)
class DecodedSession:
    token: dict[str, Any]
    issued_at: float
    expires_at: float


class SessionCodec:
    def __init__(self, keys: KeyRing, *, max_age: int, update_age: int) -> None:
        self.keys = keys
        self.max_age = max_age
        self.update_age = update_age

    def token_for(self, user: dict[str, Any]) -> dict[str, Any]:
        """The initial token of a freshly signed-in user (NextAuth's JWT claims)."""
        token: dict[str, Any] = {"sub": user["id"]}
        token.update((field, user.get(field)) for field in SESSION_USER_FIELDS)
        return token

    def encode(self, token: dict[str, Any]) -> str:
        return self.keys.dumps("session", token)

    def issue(self, token: dict[str, Any]) -> tuple[str, float]:
        """The signed cookie value of ``token`` and when it expires."""
        # itsdangerous timestamps are whole seconds: the expiry a later decode computes.
        return self.encode(token), int(time.time()) + self.max_age

    def decode(self, value: str) -> DecodedSession | None:
        """The session in ``value``, or ``None`` if it is invalid, expired or malformed."""
        if len(value) > 64 * 1024:
            return None
        loaded = self.keys.loads("session", value, max_age=self.max_age)
        if loaded is None:
            return None
        token, issued_at = loaded
        if not isinstance(token, dict) or not isinstance(token.get("sub"), str):
            return None
        return DecodedSession(token, issued_at, issued_at + self.max_age)

    def needs_refresh(self, session: DecodedSession, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        return now - session.issued_at >= self.update_age

    def public_session(self, token: dict[str, Any], expires_at: float) -> dict[str, Any]:
        """What ``GET /session`` returns before the ``session`` callback adds to it."""
        user = {key: token.get(key) for key in ("name", "email", "image")}
        return {"user": user, "expires": iso_utc(expires_at)}
