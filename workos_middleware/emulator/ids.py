"""Identifiers shaped like WorkOS's: ULID strings, random or derived from stable content."""

from __future__ import annotations

import hashlib
import secrets
import threading

# Crockford's base 32, as ULIDs use it (no I, L, O, U).
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, digit = divmod(value, 32)
        chars.append(_ALPHABET[digit])
    return "".join(reversed(chars))


def new_ulid(now: float) -> str:
    """A fresh 26-character ULID: 48 bits of milliseconds, then 80 random bits."""
    millis = int(now * 1000) & ((1 << 48) - 1)
    return _encode(millis, 10) + _encode(secrets.randbits(80), 16)


def new_id(prefix: str, now: float) -> str:
    """A fresh WorkOS-style id such as ``prof_01H...``."""
    return f"{prefix}_{new_ulid(now)}"


def stable_id(prefix: str, *parts: str) -> str:
    """An id that depends only on ``parts``, so data files may leave ids out."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return f"{prefix}_01{_encode(int.from_bytes(digest[:15], 'big'), 24)}"


class MonotonicIds:
    """Fresh ids that sort in the order they were made, as WorkOS's event ids do, even when
    the clock stands still (a test's) or steps back."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = (0, 0)

    def new(self, prefix: str, now: float) -> str:
        millis = int(now * 1000) & ((1 << 48) - 1)
        with self._lock:
            last_millis, last_random = self._last
            if millis <= last_millis:
                millis, random = last_millis, last_random + 1
            else:
                random = secrets.randbits(72)  # room to count up within one millisecond
            self._last = (millis, random)
        return f"{prefix}_{_encode(millis, 10)}{_encode(random, 16)}"
