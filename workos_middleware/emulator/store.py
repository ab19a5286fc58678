"""The emulator's run-time state: current data, pending sign-ins, codes, tokens, faults.

Everything lives in memory behind one lock, so tests may also reach it in-process through
``app.state.emulator`` from another thread.
"""

from __future__ import annotations

import secrets
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .data import EmulatorData
from .faults import Fault, parse_fault
from .ids import new_ulid
from .wire import ACCESS_TOKEN_LIFETIME

CODE_LIFETIME = 600
"""Seconds an authorization code stays redeemable (WorkOS: about ten minutes)."""
PENDING_LIFETIME = 3600
"""Seconds the IdP page's buttons keep working."""
LOG_SIZE = 500


@dataclass(frozen=True)
class PendingSignIn:
    """A validated authorization request waiting for the user's choice on the IdP page."""

    id: str
    client_id: str
    redirect_uri: str
    state: str | None
    connection_id: str
    login_hint: str | None
    code_challenge: str | None
    expires_at: float


@dataclass
class IssuedCode:
    """An authorization code; it carries a snapshot of the profile it will yield."""

    code: str
    client_id: str
    redirect_uri: str
    profile: dict[str, Any]
    code_challenge: str | None
    expires_at: float
    used: bool = False


@dataclass(frozen=True)
class AccessToken:
    token: str
    profile: dict[str, Any]
    expires_at: float


class EmulatorState:
    """The state one emulator app works on. ``clock`` returns seconds, like ``time.time``."""

    def __init__(
        self,
        *,
        client_id: str,
        api_key: str,
        data: EmulatorData,
        auto_approve: bool,
        redirect_uris: Iterable[str],
        clock: Callable[[], float],
    ) -> None:
        self.client_id = client_id
        self.api_key = api_key
        self.auto_approve = auto_approve
        self.extra_redirect_uris = tuple(redirect_uris)
        self.clock = clock
        self._lock = threading.RLock()
        self._initial = data
        self.data = data
        self._pending: dict[str, PendingSignIn] = {}
        self._codes: dict[str, IssuedCode] = {}
        self._tokens: dict[str, AccessToken] = {}
        self._faults: list[Fault] = []
        self._fault_count = 0
        self._log: deque[dict[str, Any]] = deque(maxlen=LOG_SIZE)

    # -- data -----------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the data the app was created with; forget codes, tokens, faults and the log."""
        with self._lock:
            self.data = self._initial
            self._pending.clear()
            self._codes.clear()
            self._tokens.clear()
            self._faults.clear()
            self._log.clear()

    def update_data(self, change: Callable[[EmulatorData], EmulatorData]) -> EmulatorData:
        """Apply ``change`` to the current data atomically and keep its result."""
        with self._lock:
            self.data = change(self.data)
            return self.data

    @property
    def redirect_uris(self) -> tuple[str, ...]:
        return self.extra_redirect_uris + self.data.redirect_uris

    # -- sign-in --------------------------------------------------------------------------

    def start_sign_in(
        self,
        *,
        client_id: str,
        redirect_uri: str,
        state: str | None,
        connection_id: str,
        login_hint: str | None,
        code_challenge: str | None,
    ) -> PendingSignIn:
        pending = PendingSignIn(
            id=secrets.token_urlsafe(24),
            client_id=client_id,
            redirect_uri=redirect_uri,
            state=state,
            connection_id=connection_id,
            login_hint=login_hint,
            code_challenge=code_challenge,
            expires_at=self.clock() + PENDING_LIFETIME,
        )
        with self._lock:
            self._purge()
            self._pending[pending.id] = pending
        return pending

    def finish_sign_in(self, pending_id: str) -> PendingSignIn | None:
        """The pending sign-in, removed so its buttons work once; ``None`` if gone or expired."""
        with self._lock:
            pending = self._pending.pop(pending_id, None)
        if pending is None or pending.expires_at <= self.clock():
            return None
        return pending

    def issue_code(
        self,
        *,
        client_id: str,
        redirect_uri: str,
        profile: dict[str, Any],
        code_challenge: str | None,
    ) -> str:
        code = new_ulid(self.clock())
        issued = IssuedCode(
            code=code,
            client_id=client_id,
            redirect_uri=redirect_uri,
            profile=profile,
            code_challenge=code_challenge,
            expires_at=self.clock() + CODE_LIFETIME,
        )
        with self._lock:
            self._purge()
            self._codes[code] = issued
        return code

    def peek_code(self, code: str) -> IssuedCode | None:
        """The code if it is still redeemable, without using it up."""
        with self._lock:
            issued = self._codes.get(code)
            if issued is None or issued.used or issued.expires_at <= self.clock():
                return None
            return issued

    def redeem_code(self, code: str) -> IssuedCode | None:
        """Use the code up; ``None`` if unknown, already used or expired."""
        with self._lock:
            issued = self.peek_code(code)
            if issued is not None:
                issued.used = True
            return issued

    def issue_token(self, profile: dict[str, Any]) -> str:
        token = new_ulid(self.clock())
        with self._lock:
            self._tokens[token] = AccessToken(token, profile, self.clock() + ACCESS_TOKEN_LIFETIME)
        return token

    def profile_for_token(self, token: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._tokens.get(token)
        if found is None or found.expires_at <= self.clock():
            return None
        return found.profile

    def _purge(self) -> None:
        now = self.clock()
        for table in (self._pending, self._codes, self._tokens):
            for key in [k for k, v in table.items() if v.expires_at <= now - CODE_LIFETIME]:
                del table[key]

    # -- faults ---------------------------------------------------------------------------

    def add_fault(self, raw: object) -> Fault:
        with self._lock:
            self._fault_count += 1
            fault = parse_fault(raw, f"fault_{self._fault_count}")
            self._faults.append(fault)
            return fault

    def faults(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def take_fault(self, endpoint: str) -> Fault | None:
        """The oldest one-shot fault for ``endpoint`` (removed), else its newest sticky one."""
        with self._lock:
            mine = [f for f in self._faults if f.endpoint == endpoint]
            one_shot = next((f for f in mine if not f.sticky), None)
            if one_shot is not None:
                self._faults.remove(one_shot)
                return one_shot
            sticky = [f for f in mine if f.sticky]
            return sticky[-1] if sticky else None

    # -- request log ----------------------------------------------------------------------

    def log(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._log.append(entry)

    def requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._log)

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()
