"""Signing with a key list: sign with the newest secret, accept any of them.

Every cookie purpose has its own salt, so a value signed for one purpose (a state
cookie, say) never verifies as another (a session).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from typing import Any, Final

from itsdangerous import BadData, URLSafeTimedSerializer

__all__ = ["SALTS", "KeyRing"]

SALTS: Final = {
    "session": "workos-middleware.session",
    "state": "workos-middleware.state",
    "csrf": "workos-middleware.csrf",
    "callback_url": "workos-middleware.callback-url",
}


class KeyRing:
    """The app's secrets, oldest first; the last one signs."""

    def __init__(self, secrets: Sequence[str]) -> None:
        self.secrets = tuple(secrets)
        # Keys are derived once per purpose here (SHA-256 of salt and secret) rather
        # than by itsdangerous on every call: verifying a session is one HMAC.
        self._serializers = {
            purpose: URLSafeTimedSerializer(
                [self._derive(secret, purpose) for secret in self.secrets],
                salt=salt,
                signer_kwargs={"key_derivation": "none", "digest_method": hashlib.sha256},
            )
            for purpose, salt in SALTS.items()
        }

    def dumps(self, purpose: str, value: Any) -> str:
        """A signed, timestamped, URL-safe string holding ``value``."""
        return self._serializers[purpose].dumps(value)

    def loads(self, purpose: str, signed: str, max_age: int) -> tuple[Any, float] | None:
        """The value and its signing time, or ``None`` if invalid, expired or from the future."""
        try:
            value, signed_at = self._serializers[purpose].loads(
                signed, max_age=max_age, return_timestamp=True
            )
        except (BadData, UnicodeError, ValueError, TypeError):
            return None
        return value, signed_at.timestamp()

    def mac(self, purpose: str, message: str) -> str:
        """HMAC-SHA256 of ``message`` under the newest secret, hex."""
        return self._mac(self.secrets[-1], purpose, message)

    def verify_mac(self, purpose: str, message: str, mac: str) -> bool:
        """Whether ``mac`` is ``message``'s HMAC under any secret (constant-time compare)."""
        given = mac.encode("utf-8", "replace")
        ok = False
        for secret in self.secrets:
            ok |= hmac.compare_digest(self._mac(secret, purpose, message).encode(), given)
        return ok

    @staticmethod
    def _derive(secret: str, purpose: str) -> bytes:
        return hashlib.sha256(f"{SALTS[purpose]}\0{secret}".encode()).digest()

    @classmethod
    def _mac(cls, secret: str, purpose: str, message: str) -> str:
        return hmac.new(cls._derive(secret, purpose), message.encode(), hashlib.sha256).hexdigest()
