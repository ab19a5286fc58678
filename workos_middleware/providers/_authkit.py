"""WorkOS AuthKit (User Management): hosted sign-in, refresh tokens, signed access tokens.

Sign-in goes to ``/user_management/authorize`` (the hosted AuthKit page by default, or a
connection, an organization or an OAuth provider), the code is redeemed at
``/user_management/authenticate``, and the access token it returns (an RS256 JWT) is
verified against WorkOS's JWKS (``/sso/jwks/{client_id}``, cached) before the user is
believed. The refresh token and the session's WorkOS ids are returned as
``SignInResult.provider_state``: the core keeps them encrypted with the session and hands
them back to :meth:`AuthKitProvider.refresh` shortly before the access token expires
(the refresh-token grant, collapsed per process so that concurrent requests redeem a
single-use refresh token once), to :meth:`~AuthKitProvider.signout_url` at sign-out
(WorkOS's logout URL ends the WorkOS session too), and to ``refresh`` with an
``organization_id`` to switch the session to another organization of the user.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, Literal
from urllib.parse import urlencode

import httpx

from .._base.effects import Flow, fetch
from .._base.errors import ConfigurationError, ProviderError
from .._base.types import ErrorCode, User
from ._base import SignInResult
from ._credentials import check_workos_credentials
from ._jwks import JWKSCache, verify_jwt
from ._oauth import json_object
from ._query import code_flow_query, passed_params

__all__ = ["AuthKitProvider"]

logger = logging.getLogger("workos_middleware")

DEFAULT_BASE_URL = "https://api.workos.com"
_SELECTORS = ("provider", "connection_id", "organization_id")
_ALLOWED = (*_SELECTORS, "login_hint", "domain_hint", "screen_hint")
_DENIED = frozenset({"access_denied"})
_NO_CONNECTION = frozenset(
    {"organization_invalid", "connection_invalid", "invalid_connection_selector"}
)


class AuthKitProvider:
    """Sign in with WorkOS AuthKit (a "Sign in with {name}" button).

    ``provider`` (default ``"authkit"``, the hosted page; or an OAuth provider such as
    ``"GoogleOAuth"``), ``connection_id`` or ``organization_id`` is the default selector;
    a sign-in request's query may name another (``provider``, ``connection_id``,
    ``organization_id``) plus ``login_hint``, ``domain_hint``, ``screen_hint``.
    ``refresh_margin``: refresh this many seconds before the access token expires.
    """

    type = "oauth"
    style: Literal["sso", "oauth"] = "oauth"

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        base_url: str = DEFAULT_BASE_URL,
        provider: str | None = None,
        connection_id: str | None = None,
        organization_id: str | None = None,
        id: str = "authkit",
        name: str = "AuthKit",
        refresh_margin: float = 60.0,
        clock_skew: float = 30.0,
        jwks_min_refetch_interval: float = 60.0,
        logout: bool = True,
        idp_initiated: Literal["refuse", "restart"] = "refuse",
        clock: Callable[[], float] = time.time,
    ) -> None:
        if idp_initiated not in ("refuse", "restart"):
            raise ConfigurationError("AuthKit: idp_initiated must be 'refuse' or 'restart'")
        # "restart": an unsolicited code is not redeemed; a fresh sign-in starts with the
        # default selector (AuthKit's own session usually signs the user straight back in).
        self.idp_initiated: Literal["refuse", "restart"] = idp_initiated
        check_workos_credentials("AuthKit", client_id, client_secret, base_url)
        chosen = [
            (k, v)
            for k, v in zip(_SELECTORS, (provider, connection_id, organization_id), strict=True)
            if v
        ]
        if len(chosen) > 1:
            raise ConfigurationError(
                "AuthKit: set one default of provider, connection_id or organization_id"
            )
        self.default: tuple[str, str] = chosen[0] if chosen else ("provider", "authkit")
        self.id = id
        self.name = name
        self.client_id = client_id
        self.client_secret = client_secret
        self.base_url = base_url.rstrip("/")
        self.refresh_margin = refresh_margin
        self.clock_skew = clock_skew
        self.logout = logout
        self.clock = clock
        self.issuers = (f"{self.base_url}/user_management/{client_id}", self.base_url)
        self.jwks = JWKSCache(
            f"{self.base_url}/sso/jwks/{client_id}",
            min_refetch_interval=jwks_min_refetch_interval,
            clock=clock,
        )

    def __repr__(self) -> str:
        return f"AuthKitProvider(client_id={self.client_id!r}, base_url={self.base_url!r})"

    # -- sign-in --------------------------------------------------------------------

    def authorization_params(
        self, query: Mapping[str, str], email: str | None
    ) -> Flow[dict[str, str]]:
        params = passed_params(query, _ALLOWED)
        if email and len(email) <= 254:
            params.setdefault("login_hint", email.strip())
        selectors = [key for key in _SELECTORS if key in params]
        if len(selectors) > 1:
            raise ProviderError(
                f"name one of provider, connection_id or organization_id, not {selectors}",
                "NoConnection",
            )
        if not selectors:
            params[self.default[0]] = self.default[1]
        return params
        yield  # pragma: no cover

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
        return f"{self.base_url}/user_management/authorize?{urlencode(query)}"

    def error_code(self, error: str) -> ErrorCode:
        if error in _DENIED:
            return "AccessDenied"
        return "NoConnection" if error in _NO_CONNECTION else "OAuthCallback"

    def complete(
        self, *, code: str, redirect_uri: str, code_verifier: str, nonce: str | None = None
    ) -> Flow[SignInResult]:
        data = yield from self._authenticate(
            {"grant_type": "authorization_code", "code": code, "code_verifier": code_verifier}
        )
        user, state, claims = yield from self._session_of(data)
        account = {
            "provider": self.id,
            "type": self.type,
            "providerAccountId": user["id"],
            "access_token": data["access_token"],
            "expires_at": claims.get("exp"),
            "session_id": claims.get("sid"),
            "organization_id": user.get("organization_id"),
            "authentication_method": data.get("authentication_method"),
        }
        raw_user = data.get("user")
        profile = dict(raw_user) if isinstance(raw_user, dict) else {}
        return SignInResult(user=user, account=account, profile=profile, provider_state=state)

    # -- the session after sign-in --------------------------------------------------

    def needs_refresh(self, state: Mapping[str, Any], now: float) -> bool:
        """Whether the access token expires within ``refresh_margin`` seconds."""
        expires = state.get("exp")
        return not isinstance(expires, int | float) or expires - now <= self.refresh_margin

    def expired(self, state: Mapping[str, Any], now: float) -> bool:
        expires = state.get("exp")
        return not isinstance(expires, int | float) or expires <= now

    def refresh(
        self, state: Mapping[str, Any], organization_id: str | None = None
    ) -> Flow[tuple[User, dict[str, Any]]]:
        """The refresh-token grant: the user's updated fields and the new state.

        Concurrent refreshes of one refresh token in this process share one request
        (WorkOS's refresh tokens are single-use). ``organization_id`` switches the
        session to that organization (WorkOS refuses one the user is not a member of).
        """
        refresh_token = state.get("rt")
        if not isinstance(refresh_token, str) or not refresh_token:
            raise ProviderError("the session holds no refresh token")
        body = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        if organization_id:
            body["organization_id"] = organization_id
        scope = f"{self.base_url}\0{self.client_id}\0{refresh_token}\0{organization_id or ''}"
        key = hashlib.sha256(scope.encode()).hexdigest()
        data = yield from self._authenticate(body, shared=f"authkit:{key}")
        user, new_state, _claims = yield from self._session_of(data)
        return user, new_state

    def signout_url(self, state: Mapping[str, Any], return_to: str) -> str | None:
        """WorkOS's logout URL for this session (it ends the WorkOS session, then comes
        back to ``return_to``), or ``None`` when ``logout=False``."""
        session_id = state.get("sid")
        if not self.logout or not isinstance(session_id, str) or not session_id:
            return None
        query = urlencode({"session_id": session_id, "return_to": return_to})
        return f"{self.base_url}/user_management/sessions/logout?{query}"

    # -- helpers --------------------------------------------------------------------

    def _authenticate(
        self, body: dict[str, str], shared: str | None = None
    ) -> Flow[dict[str, Any]]:
        request = httpx.Request(
            "POST",
            f"{self.base_url}/user_management/authenticate",
            json={"client_id": self.client_id, "client_secret": self.client_secret, **body},
            headers={"accept": "application/json"},
        )
        response = yield from fetch(request, shared=shared)
        data = json_object(response, "AuthKit authenticate endpoint")
        if not isinstance(data.get("access_token"), str) or not data["access_token"]:
            raise ProviderError("AuthKit answer has no access_token")
        if not isinstance(data.get("refresh_token"), str) or not data["refresh_token"]:
            raise ProviderError("AuthKit answer has no refresh_token")
        return data

    def _session_of(
        self, data: Mapping[str, Any]
    ) -> Flow[tuple[User, dict[str, Any], dict[str, Any]]]:
        """The session user, the state kept with it, and the verified access token."""
        raw = data.get("user")
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not raw["id"]:
            raise ProviderError("AuthKit answer has no user id")
        claims = yield from verify_jwt(
            data["access_token"],
            self.jwks,
            algorithms=("RS256",),
            issuer=self.issuers,
            audience=None,
            leeway=self.clock_skew,
            now=self.clock(),
            required=("exp", "sub", "sid"),
            what="AuthKit access token",
        )
        if claims.get("sub") != raw["id"]:
            raise ProviderError("AuthKit access token is about another user")
        email = raw.get("email")
        if email is not None and (not isinstance(email, str) or "@" not in email):
            raise ProviderError("AuthKit user has no valid email")
        names = [raw.get("first_name"), raw.get("last_name")]
        organization = claims.get("org_id") or data.get("organization_id")
        roles = claims.get("roles")
        if not isinstance(roles, list):
            roles = [claims["role"]] if isinstance(claims.get("role"), str) else []
        user: User = {
            "id": raw["id"],
            "name": " ".join(n for n in names if isinstance(n, str) and n) or None,
            "email": email,
            "image": raw.get("profile_picture_url"),
            "organization_id": organization if isinstance(organization, str) else None,
            "roles": [r for r in roles if isinstance(r, str)],
            "permissions": _strings(claims.get("permissions")),
            "email_verified": raw.get("email_verified") is True,
        }
        state = {
            "rt": data["refresh_token"],
            "exp": claims.get("exp"),
            "sid": claims.get("sid"),
            "org": user["organization_id"],
        }
        return user, state, claims


def _strings(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
