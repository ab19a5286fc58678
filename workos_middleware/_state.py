"""The OAuth state and PKCE verifier, kept in a signed cookie bound to the browser.

Issued by the sign-in POST; the callback accepts a response only if the cookie exists,
verifies, is younger than :data:`STATE_MAX_AGE`, names the same provider and holds the
same ``state`` as the query. A missing or undecodable cookie is a failure, never a
skipped check.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Final

from ._signing import KeyRing

__all__ = ["STATE_MAX_AGE", "PendingSignIn", "issue", "verify"]

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
    value = keys.dumps(
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
    loaded = keys.loads("state", cookie_value, max_age=STATE_MAX_AGE)
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
