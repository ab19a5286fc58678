"""What a provider keeps with a session after sign-in: refresh, sign-out, organization.

Some providers (WorkOS AuthKit) hand back a ``provider_state`` at sign-in: a refresh
token, the provider's session id, the access token's expiry. It is sealed (AES-GCM, see
:mod:`._sealing`) into the session token under :data:`SEALED_KEY`, next to
:data:`PROVIDER_KEY` naming the provider, so it is never readable from the cookie (nor
from a server-side store). On each request with a session, :meth:`ProviderTokens.renew`
asks the provider whether its access token is about to expire and, if so, refreshes it
(once per process for concurrent requests, see :mod:`._single_flight`). A refresh that
fails keeps the session while the access token is still valid and ends it after.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from .._base.effects import Flow
from .._base.errors import ProviderError
from .._base.types import SessionToken, User
from .._keys.sealing import Sealer
from ..providers._base import Provider
from .record import SessionRecord

__all__ = ["PROVIDER_KEY", "SEALED_KEY", "ProviderTokens"]

logger = logging.getLogger("workos_middleware")

PROVIDER_KEY = "provider"
SEALED_KEY = "provider_state"


class ProviderTokens:
    def __init__(
        self,
        providers: Mapping[str, Provider],
        secrets: tuple[str, ...],
        clock: Callable[[], float],
    ) -> None:
        self.providers = providers
        self.sealer = Sealer(secrets, "provider-state")
        self.clock = clock
        # Providers that keep state without refreshing it (OIDC's ID token, for the
        # sign-out only): their sessions' state is never opened on an ordinary request.
        self._kept_only = frozenset(
            pid for pid, p in providers.items() if getattr(p, "needs_refresh", None) is None
        )

    def may_renew(self, found: SessionRecord) -> bool:
        """Whether a verified session may need :meth:`renew`: it keeps sealed state for
        a provider that refreshes (or for one no longer configured: it then ends)."""
        return found.has(SEALED_KEY) and found.get(PROVIDER_KEY) not in self._kept_only

    def attach(self, token: SessionToken, provider_id: str, state: Mapping[str, Any]) -> None:
        """Keep ``state`` (sealed) in a freshly signed-in session's token."""
        token["provider"] = provider_id
        token["provider_state"] = self.sealer.seal(dict(state))

    def _opened(self, token: SessionToken) -> tuple[Any, dict[str, Any]] | None:
        """The provider and its state for this token; ``None`` if there is none.

        Raises :class:`ProviderError` when the token carries state that cannot be used
        (sealed under a retired secret, or its provider is no longer configured)."""
        sealed = token.get("provider_state")
        if sealed is None:
            return None
        provider = self.providers.get(str(token.get("provider")))
        state = self.sealer.open(sealed)
        if provider is None or not isinstance(state, dict):
            raise ProviderError("the session's provider state cannot be used")
        return provider, state

    def renew(self, token: SessionToken) -> Flow[SessionToken | None]:
        """``token`` itself when nothing changes, a new token after a refresh, or
        ``None`` when the session has ended (expired and not refreshable)."""
        if token.get(PROVIDER_KEY) in self._kept_only:
            return token  # state kept for the sign-out only: nothing to renew
        try:
            found = self._opened(token)
        except ProviderError as exc:
            logger.warning("session ended: %s", exc)
            return None
        if found is None:
            return token
        provider, state = found
        now = self.clock()
        needs_refresh = getattr(provider, "needs_refresh", None)
        if needs_refresh is None or not needs_refresh(state, now):
            return token
        try:
            user, new_state = yield from provider.refresh(state)
        except Exception as exc:
            expired = getattr(provider, "expired", None)
            if expired is None or expired(state, now):
                logger.warning(
                    "session ended: the %s access token expired and refreshing it failed: %r",
                    provider.id,
                    exc,
                )
                return None
            logger.warning("refreshing the %s session failed, retrying later: %r", provider.id, exc)
            return token
        return self._updated(token, provider.id, user, new_state)

    def switch_organization(self, token: SessionToken, organization_id: str) -> Flow[SessionToken]:
        """The token of the same session switched to ``organization_id``; raises
        :class:`ProviderError` when the provider cannot or will not switch."""
        found = self._opened(token)
        if found is None or not hasattr(found[0], "refresh"):
            raise ProviderError("this session's provider has no organizations", "AccessDenied")
        provider, state = found
        try:
            user, new_state = yield from provider.refresh(state, organization_id)
        except ProviderError as exc:
            raise ProviderError(str(exc), "AccessDenied") from exc
        if user.get("organization_id") != organization_id:
            raise ProviderError("the provider did not switch the organization", "AccessDenied")
        return self._updated(token, provider.id, user, new_state)

    def signout_url(self, token: SessionToken, return_to: str) -> str | None:
        """The provider's logout URL for this session (ending its session too), if any."""
        try:
            found = self._opened(token)
        except ProviderError:
            return None
        if found is None:
            return None
        provider, state = found
        method = getattr(provider, "signout_url", None)
        if method is None:
            return None
        url = method(state, return_to)
        return url if isinstance(url, str) and url else None

    def _updated(
        self,
        token: SessionToken,
        provider_id: str,
        user: User,
        state: Mapping[str, Any],
    ) -> SessionToken:
        """The token with what a refresh may change (the user's record, the
        organization, its roles and permissions) and the new sealed state."""
        new = token.copy()
        if "name" in user:
            new["name"] = user["name"]
        if "email" in user:
            new["email"] = user["email"]
        if "image" in user:
            new["image"] = user["image"]
        if "organization_id" in user:
            new["organization_id"] = user["organization_id"]
        if "roles" in user:
            new["roles"] = user["roles"]
        if "permissions" in user:
            new["permissions"] = user["permissions"]
        self.attach(new, provider_id, state)
        return new
