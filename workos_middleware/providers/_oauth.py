"""Generic OAuth 2.0 and OpenID Connect providers on the core's one sign-in flow.

:class:`OAuthProvider` is the authorization-code grant of RFC 6749 with PKCE (RFC 7636):
an authorization URL, a token URL, a userinfo URL, scopes, and the client authenticated
by HTTP Basic (``client_secret_basic``, the default of both RFCs) or in the POST body
(``client_secret_post``). :class:`~._oidc.OIDCProvider` adds OpenID Connect on top.

The core sets ``state``, ``redirect_uri``, ``client_id``, ``response_type``, PKCE and
``nonce``; a sign-in request's query may add only the parameters in ``allowed_params``.
A ``profile`` function maps the provider's profile to the session user: it gets the
profile (userinfo or ID-token claims) and the token response, and returns a dict with at
least ``id`` (plain or ``async``, like NextAuth's ``profile(profile, tokens)``).
"""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal, cast
from urllib.parse import quote, urlencode, urlsplit

import httpx

from .._base.effects import Flow, call, elapsed, fetch
from .._base.errors import ConfigurationError, ProviderError, provider_status_error
from .._base.types import ErrorCode, User
from ._base import SignInResult
from ._query import code_flow_query, passed_params

__all__ = [
    "ClientAuth",
    "IdPInitiated",
    "OAuthProvider",
    "ProfileFunction",
    "check_url",
    "json_object",
]

logger = logging.getLogger("workos_middleware")

ClientAuth = Literal["client_secret_basic", "client_secret_post"]
IdPInitiated = Literal["refuse", "restart"]
ProfileFunction = Callable[[dict[str, Any], dict[str, Any]], Any]

# OAuth error codes that mean the user (or the IdP's policy) said no.
_DENIED = frozenset({"access_denied", "consent_required", "interaction_required"})


def check_url(value: str | None, setting: str, *, required: bool = True) -> str | None:
    if not value:
        if required:
            raise ConfigurationError(f"{setting} is missing")
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigurationError(f"{setting} must be an http(s) URL, got {value!r}")
    return value


def default_profile(profile: dict[str, Any], tokens: dict[str, Any]) -> dict[str, Any]:
    """The session user of an OAuth profile: ``id``/``sub``, ``name``, ``email``,
    ``picture``/``avatar_url``."""
    identifier = profile.get("sub", profile.get("id"))
    image = profile.get("picture") or profile.get("avatar_url")
    return {
        "id": identifier,
        "name": profile.get("name") or profile.get("login"),
        "email": profile.get("email"),
        "image": image,
    }


class OAuthProvider:
    """An OAuth 2.0 authorization-code provider (a "Sign in with {name}" button)."""

    type = "oauth"
    style: Literal["sso", "oauth"] = "oauth"

    def __init__(
        self,
        *,
        id: str,
        name: str,
        client_id: str,
        client_secret: str,
        authorization_url: str | None = None,
        token_url: str | None = None,
        userinfo_url: str | None = None,
        scope: str | Sequence[str] = (),
        client_auth: ClientAuth = "client_secret_basic",
        authorization_params: Mapping[str, str] | None = None,
        allowed_params: Iterable[str] = ("login_hint",),
        profile: ProfileFunction | None = None,
        idp_initiated: IdPInitiated = "refuse",
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not id or not id.replace("-", "").replace("_", "").isalnum():
            raise ConfigurationError(f"provider id must be letters, digits, - or _: {id!r}")
        if not client_id:
            raise ConfigurationError(f"{name}: client_id is missing")
        if not client_secret:
            raise ConfigurationError(f"{name}: client_secret is missing")
        if client_auth not in ("client_secret_basic", "client_secret_post"):
            raise ConfigurationError(
                f"{name}: client_auth must be 'client_secret_basic' or 'client_secret_post'"
            )
        if idp_initiated not in ("refuse", "restart"):
            raise ConfigurationError(f"{name}: idp_initiated must be 'refuse' or 'restart'")
        if profile is not None and not callable(profile):
            raise ConfigurationError(f"{name}: profile must be a function")
        self.id = id
        self.name = name
        self.client_id = client_id
        self.client_secret = client_secret
        self._authorization_url = check_url(
            authorization_url, f"{name}: authorization_url", required=False
        )
        self._token_url = check_url(token_url, f"{name}: token_url", required=False)
        self._userinfo_url = check_url(userinfo_url, f"{name}: userinfo_url", required=False)
        self.scope = scope if isinstance(scope, str) else " ".join(scope)
        self.client_auth: ClientAuth = client_auth
        self.extra_params = dict(authorization_params or {})
        self.allowed_params = tuple(allowed_params)
        self.profile_function: ProfileFunction = profile or default_profile
        self.idp_initiated: IdPInitiated = idp_initiated
        self.clock = clock
        self._check_endpoints()

    def _check_endpoints(self) -> None:
        if self._authorization_url is None or self._token_url is None:
            raise ConfigurationError(f"{self.name}: set authorization_url and token_url")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(id={self.id!r}, client_id={self.client_id!r})"

    # -- the protocol the core calls ------------------------------------------------

    def authorization_params(
        self, query: Mapping[str, str], email: str | None
    ) -> Flow[dict[str, str]]:
        params = passed_params(query, self.allowed_params)
        if email and "login_hint" in self.allowed_params and len(email) <= 254:
            params.setdefault("login_hint", email.strip())
        return params
        yield  # pragma: no cover  (a flow, so subclasses may fetch)

    def authorization_url(
        self,
        params: Mapping[str, str],
        *,
        redirect_uri: str,
        state: str,
        code_challenge: str,
        nonce: str | None = None,
    ) -> str:
        endpoint = self._authorization_url
        if endpoint is None:  # an OIDC provider resolves it in prepare()
            raise ProviderError(f"{self.name}: the authorization endpoint is not known yet")
        query: dict[str, str] = {**self.extra_params, **params}
        if self.scope:
            query["scope"] = self.scope
        query = code_flow_query(
            query,
            client_id=self.client_id,
            redirect_uri=redirect_uri,
            state=state,
            code_challenge=code_challenge,
        )
        if nonce is not None and self.uses_nonce:
            query["nonce"] = nonce
        separator = "&" if "?" in endpoint else "?"
        return f"{endpoint}{separator}{urlencode(query)}"

    uses_nonce = False

    def prepare(self) -> Flow[None]:
        """Anything to fetch before the authorization URL can be built (OIDC discovery)."""
        return
        yield  # pragma: no cover

    def error_code(self, error: str) -> ErrorCode:
        return "AccessDenied" if error in _DENIED else "OAuthCallback"

    def complete(
        self, *, code: str, redirect_uri: str, code_verifier: str, nonce: str | None = None
    ) -> Flow[SignInResult]:
        yield from self.prepare()
        tokens = yield from self.exchange_code(code, redirect_uri, code_verifier)
        profile = yield from self.fetch_profile(tokens, nonce)
        mapped = yield from call(self.profile_function, profile, tokens)
        user = self._checked_user(mapped)
        if user["email"] is not None and _unverified(profile, user["email"]):
            # Never used for access rules or account matching: the user signs in without
            # an email; the profile (the sign_in callback's third argument) keeps it.
            logger.info("%s: the email is not verified (email_verified false): dropped", self.id)
            user["email"] = None
        account = {
            "provider": self.id,
            "type": self.type,
            "providerAccountId": user["id"],
            **{k: v for k, v in tokens.items() if isinstance(v, str | int | float) or v is None},
        }
        return SignInResult(
            user=user, account=account, profile=profile, provider_state=self.session_state(tokens)
        )

    # -- steps a subclass may replace -----------------------------------------------

    def session_state(self, tokens: Mapping[str, Any]) -> dict[str, Any] | None:
        """What the session keeps (sealed) for later; the OIDC provider keeps the ID token
        for RP-initiated logout."""
        return None

    def token_request(self, data: dict[str, str]) -> httpx.Request:
        """The POST to the token endpoint, with the client authenticated."""
        assert self._token_url is not None
        headers = {"accept": "application/json"}
        if self.client_auth == "client_secret_basic":
            # RFC 6749 2.3.1: each part form-encoded before the Basic encoding.
            pair = f"{quote(self.client_id, safe='')}:{quote(self.client_secret, safe='')}"
            headers["authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        else:
            data = {**data, "client_id": self.client_id, "client_secret": self.client_secret}
        return httpx.Request("POST", self._token_url, data=data, headers=headers)

    def exchange_code(
        self, code: str, redirect_uri: str, code_verifier: str
    ) -> Flow[dict[str, Any]]:
        """The token response for ``code`` (exchanged once, never retried)."""
        request = self.token_request(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": code_verifier,
            }
        )
        response = yield from fetch(request)
        tokens = json_object(response, f"{self.name} token endpoint", form_ok=True)
        if "error" in tokens:
            # GitHub answers 200 with an error body.
            raise ProviderError(
                f"{self.name} token endpoint refused the code: {str(tokens['error'])[:100]}"
            )
        access_token = tokens.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            raise ProviderError(f"{self.name} token response has no access_token")
        return tokens

    def fetch_profile(self, tokens: dict[str, Any], nonce: str | None) -> Flow[dict[str, Any]]:
        """The provider's profile of the signed-in user (the userinfo endpoint)."""
        if self._userinfo_url is None:
            raise ProviderError(f"{self.name}: no userinfo URL to fetch the profile from")
        return (yield from self.userinfo(tokens["access_token"]))

    def userinfo(self, access_token: str, url: str | None = None) -> Flow[dict[str, Any]]:
        request = httpx.Request(
            "GET",
            url or self._userinfo_url or "",
            headers={"authorization": f"Bearer {access_token}", "accept": "application/json"},
        )
        response = yield from fetch(request)
        return json_object(response, f"{self.name} userinfo endpoint")

    def _checked_user(self, mapped: Any) -> User:
        if not isinstance(mapped, dict):
            raise ProviderError(f"{self.name}: the profile function must return a dict")
        identifier = mapped.get("id")
        if isinstance(identifier, int) and not isinstance(identifier, bool):
            identifier = str(identifier)
        if not isinstance(identifier, str) or not identifier:
            raise ProviderError(f"{self.name}: the profile has no id")
        email = mapped.get("email")
        if email is not None and (not isinstance(email, str) or "@" not in email):
            raise ProviderError(f"{self.name}: the profile's email is not an email address")
        return cast(User, {"name": None, "email": None, "image": None, **mapped, "id": identifier})


def _unverified(profile: Mapping[str, Any], email: str) -> bool:
    """The provider marks ``email`` (the profile's own) ``email_verified: false``."""
    flag = profile.get("email_verified")
    unverified = flag is False or (isinstance(flag, str) and flag.lower() == "false")
    given = profile.get("email")
    return unverified and isinstance(given, str) and given.lower() == email.lower()


def json_object(response: httpx.Response, what: str, *, form_ok: bool = False) -> dict[str, Any]:
    """The JSON object in a provider's answer; a :class:`ProviderError` otherwise."""
    if not response.is_success:
        raise provider_status_error(
            what,
            str(response.request.url.copy_with(query=None)),
            response.status_code,
            response.text,
            elapsed(response),
            credentials="the provider's client_id and client_secret",
            base_url="the provider's endpoint URLs (or its issuer)",
        )
    content_type = response.headers.get("content-type", "")
    if form_ok and content_type.startswith("application/x-www-form-urlencoded"):
        from urllib.parse import parse_qsl

        return dict(parse_qsl(response.text))
    try:
        data = json.loads(response.content)
    except (ValueError, RecursionError) as exc:
        raise ProviderError(f"{what} answered invalid JSON") from exc
    if not isinstance(data, dict):
        raise ProviderError(f"{what} answered JSON that is not an object")
    return data
