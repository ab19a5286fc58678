"""The WorkOS SSO provider: authorization URL, token exchange (the profile mapping is in
:mod:`._workos_profile`).

WorkOS is a bridge to each customer's own IdP, so every sign-in names a connection
selector: an ``organization``, a ``connection``, an OAuth ``provider`` or the deprecated
``domain``. It comes from the sign-in request's query (NextAuth's authorization params),
from the email the user typed (its domain looked up in ``domains``, else sent as
``domain``), or from the configured default.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import quote, urlencode

import httpx

from .._base.effects import Flow, fetch
from .._base.errors import (
    ConfigurationError,
    ProviderError,
    ProviderMisconfigured,
    ProviderUnavailable,
)
from .._base.types import ErrorCode
from ._base import SignInResult
from ._credentials import check_workos_credentials
from ._query import code_flow_query, passed_params
from ._workos_profile import email_domain, profile_to_user, workos_json

__all__ = ["AUTHORIZATION_PARAMS", "WorkOSProvider"]

logger = logging.getLogger("workos_middleware")

DEFAULT_BASE_URL = "https://api.workos.com"

# The only query parameters a sign-in request may pass on to WorkOS. The protocol
# fields (state, redirect_uri, client_id, response_type, PKCE) are set by the core and
# can never be replaced from the query (NextAuth v3 let them be).
AUTHORIZATION_PARAMS = (
    "organization",
    "connection",
    "provider",
    "domain",
    "login_hint",
    "domain_hint",
)
SELECTORS = ("organization", "connection", "provider", "domain")

_VERIFIED = ("verified", "legacy_verified")
# WorkOS errors that mean "no usable connection for this sign-in": a clear message on
# the sign-in page rather than NextAuth's generic one.
_CALLBACK_ERRORS: dict[str, ErrorCode] = {
    "organization_invalid": "NoConnection",
    "connection_invalid": "NoConnection",
    "invalid_connection_selector": "NoConnection",
    "connection_unlinked": "NoConnection",
    "ambiguous_connection_selector": "NoConnection",
    "profile_not_allowed_outside_organization": "AccessDenied",
}


class WorkOSProvider:
    """WorkOS single sign-on.

    ``domains`` maps an email domain to an organization id (``org_...``) or a
    connection id (``conn_...``); ``organization`` / ``connection`` is the default
    selector when a sign-in names none. ``idp_initiated`` decides what a callback
    without ``state`` (a sign-in started from the IdP's dashboard) does: ``"refuse"``
    (the default) or ``"restart"`` the sign-in from this app through the same connection.
    """

    type = "oauth"
    style: Literal["sso", "oauth"] = "sso"

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        base_url: str = DEFAULT_BASE_URL,
        organization: str | None = None,
        connection: str | None = None,
        domains: Mapping[str, str] | None = None,
        lookup_organizations: bool = True,
        organization_names: bool = False,
        idp_initiated: Literal["refuse", "restart"] = "refuse",
        id: str = "workos",
        name: str = "WorkOS",
    ) -> None:
        if idp_initiated not in ("refuse", "restart"):
            raise ConfigurationError("idp_initiated must be 'refuse' or 'restart'")
        self.idp_initiated = idp_initiated
        check_workos_credentials("WorkOS", client_id, client_secret, base_url)
        if organization and connection:
            raise ConfigurationError("set a default organization or connection, not both")
        self.domains: dict[str, tuple[str, str]] = {}
        for domain, target in (domains or {}).items():
            self.domains[domain.strip().lower()] = (_selector_for(target), target)
        self.id = id
        self.name = name
        self.client_id = client_id
        self.client_secret = client_secret
        self.lookup_organizations = lookup_organizations
        self.organization_names = organization_names
        self.base_url = base_url.rstrip("/")
        self.default: tuple[str, str] | None = None
        if organization:
            self.default = ("organization", organization)
        elif connection:
            self.default = ("connection", connection)

    def __repr__(self) -> str:
        return f"WorkOSProvider(client_id={self.client_id!r}, base_url={self.base_url!r})"

    def authorization_params(
        self, query: Mapping[str, str], email: str | None
    ) -> Flow[dict[str, str]]:
        params = passed_params(query, AUTHORIZATION_PARAMS)
        if email:
            domain = email_domain(email)
            if domain is None:
                raise ProviderError(f"not an email address: {email[:80]!r}", "NoConnection")
            params["login_hint"] = email.strip()
            if not any(key in params for key in SELECTORS):
                if domain in self.domains:
                    selector, target = self.domains[domain]
                    params[selector] = target
                else:
                    organization = None
                    if self.lookup_organizations:
                        organization = yield from self._organization_with_domain(domain)
                    if organization is not None:
                        params["organization"] = organization
                    else:
                        params["domain"] = domain
        if not any(key in params for key in SELECTORS):
            if self.default is None:
                raise ProviderError(
                    "no WorkOS connection selector: the sign-in named no organization, "
                    "connection, provider, domain or email, and no default is configured",
                    "NoConnection",
                )
            params[self.default[0]] = self.default[1]
        return params

    def _organization_with_domain(self, domain: str) -> Flow[str | None]:
        """The organization that verified ``domain`` (WorkOS's recommended flow), or
        ``None``; a failed lookup is logged and falls back to the ``domain`` selector."""
        request = self._get("/organizations", self.client_secret, {"domains": domain})
        try:
            response = yield from fetch(request)
            data = workos_json(response, "organizations").get("data")
        except (ProviderUnavailable, ProviderMisconfigured):
            # Never send the browser on to a WorkOS that cannot be reached or refuses us.
            raise
        except Exception as exc:
            logger.warning("organization lookup for %s failed: %s", domain, exc)
            return None
        for organization in data if isinstance(data, list) else []:
            if not isinstance(organization, dict) or not isinstance(organization.get("id"), str):
                continue
            for entry in organization.get("domains") or []:
                if (
                    isinstance(entry, dict)
                    and str(entry.get("domain", "")).lower() == domain
                    and entry.get("state") in _VERIFIED
                ):
                    organization_id: str = organization["id"]
                    return organization_id
        return None

    def error_code(self, error: str) -> ErrorCode:
        """The NextAuth error code for an ``error=`` WorkOS sent back to the callback."""
        return _CALLBACK_ERRORS.get(error, "OAuthCallback")

    def authorization_url(
        self,
        params: Mapping[str, str],
        *,
        redirect_uri: str,
        state: str,
        code_challenge: str,
        nonce: str | None = None,
    ) -> str:
        query = code_flow_query(
            params,
            client_id=self.client_id,
            redirect_uri=redirect_uri,
            state=state,
            code_challenge=code_challenge,
        )
        return f"{self.base_url}/sso/authorize?{urlencode(query)}"

    def idp_initiated_params(self, code: str, query: Mapping[str, str]) -> Flow[dict[str, str]]:
        """The connection of an IdP-initiated response, to restart the sign-in with.

        The unsolicited code is exchanged only to learn which connection sent the user;
        its profile is discarded, and the user signs in again through that connection
        with this browser's own state and PKCE (WorkOS's recommendation).
        """
        data = yield from self._exchange(code, None)
        profile = data.get("profile")
        connection = profile.get("connection_id") if isinstance(profile, dict) else None
        if not isinstance(connection, str) or not connection.startswith("conn_"):
            raise ProviderError("the IdP-initiated response names no connection")
        return {"connection": connection}

    def _exchange(self, code: str, code_verifier: str | None) -> Flow[dict[str, Any]]:
        body = {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "grant_type": "authorization_code",
            "code": code,
        }
        if code_verifier is not None:
            body["code_verifier"] = code_verifier
        request = httpx.Request(
            "POST",
            f"{self.base_url}/sso/token",
            json=body,
            headers={"accept": "application/json"},
        )
        response = yield from fetch(request)
        return workos_json(response, "token")

    def complete(
        self, *, code: str, redirect_uri: str, code_verifier: str, nonce: str | None = None
    ) -> Flow[SignInResult]:
        data = yield from self._exchange(code, code_verifier)
        profile = data.get("profile")
        access_token = data.get("access_token")
        if not isinstance(profile, dict):
            # The token answer normally carries the profile; ask for it only if not.
            if not isinstance(access_token, str) or not access_token:
                raise ProviderError("token response has neither profile nor access_token")
            response = yield from fetch(self._get("/sso/profile", access_token))
            profile = workos_json(response, "profile")
        user = profile_to_user(profile)
        if self.organization_names and user.get("organization_id"):
            name = yield from self._organization_name(str(user["organization_id"]))
            if name:
                user["organization_name"] = name
        account = {
            "provider": self.id,
            "type": self.type,
            "providerAccountId": user["id"],
            "access_token": access_token,
            "expires_in": data.get("expires_in"),
            "token_type": data.get("token_type"),
        }
        return SignInResult(user=user, account=account, profile=profile)

    def _get(
        self, path: str, bearer: str, params: Mapping[str, str] | None = None
    ) -> httpx.Request:
        """A GET of the WorkOS API at ``path``, authorized with ``bearer``."""
        return httpx.Request(
            "GET",
            f"{self.base_url}{path}",
            params=params,
            headers={"authorization": f"Bearer {bearer}", "accept": "application/json"},
        )

    def _organization_name(self, organization_id: str) -> Flow[str | None]:
        """``GET /organizations/{id}``'s name, for pages that greet the organization; a
        sign-in never fails for it (``None`` when WorkOS does not answer with one)."""
        try:
            path = f"/organizations/{quote(organization_id, safe='')}"
            response = yield from fetch(self._get(path, self.client_secret))
            found = workos_json(response, "organization")
        except ProviderError as exc:
            logger.warning("organization name of %s not available: %s", organization_id, exc)
            return None
        name = found.get("name")
        return name[:200] if isinstance(name, str) and name.strip() else None


def _selector_for(target: str) -> str:
    if target.startswith("org_"):
        return "organization"
    if target.startswith("conn_"):
        return "connection"
    raise ConfigurationError(
        f"domain map values must be organization (org_...) or connection (conn_...) ids, "
        f"got {target!r}"
    )
