"""The session cookie's format: ``v1.<payload>.<signature>``, verified with one HMAC.

``payload`` is the base64url (unpadded) JSON ``{"iat": ..., "exp": ..., "tok": {...}}``:
when the cookie was signed, when it expires (both whole seconds from the injected
clock) and the token. ``signature`` is the base64url HMAC-SHA256 of ``v1.<payload>``
under the session purpose's key (derived once per secret by :class:`~._signing.KeyRing`),
so a value signed for another purpose never verifies here.

Why not itsdangerous, as the other cookies use: a session is verified on every request
of a signed-in user, and its timed serializer costs three base64 decodes, a zlib check
and re-parsing per call. Here a request costs one HMAC over a few hundred bytes, one
base64 decode and one JSON parse, and a bounded cache of recently verified values (keyed
by the exact cookie value) skips even those for a returning cookie; the expiry is still
checked on every request, against the clock.

Checks, all of which fail closed (``decode`` returns ``None``): the ``v1.`` prefix (an
older itsdangerous cookie has none, so its user is signed out and the cookie cleared),
the size, the signature under the newest secret and then the older ones (rotation),
the payload's shape, a signing time not in the future, and an age within ``max_age``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from typing import Any, Final

from .._base.bounded import keep
from .._keys.signing import Clock
from .record import SessionRecord

__all__ = ["PREFIX", "SessionFormat"]

PREFIX: Final = "v1."
MAX_SESSION_COOKIE: Final = 64 * 1024
# The verified-value cache: at most this many entries, each a value of at most
# CACHE_VALUE_LIMIT characters (so the cache holds a few megabytes at worst).
CACHE_ENTRIES: Final = 512
CACHE_VALUE_LIMIT: Final = 4096
_SIGNATURE_LENGTH: Final = 43  # 32 bytes, base64url without padding


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionFormat:
    """Encodes and verifies session cookie values for one set of keys and one clock.

    ``keys`` are the session purpose's keys, newest first: the first one signs, any of
    them verifies.
    """

    def __init__(self, keys: Sequence[bytes], clock: Clock, *, max_age: int) -> None:
        if not keys:
            raise ValueError("SessionFormat needs at least one key")
        self.keys = tuple(keys)
        self.clock = clock
        self.max_age = max_age
        # value -> what it holds: only values whose signature and payload shape were
        # verified. Each request gets its own copy of the token (see SessionRecord.token),
        # so no request can change what a later one reads.
        self._verified: dict[str, SessionRecord] = {}

    def encode(self, token: Mapping[str, Any]) -> tuple[str, float]:
        """The signed value holding ``token``, and when it expires."""
        issued_at = int(self.clock())
        expires_at = issued_at + self.max_age
        payload = json.dumps(
            {"iat": issued_at, "exp": expires_at, "tok": token},
            separators=(",", ":"),
            ensure_ascii=True,
        ).encode("ascii")
        body = PREFIX + _b64encode(payload)
        return f"{body}.{self._sign(self.keys[0], body)}", float(expires_at)

    def lookup(self, value: str, now: float) -> SessionRecord | None:
        """The session in ``value`` at ``now``, or ``None`` if it is invalid, expired or
        malformed. The record is shared between requests: take the token with
        ``.token()``, which copies it."""
        found = self._verified.get(value)
        if found is None:
            found = self._verify(value)
            if found is None:
                return None
            if len(value) <= CACHE_VALUE_LIMIT:
                keep(self._verified, value, found, CACHE_ENTRIES)
        issued_at = found.issued_at
        if issued_at > now or now - issued_at > self.max_age or now >= found.expires_at:
            return None
        return found

    # -- internals ------------------------------------------------------------------

    @staticmethod
    def _sign(key: bytes, body: str) -> str:
        return _b64encode(hmac.digest(key, body.encode("ascii"), hashlib.sha256))

    def _verify(self, value: str) -> SessionRecord | None:
        """Signature and shape (not the time)."""
        if len(value) > MAX_SESSION_COOKIE or not value.startswith(PREFIX):
            return None
        body, _, signature = value.rpartition(".")
        if len(signature) != _SIGNATURE_LENGTH or len(body) <= len(PREFIX):
            return None
        try:
            message = body.encode("ascii")
            given = signature.encode("ascii")
        except UnicodeEncodeError:
            return None
        if not any(
            hmac.compare_digest(
                base64.urlsafe_b64encode(hmac.digest(key, message, hashlib.sha256))[:-1],
                given,
            )
            for key in self.keys
        ):
            return None
        try:
            payload = json.loads(_b64decode(body[len(PREFIX) :]))
        except (ValueError, binascii.Error):
            return None
        if not isinstance(payload, dict):
            return None
        issued_at, expires_at, token = payload.get("iat"), payload.get("exp"), payload.get("tok")
        if (
            type(issued_at) is not int
            or type(expires_at) is not int
            or not isinstance(token, dict)
            or not isinstance(token.get("sub"), str)
        ):
            return None
        return SessionRecord(token, float(issued_at), float(expires_at))
