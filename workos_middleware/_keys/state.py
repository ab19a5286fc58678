"""The OAuth state and PKCE verifier, kept in an encrypted cookie bound to the browser.

Issued by the sign-in POST; the callback accepts a response only if the cookie exists,
verifies, is younger than :data:`STATE_MAX_AGE`, names the same provider and holds the
same ``state`` as the query. A missing or undecodable cookie is a failure, never a
skipped check. The cookie is sealed (AES-GCM, see :meth:`~._signing.KeyRing.seal`):
the browser carries the PKCE verifier but cannot read it.

A state is also used once: :class:`UsedStates` remembers the states this process has
redeemed until they would have expired anyway, so a replayed or parallel callback with
the same state (even with a copied cookie) is refused. Across processes only a
server-side session store makes this strict (its one-time state records).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from typing import Final

from .signing import KeyRing

__all__ = ["STATE_MAX_AGE", "PendingSignIn", "UsedStates", "issue", "verify"]

STATE_MAX_AGE: Final = 15 * 60


@dataclass(frozen=True)
class PendingSignIn:
    state: str
    code_verifier: str
    provider: str
    callback_url: str
    # OpenID Connect's nonce: sent in the authorization request, expected in the ID token.
    nonce: str | None = None

    @property
    def code_challenge(self) -> str:
        digest = hashlib.sha256(self.code_verifier.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def issue(keys: KeyRing, provider: str, callback_url: str) -> tuple[PendingSignIn, str]:
    """A new pending sign-in (256-bit state, 64-character verifier) and its cookie."""
    pending = PendingSignIn(
        state=secrets.token_urlsafe(32),
        code_verifier=secrets.token_urlsafe(48),
        provider=provider,
        callback_url=callback_url,
        nonce=secrets.token_urlsafe(16),
    )
    value = keys.seal(
        "state",
        {
            "s": pending.state,
            "v": pending.code_verifier,
            "p": provider,
            "u": callback_url,
            "n": pending.nonce,
        },
    )
    return pending, value


def verify(
    keys: KeyRing, cookie_value: str | None, provider: str, state: str | None
) -> PendingSignIn | None:
    """The pending sign-in the callback may complete, or ``None`` (fail closed)."""
    if not cookie_value or not state or len(cookie_value) > 8192:
        return None
    loaded = keys.unseal("state", cookie_value, max_age=STATE_MAX_AGE)
    if loaded is None:
        return None
    data = loaded[0]
    if not isinstance(data, dict):
        return None
    fields = (data.get("s"), data.get("v"), data.get("p"), data.get("u"))
    if not all(isinstance(f, str) for f in fields):
        return None
    saved_state, verifier, saved_provider, callback_url = fields
    assert isinstance(saved_state, str)
    if saved_provider != provider:
        return None
    if not hmac.compare_digest(saved_state.encode(), state.encode("utf-8", "replace")):
        return None
    nonce = data.get("n")
    return PendingSignIn(
        saved_state,
        str(verifier),
        provider,
        str(callback_url),
        nonce if isinstance(nonce, str) else None,
    )


class UsedStates:
    """The states redeemed in this process, each until it would have expired: a bounded
    set (``limit`` entries; when full, expired entries go first, then the oldest).

    :meth:`consume` is atomic (a lock), so of parallel callbacks with one state exactly
    one proceeds, under threads (WSGI) as on one event loop (ASGI).
    """

    def __init__(self, limit: int = 100_000) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._used: dict[bytes, float] = {}  # state digest -> when it expires

    def consume(self, state_id: str, expires_at: float, now: float = 0.0) -> bool:
        """``True`` the first time ``state_id`` is seen, ``False`` afterwards."""
        key = hashlib.sha256(state_id.encode("utf-8", "replace")).digest()
        with self._lock:
            if key in self._used:
                return False
            if len(self._used) >= self.limit:
                self._evict(now)
            self._used[key] = expires_at
            return True

    def _evict(self, now: float) -> None:
        live = {k: v for k, v in self._used.items() if v > now}
        if len(live) >= self.limit:
            # Oldest first (insertion order): keep the newest half.
            keep = list(live.items())[len(live) // 2 :]
            live = dict(keep)
        self._used = live
