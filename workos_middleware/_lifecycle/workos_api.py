"""Calls to WorkOS's management API beyond sign-in: the Events API and Admin Portal
links. Each is a flow (one :class:`~._effects.Fetch`), authenticated with the API key
of the configured WorkOS or AuthKit provider.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from .._base.effects import Flow, fetch
from .._base.errors import ProviderError
from .._config.config import AuthConfig
from ..providers._authkit import AuthKitProvider
from ..providers._workos import WorkOSProvider
from ..providers._workos_profile import workos_json

__all__ = ["WorkOSApi"]


@dataclass(frozen=True)
class WorkOSApi:
    """WorkOS's API at ``base_url`` with ``api_key`` (``WORKOS_API_KEY``)."""

    base_url: str
    api_key: str

    @classmethod
    def of(cls, config: AuthConfig) -> WorkOSApi | None:
        """The API of the first WorkOS or AuthKit provider, ``None`` without one."""
        for provider in config.providers.values():
            if isinstance(provider, (WorkOSProvider, AuthKitProvider)):
                return cls(provider.base_url, provider.client_secret)
        return None

    def _headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.api_key}", "accept": "application/json"}

    def events(
        self,
        types: Sequence[str],
        *,
        after: str | None,
        limit: int,
        range_start: str | None = None,
    ) -> Flow[tuple[list[Any], str | None]]:
        """One page of ``GET /events`` (oldest first): the events and the cursor after
        the last of them (``None`` at the end of the list)."""
        params = {"events": ",".join(types), "limit": str(limit)}
        if after:
            params["after"] = after
        elif range_start:
            params["range_start"] = range_start
        request = httpx.Request(
            "GET", f"{self.base_url}/events", params=params, headers=self._headers()
        )
        data = workos_json((yield from fetch(request)), "events")
        events = data.get("data")
        if not isinstance(events, list):
            raise ProviderError(f"the WorkOS events endpoint at {request.url} sent no data list")
        metadata = data.get("list_metadata")
        after_next = metadata.get("after") if isinstance(metadata, dict) else None
        return events, after_next if isinstance(after_next, str) and after_next else None

    def portal_link(self, organization: str, intent: str, return_url: str) -> Flow[str]:
        """``POST /portal/generate_link``: a one-time Admin Portal link."""
        body = {"organization": organization, "intent": intent, "return_url": return_url}
        request = httpx.Request(
            "POST", f"{self.base_url}/portal/generate_link", json=body, headers=self._headers()
        )
        data = workos_json((yield from fetch(request)), "Admin Portal link")
        link = data.get("link")
        if not isinstance(link, str) or not link.startswith(("https://", "http://")):
            raise ProviderError("the WorkOS Admin Portal link endpoint sent no link")
        return link
