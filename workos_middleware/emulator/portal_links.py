"""Admin Portal links and the portal sessions they open: one-time, short-lived secrets."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass

LINK_LIFETIME = 300
"""Seconds a generated link may be opened in (once), as WorkOS's."""
SESSION_LIFETIME = 3600
"""Seconds the portal page keeps working once the link was opened."""


@dataclass(frozen=True)
class PortalLink:
    """What a generated link opens: the portal of ``organization_id`` for ``intent``."""

    organization_id: str
    intent: str | None
    return_url: str | None
    success_url: str | None
    expires_at: float


class PortalLinks:
    """Unopened links (by secret) and open portal sessions (by id), each until it expires."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._links: dict[str, PortalLink] = {}
        self._sessions: dict[str, PortalLink] = {}

    def issue(self, link: PortalLink) -> str:
        secret = secrets.token_urlsafe(24)
        with self._lock:
            self._purge()
            self._links[secret] = link
        return secret

    def open(self, secret: str) -> str | None:
        """A new session id for the link's portal, using the link up; ``None`` if it is
        unknown, already opened or expired."""
        with self._lock:
            link = self._links.pop(secret, None)
            if link is None or link.expires_at <= self.clock():
                return None
            session_id = secrets.token_urlsafe(24)
            self._sessions[session_id] = PortalLink(
                link.organization_id,
                link.intent,
                link.return_url,
                link.success_url,
                self.clock() + SESSION_LIFETIME,
            )
            return session_id

    def session(self, session_id: str) -> PortalLink | None:
        with self._lock:
            found = self._sessions.get(session_id)
        return found if found is not None and found.expires_at > self.clock() else None

    def clear(self) -> None:
        with self._lock:
            self._links.clear()
            self._sessions.clear()

    def _purge(self) -> None:
        now = self.clock()
        for table in (self._links, self._sessions):
            for key in [k for k, v in table.items() if v.expires_at <= now]:
                del table[key]
