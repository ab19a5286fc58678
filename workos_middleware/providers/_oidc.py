"""OpenID Connect on the OAuth 2.0 provider: the endpoints from a discovery document
(cached), a ``nonce`` bound to the pending sign-in, and the ID token verified against
the provider's JWKS (see :mod:`._jwks`) before any claim is believed.

As strict providers expect it: the userinfo endpoint is read when the ID token lacks the
profile claims (``email``, ``name``); the RFC 9207 ``iss`` callback parameter is checked
(and required when discovery says ``authorization_response_iss_parameter_supported``);
sign-out ends the provider's session through its ``end_session_endpoint`` (RP-initiated
logout, the ID token kept sealed in the session for the ``id_token_hint``)."""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from .._base.effects import Flow, fetch
from .._base.errors import ConfigurationError, ProviderError
from ._jwks import JWKSCache, verify_jwt
from ._oauth import OAuthProvider, check_url, json_object

__all__ = ["OIDCProvider"]


class OIDCProvider(OAuthProvider):
    """An OpenID Connect provider: discovery, ``nonce`` and a verified ID token.

    Give ``issuer`` (its discovery document at ``{issuer}/.well-known/openid-configuration``
    is fetched on first use and cached ``discovery_ttl`` seconds) or ``discovery_url``,
    or every endpoint and ``jwks_uri`` explicitly. The session user comes from the ID
    token's claims, merged with the userinfo endpoint's answer: ``userinfo=None`` (the
    default) reads it when the ID token lacks ``email`` or ``name`` and a userinfo
    endpoint is known, ``True`` always, ``False`` never. ``logout=None`` (the default)
    ends the provider's session at sign-out when it has an ``end_session_endpoint``
    (discovered, or ``end_session_url``); ``False`` never.
    """

    uses_nonce = True

    def __init__(
        self,
        *,
        issuer: str,
        discovery_url: str | None = None,
        jwks_uri: str | None = None,
        scope: str | Sequence[str] = ("openid", "email", "profile"),
        userinfo: bool | None = None,
        logout: bool | None = None,
        end_session_url: str | None = None,
        algorithms: Iterable[str] = ("RS256",),
        clock_skew: float = 60.0,
        max_id_token_age: float = 600.0,
        discovery_ttl: float = 3600.0,
        jwks_ttl: float = 3600.0,
        jwks_min_refetch_interval: float = 60.0,
        **options: Any,
    ) -> None:
        check_url(issuer, f"{options.get('name', 'OIDC')}: issuer")
        self.issuer = issuer
        self.accepted_issuers: tuple[str, ...] = (issuer,)
        self.discovery_url = check_url(
            discovery_url or issuer.rstrip("/") + "/.well-known/openid-configuration",
            "discovery_url",
        )
        self._jwks_uri = check_url(jwks_uri, "jwks_uri", required=False)
        if userinfo not in (None, True, False) or logout not in (None, True, False):
            raise ConfigurationError(
                f"{options.get('name', 'OIDC')}: userinfo and logout must be None, True or False"
            )
        self.fetch_userinfo = userinfo
        self.logout = logout
        self._end_session_url = check_url(end_session_url, "end_session_url", required=False)
        # RFC 9207: the discovery document says the redirect always carries ``iss``.
        self.requires_iss = False
        self.algorithms = tuple(algorithms)
        self.clock_skew = clock_skew
        self.max_id_token_age = max_id_token_age
        self.discovery_ttl = discovery_ttl
        self.jwks_ttl = jwks_ttl
        self.jwks_min_refetch_interval = jwks_min_refetch_interval
        self._discovered_at: float | None = None
        self._jwks: JWKSCache | None = None
        super().__init__(scope=scope, **options)
        if "openid" not in self.scope.split():
            raise ConfigurationError(f"{self.name}: an OIDC scope must include 'openid'")

    def _check_endpoints(self) -> None:
        explicit = (self._authorization_url, self._token_url, self._jwks_uri)
        if any(explicit) and not all(explicit):
            raise ConfigurationError(
                f"{self.name}: give all of authorization_url, token_url and jwks_uri, "
                "or none (they are then discovered from the issuer)"
            )
        self._explicit = all(explicit)

    def prepare(self) -> Flow[None]:
        """Fetch (or reuse) the discovery document."""
        if self._explicit:
            return
        now = self.clock()
        if self._discovered_at is not None and now - self._discovered_at < self.discovery_ttl:
            return
        assert self.discovery_url is not None
        request = httpx.Request("GET", self.discovery_url, headers={"accept": "application/json"})
        response = yield from fetch(request)
        document = json_object(response, f"{self.name} discovery document")
        if document.get("issuer") != self.issuer:
            raise ProviderError(
                f"{self.name}: discovery document names issuer {document.get('issuer')!r}, "
                f"not the configured {self.issuer!r}"
            )
        endpoints = {}
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            value = document.get(key)
            if not isinstance(value, str) or urlsplit(value).scheme not in ("http", "https"):
                raise ProviderError(f"{self.name}: discovery document has no usable {key}")
            endpoints[key] = value
        userinfo = document.get("userinfo_endpoint")
        self._authorization_url = endpoints["authorization_endpoint"]
        self._token_url = endpoints["token_endpoint"]
        if isinstance(userinfo, str) and self._userinfo_url is None:
            self._userinfo_url = userinfo
        end_session = document.get("end_session_endpoint")
        if isinstance(end_session, str) and urlsplit(end_session).scheme in ("http", "https"):
            self._end_session_url = end_session
        self.requires_iss = document.get("authorization_response_iss_parameter_supported") is True
        if endpoints["jwks_uri"] != self._jwks_uri:
            self._jwks_uri = endpoints["jwks_uri"]
            self._jwks = None
        self._discovered_at = now

    def authorization_params(
        self, query: Mapping[str, str], email: str | None
    ) -> Flow[dict[str, str]]:
        # Discovery happens here, in the sign-in POST's flow, so the URL can be built.
        try:
            yield from self.prepare()
        except ProviderError as exc:
            raise ProviderError(str(exc), "OAuthSignin") from exc
        return (yield from super().authorization_params(query, email))

    @property
    def jwks(self) -> JWKSCache:
        if self._jwks is None:
            if self._jwks_uri is None:
                raise ProviderError(f"{self.name}: the JWKS URI is not known yet")
            self._jwks = JWKSCache(
                self._jwks_uri,
                ttl=self.jwks_ttl,
                min_refetch_interval=self.jwks_min_refetch_interval,
                clock=self.clock,
            )
        return self._jwks

    def fetch_profile(self, tokens: dict[str, Any], nonce: str | None) -> Flow[dict[str, Any]]:
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str) or not id_token:
            raise ProviderError(f"{self.name} token response has no id_token")
        if nonce is None:
            raise ProviderError(f"{self.name}: the pending sign-in carries no nonce")
        claims = yield from verify_jwt(
            id_token,
            self.jwks,
            algorithms=self.algorithms,
            issuer=self.accepted_issuers,
            audience=self.client_id,
            leeway=self.clock_skew,
            now=self.clock(),
            max_age=self.max_id_token_age,
            nonce=nonce,
            required=("iss", "sub", "aud", "exp", "iat"),
        )
        if not self._wants_userinfo(claims):
            return claims
        info = yield from self.userinfo(tokens["access_token"])
        if info.get("sub") != claims.get("sub"):
            # OIDC Core 5.3.2: a userinfo answer for another subject must not be used.
            raise ProviderError(f"{self.name}: userinfo is about another subject")
        return {**claims, **info}

    def _wants_userinfo(self, claims: Mapping[str, Any]) -> bool:
        """``userinfo=None``: only when the ID token lacks a profile claim the session
        keeps (strict providers put ``email`` and ``name`` in userinfo only)."""
        if self.fetch_userinfo is not None:
            return self.fetch_userinfo
        if self._userinfo_url is None:
            return False
        return not claims.get("email") or not claims.get("name")

    # -- the callback's ``iss`` (RFC 9207) ---------------------------------------------

    def check_callback(self, params: Mapping[str, str]) -> Flow[None]:
        """Refuse a callback whose ``iss`` names another issuer (a mix-up attack), or
        that lacks ``iss`` when the discovery document promises it."""
        yield from self.prepare()
        iss = params.get("iss")
        if iss is None:
            if self.requires_iss:
                raise ProviderError(
                    f"{self.name}: the callback has no iss parameter, which the provider's "
                    "discovery document promises (authorization_response_iss_parameter_"
                    "supported)",
                    "OAuthCallback",
                )
            return
        if not any(hmac.compare_digest(iss.encode(), i.encode()) for i in self.accepted_issuers):
            raise ProviderError(
                f"{self.name}: the callback's iss {iss[:200]!r} is not the issuer "
                f"{self.issuer!r} (an authorization response from another server)",
                "OAuthCallback",
            )

    # -- RP-initiated logout -----------------------------------------------------------

    def session_state(self, tokens: Mapping[str, Any]) -> dict[str, Any] | None:
        """What the session keeps (sealed) for the sign-out: the ID token for the
        ``id_token_hint`` and the end-session endpoint it goes to."""
        id_token = tokens.get("id_token")
        if self.logout is False or self._end_session_url is None or not isinstance(id_token, str):
            return None
        return {"id_token": id_token, "end_session": self._end_session_url}

    def signout_url(self, state: Mapping[str, Any], return_to: str) -> str | None:
        """The provider's end-session URL: ``id_token_hint``, ``client_id`` and the
        app's ``post_logout_redirect_uri``; ``None`` when ``logout=False``."""
        endpoint, id_token = state.get("end_session"), state.get("id_token")
        if self.logout is False or not isinstance(endpoint, str) or not isinstance(id_token, str):
            return None
        query = urlencode(
            {
                "id_token_hint": id_token,
                "client_id": self.client_id,
                "post_logout_redirect_uri": return_to,
            }
        )
        separator = "&" if "?" in endpoint else "?"
        return f"{endpoint}{separator}{query}"
