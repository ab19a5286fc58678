"""Cookies as tests need them: signed through the middleware's own key ring with a
fake clock (so aged and expired values are real ones), and Set-Cookie inspection."""

from __future__ import annotations

from typing import Any

import httpx

from workos_middleware._keys.signing import KeyRing, SigningPurpose
from workos_middleware._sessions.format import SessionFormat

from .clock import FakeClock
from .constants import SECRET

SESSION_COOKIE = "next-auth.session-token"


def sign(purpose: SigningPurpose, value: Any, *, secret: str = SECRET, age: float = 0.0) -> str:
    """``value`` signed for ``purpose`` by the middleware's own key ring, ``age`` seconds
    ago (a negative age is a timestamp from the future)."""
    return KeyRing([secret], clock=FakeClock(-age)).dumps(purpose, value)


def seal(purpose: SigningPurpose, value: Any, *, secret: str = SECRET, age: float = 0.0) -> str:
    """``value`` encrypted for ``purpose`` (as the state cookie is), ``age`` seconds ago."""
    return KeyRing([secret], clock=FakeClock(-age)).seal(purpose, value)


def session_cookie(token: Any, *, secret: str = SECRET, age: float = 0.0) -> str:
    """A session cookie value for ``token``, issued ``age`` seconds ago (30-day expiry),
    in the middleware's own format."""
    keys = KeyRing([secret], clock=FakeClock(-age))
    encoder = SessionFormat(keys.keys_for("session"), keys.clock, max_age=30 * 86400)
    return encoder.encode(token)[0]


def stored_session_cookie(*, secret: str = SECRET) -> str:
    """A server-side session's cookie value, signed as the middleware signs one (so it is
    verified, and the store asked, before any answer), for a session no store holds."""
    tag, sid = "t0", "s" * 32
    return f"{tag}.{sid}.{KeyRing([secret]).mac('session_id', f'{tag}.{sid}')}"


def session_token(**overrides: Any) -> dict[str, Any]:
    token: dict[str, Any] = {
        "sub": "prof_01ALICE",
        "name": "Alice Anderson",
        "email": "alice@example.com",
        "image": None,
    }
    token.update(overrides)
    return token


def set_cookie_headers(response: httpx.Response) -> list[str]:
    return response.headers.get_list("set-cookie")


def cookie_cleared(response: httpx.Response, name: str) -> bool:
    return any(h.startswith(f"{name}=;") and "Max-Age=0" in h for h in set_cookie_headers(response))
