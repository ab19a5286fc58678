"""Signing (and sealing) with a key list: the newest secret signs, any of them verifies.

What separates the purposes is the key: each purpose signs with its own key, derived
once per secret as SHA-256 of the purpose's label, a NUL and the secret. A value signed
for one purpose (a state cookie, say) therefore never verifies as another (a session).
Timestamps come from the injected clock, so tests can make aged cookies for real.

:meth:`KeyRing.seal` encrypts as well as authenticates, with a timestamp (through
:class:`~._sealing.Sealer`: AES-256-GCM, a key per purpose derived with HKDF-SHA256 from
each secret), for values the browser must carry but not read: the pending sign-in's
PKCE verifier.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Sequence
from typing import Any, Final, Literal

from itsdangerous import BadData, TimestampSigner, URLSafeTimedSerializer

from .sealing import Sealer

__all__ = ["LABELS", "Clock", "KeyRing", "SigningPurpose"]

Clock = Callable[[], float]
SigningPurpose = Literal["session", "state", "csrf", "callback_url", "session_id"]

LABELS: Final[dict[SigningPurpose, str]] = {
    "session": "workos-middleware.session",
    "state": "workos-middleware.state",
    "csrf": "workos-middleware.csrf",
    "callback_url": "workos-middleware.callback-url",
    "session_id": "workos-middleware.session-id",
}


class _ClockedSigner(TimestampSigner):
    """itsdangerous's timestamp signer, reading time from the injected clock."""

    def __init__(self, *args: Any, clock: Clock = time.time, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clock = clock

    def get_timestamp(self) -> int:
        return int(self._clock())


class KeyRing:
    """The app's secrets, oldest first; the last one signs."""

    def __init__(self, secrets: Sequence[str], clock: Clock = time.time) -> None:
        self.secrets = tuple(secrets)
        self.clock = clock
        # Newest first, so signing and the common verification use the first key.
        self._keys: dict[SigningPurpose, list[bytes]] = {
            purpose: [_derive(secret, purpose) for secret in reversed(self.secrets)]
            for purpose in LABELS
        }
        # Encryption keys are separate from the signing keys (HKDF per purpose).
        self._sealers = {
            purpose: Sealer(self.secrets, f"signing {LABELS[purpose]}") for purpose in LABELS
        }
        # key_derivation "none": the keys above are already per purpose, so verifying a
        # session is one HMAC. (No salt: with no derivation itsdangerous ignores it.)
        self._serializers = {
            purpose: URLSafeTimedSerializer(
                list(reversed(keys)),
                signer=_ClockedSigner,
                signer_kwargs={
                    "key_derivation": "none",
                    "digest_method": hashlib.sha256,
                    "clock": clock,
                },
            )
            for purpose, keys in self._keys.items()
        }

    def keys_for(self, purpose: SigningPurpose) -> tuple[bytes, ...]:
        """The purpose's keys, newest first (the session format signs with its own code)."""
        return tuple(self._keys[purpose])

    def dumps(self, purpose: SigningPurpose, value: Any) -> str:
        """A signed, timestamped, URL-safe string holding ``value``."""
        return self._serializers[purpose].dumps(value)

    def loads(self, purpose: SigningPurpose, signed: str, max_age: int) -> tuple[Any, float] | None:
        """The value and its signing time, or ``None`` if invalid, expired or from the future."""
        try:
            value, signed_at = self._serializers[purpose].loads(
                signed, max_age=max_age, return_timestamp=True
            )
        except (BadData, UnicodeError, ValueError, TypeError):
            return None
        return value, signed_at.timestamp()

    def seal(self, purpose: SigningPurpose, value: Any) -> str:
        """``value`` and the time, encrypted and authenticated (AES-256-GCM, see
        :class:`~._sealing.Sealer`) under the newest secret: unreadable without it."""
        return self._sealers[purpose].seal({"t": self.clock(), "d": value})

    def unseal(self, purpose: SigningPurpose, token: str, max_age: int) -> tuple[Any, float] | None:
        """The value and sealing time of :meth:`seal`'s output, under any secret; ``None``
        if it is not ours, was tampered with, is older than ``max_age`` or from the future."""
        opened = self._sealers[purpose].open(token)
        if not isinstance(opened, dict) or not isinstance(opened.get("t"), (int, float)):
            return None
        sealed_at = float(opened["t"])
        age = self.clock() - sealed_at
        if age < 0 or age > max_age:
            return None
        return opened.get("d"), sealed_at

    def mac(self, purpose: SigningPurpose, message: str) -> str:
        """HMAC-SHA256 of ``message`` under the newest secret's key, hex."""
        return _hex_mac(self._keys[purpose][0], message)

    def verify_mac(self, purpose: SigningPurpose, message: str, mac: str) -> bool:
        """Whether ``mac`` is ``message``'s HMAC under any secret (constant-time compare)."""
        given = mac.encode("utf-8", "replace")
        ok = False
        for key in self._keys[purpose]:
            ok |= hmac.compare_digest(_hex_mac(key, message).encode(), given)
        return ok


def _derive(secret: str, purpose: SigningPurpose) -> bytes:
    return hashlib.sha256(f"{LABELS[purpose]}\0{secret}".encode()).digest()


def _hex_mac(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()
