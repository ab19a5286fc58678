"""The emulator's run-time state: data, pending sign-ins, codes, tokens, sessions, keys, faults.

Everything lives in memory behind one lock, so tests may also reach it in-process through
``app.state.emulator`` from another thread.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .data import EmulatorData
from .events import Event, EventLog
from .faults import ENDPOINTS, Fault, parse_fault
from .ids import new_id, new_ulid
from .keys import KeyRing
from .portal_links import PortalLinks
from .webhooks import Deliverer

CODE_LIFETIME = 600
"""Seconds an authorization code stays redeemable (WorkOS: about ten minutes)."""
PENDING_LIFETIME = 3600
"""Seconds the IdP page's buttons keep working."""
LOG_SIZE = 500
PROVIDER_ENDPOINTS = {
    "oidc": ("discovery", "token", "userinfo", "jwks"),
    "github": ("token", "user", "emails"),
}
"""The fault names of a provider's endpoints, after its id: ``google.token``."""


@dataclass(frozen=True)
class PendingSignIn:
    """A validated authorization request waiting for the user's choice on a sign-in page.

    ``audience`` says whose request it is: ``sso``, ``authkit`` or a provider's id.
    """

    id: str
    audience: str
    client_id: str
    redirect_uri: str
    state: str | None
    code_challenge: str | None
    expires_at: float
    connection_id: str | None = None
    organization_id: str | None = None
    login_hint: str | None = None
    screen_hint: str | None = None
    nonce: str | None = None
    scope: str | None = None


@dataclass
class IssuedCode:
    """An authorization code for one audience; ``grant`` is what it will yield."""

    code: str
    audience: str
    client_id: str
    redirect_uri: str
    grant: dict[str, Any]
    code_challenge: str | None
    expires_at: float
    used: bool = False


@dataclass(frozen=True)
class AccessToken:
    token: str
    audience: str
    grant: dict[str, Any]
    expires_at: float


@dataclass
class AuthSession:
    """An AuthKit session: what ``sid`` names, refresh tokens renew and logout ends."""

    id: str
    user_id: str
    organization_id: str | None
    authentication_method: str
    created_at: float
    ended: bool = False
    impersonator: dict[str, str | None] | None = None


@dataclass
class RefreshToken:
    token: str
    session_id: str
    used: bool = False


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
        self._sessions: dict[str, AuthSession] = {}
        self._refresh_tokens: dict[str, RefreshToken] = {}
        # A strict OIDC provider's own browser sessions (cookie value -> provider, sub)
        # and the ID tokens it issued (for id_token_hint: token -> provider, sub, expiry).
        self._idp_sessions: dict[str, tuple[str, str]] = {}
        self._id_tokens: dict[str, tuple[str, str, float]] = {}
        self._rings: dict[str, KeyRing] = {}
        self._faults: list[Fault] = []
        self._fault_count = 0
        self._log: deque[dict[str, Any]] = deque(maxlen=LOG_SIZE)
        self.events = EventLog(clock)
        self.deliverer = Deliverer(clock)
        self.portal_links = PortalLinks(clock)

    # -- data -----------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the data and keys the app was created with; forget everything else."""
        with self._lock:
            self.data = self._initial
            for table in (self._pending, self._codes, self._tokens, self._sessions):
                table.clear()
            self._refresh_tokens.clear()
            self._idp_sessions.clear()
            self._id_tokens.clear()
            self._rings.clear()
            self._faults.clear()
            self._log.clear()
            self.events.clear()
            self.deliverer.clear()
            self.portal_links.clear()

    def update_data(self, change: Callable[[EmulatorData], EmulatorData]) -> EmulatorData:
        """Apply ``change`` to the current data atomically and keep its result."""
        with self._lock:
            self.data = change(self.data)
            return self.data

    @property
    def redirect_uris(self) -> tuple[str, ...]:
        return self.extra_redirect_uris + self.data.redirect_uris

    # -- events ---------------------------------------------------------------------------

    def emit(self, event: str, data: dict[str, Any], organization_id: str | None) -> Event:
        """Record an event for the Events API and send it to the subscribed endpoints."""
        recorded = self.events.record(event, data, organization_id)
        self.deliver(recorded)
        return recorded

    def deliver(self, event: Event) -> None:
        """Send ``event`` (again) to every webhook endpoint subscribed to its type."""
        body = json.dumps(event.to_json(), separators=(",", ":")).encode("utf-8")
        self.deliverer.send(event.id, event.event, body, self.data.webhooks)

    # -- sign-in --------------------------------------------------------------------------

    def start_sign_in(
        self,
        audience: str,
        *,
        client_id: str,
        redirect_uri: str,
        state: str | None,
        code_challenge: str | None,
        **details: str | None,
    ) -> PendingSignIn:
        pending = PendingSignIn(
            id=secrets.token_urlsafe(24),
            audience=audience,
            client_id=client_id,
            redirect_uri=redirect_uri,
            state=state,
            code_challenge=code_challenge,
            expires_at=self.clock() + PENDING_LIFETIME,
            **details,
        )
        with self._lock:
            self._purge()
            self._pending[pending.id] = pending
        return pending

    def finish_sign_in(self, pending_id: str, audience: str) -> PendingSignIn | None:
        """The pending sign-in, removed so its buttons work once; ``None`` if gone or expired."""
        with self._lock:
            pending = self._pending.get(pending_id)
            if pending is None or pending.audience != audience:
                return None
            del self._pending[pending_id]
        if pending.expires_at <= self.clock():
            return None
        return pending

    def issue_code(
        self,
        audience: str,
        *,
        client_id: str,
        redirect_uri: str,
        grant: dict[str, Any],
        code_challenge: str | None,
    ) -> str:
        code = new_ulid(self.clock())
        issued = IssuedCode(
            code=code,
            audience=audience,
            client_id=client_id,
            redirect_uri=redirect_uri,
            grant=grant,
            code_challenge=code_challenge,
            expires_at=self.clock() + CODE_LIFETIME,
        )
        with self._lock:
            self._purge()
            self._codes[code] = issued
        return code

    def peek_code(self, code: str, audience: str) -> IssuedCode | None:
        """The code if it is still redeemable by ``audience``, without using it up."""
        with self._lock:
            issued = self._codes.get(code)
            if issued is None or issued.used or issued.expires_at <= self.clock():
                return None
            return issued if issued.audience == audience else None

    def redeem_code(self, code: str, audience: str) -> IssuedCode | None:
        """Use the code up; ``None`` if unknown, already used, expired or another's."""
        with self._lock:
            issued = self.peek_code(code, audience)
            if issued is not None:
                issued.used = True
            return issued

    def issue_token(
        self, audience: str, grant: dict[str, Any], lifetime: float, prefix: str = ""
    ) -> str:
        """An opaque access token for ``grant`` (``prefix`` + a ULID)."""
        token = prefix + new_ulid(self.clock())
        with self._lock:
            expires_at = self.clock() + lifetime
            self._tokens[token] = AccessToken(token, audience, grant, expires_at)
        return token

    def token_grant(self, token: str, audience: str) -> dict[str, Any] | None:
        """What an opaque access token was issued for, while it lives."""
        with self._lock:
            found = self._tokens.get(token)
        if found is None or found.audience != audience or found.expires_at <= self.clock():
            return None
        return found.grant

    # -- a strict OIDC provider's sessions and ID tokens ----------------------------------

    def start_idp_session(self, provider_id: str, sub: str) -> str:
        """A provider's browser session for ``sub``: the value of its cookie."""
        cookie = secrets.token_urlsafe(24)
        with self._lock:
            self._idp_sessions[cookie] = (provider_id, sub)
        return cookie

    def idp_session(self, cookie: str | None, provider_id: str) -> str | None:
        """The user (``sub``) of a live session of ``provider_id``, if the cookie names one."""
        with self._lock:
            found = self._idp_sessions.get(cookie or "")
        return found[1] if found is not None and found[0] == provider_id else None

    def end_idp_session(self, cookie: str | None) -> bool:
        with self._lock:
            return self._idp_sessions.pop(cookie or "", None) is not None

    def note_id_token(self, token: str, provider_id: str, sub: str, expires_at: float) -> None:
        with self._lock:
            now = self.clock()
            for key in [k for k, v in self._id_tokens.items() if v[2] <= now]:
                del self._id_tokens[key]
            self._id_tokens[token] = (provider_id, sub, expires_at)

    def id_token_subject(self, token: str, provider_id: str) -> str | None:
        """Whose ID token ``token`` is, if this provider issued it (kept a day after it
        was issued, expired or not: a logout hint may be old)."""
        with self._lock:
            found = self._id_tokens.get(token)
        return found[1] if found is not None and found[0] == provider_id else None

    def _purge(self) -> None:
        now = self.clock()
        for table in (self._pending, self._codes, self._tokens):
            for key in [k for k, v in table.items() if v.expires_at <= now - CODE_LIFETIME]:
                del table[key]

    # -- AuthKit sessions -----------------------------------------------------------------

    def start_session(
        self,
        user_id: str,
        organization_id: str | None,
        authentication_method: str,
        impersonator: dict[str, str | None] | None = None,
    ) -> AuthSession:
        now = self.clock()
        session = AuthSession(
            new_id("session", now),
            user_id,
            organization_id,
            authentication_method,
            now,
            impersonator=impersonator,
        )
        with self._lock:
            self._sessions[session.id] = session
        return session

    def issue_refresh_token(self, session_id: str) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._refresh_tokens[token] = RefreshToken(token, session_id)
        return token

    def use_refresh_token(
        self, token: str, *, organization_id: str | None = None
    ) -> AuthSession | str:
        """The session a refresh token renews, switched to ``organization_id`` if given, or
        why it cannot be. The token is used up only when the refresh succeeds."""
        with self._lock:
            found = self._refresh_tokens.get(token)
            if found is None:
                return "The refresh token is not valid."
            if found.used:
                return "The refresh token has already been used."
            session = self._sessions.get(found.session_id)
            if session is None or session.ended:
                return "The session has ended."
            if organization_id is not None:
                user = self.data.authkit_user(session.user_id)
                if user is None or user.membership(organization_id) is None:
                    return f"The user is not a member of the organization {organization_id}."
                session.organization_id = organization_id
            found.used = True
            return session

    def end_session(self, session_id: str) -> bool:
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None or session.ended:
                return False
            session.ended = True
            return True

    def sessions(self) -> list[AuthSession]:
        with self._lock:
            return list(self._sessions.values())

    # -- signing keys ---------------------------------------------------------------------

    def key_ring(self, issuer: str) -> KeyRing:
        """The keys of ``issuer`` (``workos`` or a provider id), made on first use."""
        with self._lock:
            ring = self._rings.get(issuer)
            if ring is None:
                ring = self._rings[issuer] = KeyRing(issuer)
            return ring

    # -- faults ---------------------------------------------------------------------------

    def fault_endpoints(self) -> tuple[list[str], list[str]]:
        """The endpoint names faults may name, and those that issue signed tokens."""
        endpoints, signing = list(ENDPOINTS), ["authenticate"]
        for provider in self.data.providers:
            parts = PROVIDER_ENDPOINTS[provider.kind]
            endpoints.extend(f"{provider.id}.{part}" for part in parts)
            if provider.kind == "oidc":
                signing.append(f"{provider.id}.token")
        return endpoints, signing

    def add_fault(self, raw: object) -> Fault:
        with self._lock:
            self._fault_count += 1
            fault = parse_fault(raw, f"fault_{self._fault_count}", *self.fault_endpoints())
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
