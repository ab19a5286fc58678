"""Presets: GitHub (OAuth 2.0) and Google (OpenID Connect).

Each preset is the generic provider with the provider's endpoints, scopes and profile
mapping filled in; every option of :class:`~.oauth.OAuthProvider` /
:class:`~.oauth.OIDCProvider` can still be given (``profile``, ``idp_initiated``, or the
URLs, which point a preset at a local stand-in such as the emulator).
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from .._base.effects import Flow, fetch
from .._base.errors import ProviderError
from ._oauth import OAuthProvider
from ._oidc import OIDCProvider

__all__ = ["GitHubProvider", "GoogleProvider", "github_profile", "google_profile"]


def github_profile(profile: dict[str, Any], tokens: dict[str, Any]) -> dict[str, Any]:
    """GitHub's ``/user`` answer as the session user (the numeric id as a string)."""
    return {
        "id": str(profile.get("id", "")),
        "name": profile.get("name") or profile.get("login"),
        "email": profile.get("email"),
        "image": profile.get("avatar_url"),
    }


def google_profile(profile: dict[str, Any], tokens: dict[str, Any]) -> dict[str, Any]:
    """Google's ID-token claims as the session user; an unverified email is dropped."""
    verified = profile.get("email_verified") in (True, "true")
    return {
        "id": profile.get("sub"),
        "name": profile.get("name"),
        "email": profile.get("email") if verified else None,
        "image": profile.get("picture"),
    }


class GitHubProvider(OAuthProvider):
    """Sign in with GitHub (an OAuth App or a GitHub App's user authorization).

    GitHub's ``/user`` shows an email only if the user made one public; when it shows
    none, the primary *verified* address is read from ``/user/emails`` (the
    ``user:email`` scope). A user without one signs in with ``email`` ``None``.
    """

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        id: str = "github",
        name: str = "GitHub",
        base_url: str = "https://github.com",
        api_url: str = "https://api.github.com",
        scope: str = "read:user user:email",
        **options: Any,
    ) -> None:
        base_url = base_url.rstrip("/")
        self.api_url = api_url.rstrip("/")
        options.setdefault("authorization_url", f"{base_url}/login/oauth/authorize")
        options.setdefault("token_url", f"{base_url}/login/oauth/access_token")
        options.setdefault("userinfo_url", f"{self.api_url}/user")
        options.setdefault("client_auth", "client_secret_post")
        options.setdefault("profile", github_profile)
        options.setdefault("allowed_params", ("login", "login_hint", "allow_signup"))
        super().__init__(
            id=id,
            name=name,
            client_id=client_id,
            client_secret=client_secret,
            scope=scope,
            **options,
        )

    def authorization_params(self, query: Any, email: str | None) -> Flow[dict[str, str]]:
        params = yield from super().authorization_params(query, email)
        # GitHub names its account hint "login".
        hint = params.pop("login_hint", None)
        if hint and "login" not in params:
            params["login"] = hint
        return params

    def fetch_profile(self, tokens: dict[str, Any], nonce: str | None) -> Flow[dict[str, Any]]:
        profile = yield from self.userinfo(tokens["access_token"])
        if not profile.get("email"):
            email = yield from self._primary_verified_email(tokens["access_token"])
            profile = {**profile, "email": email}
        return profile

    def _primary_verified_email(self, access_token: str) -> Flow[str | None]:
        request = httpx.Request(
            "GET",
            f"{self.api_url}/user/emails",
            headers={
                "authorization": f"Bearer {access_token}",
                "accept": "application/vnd.github+json",
            },
        )
        response = yield from fetch(request)
        if response.status_code in (403, 404):
            # The token lacks the user:email scope: sign in without an email.
            return None
        data = _json_list(response, "GitHub /user/emails")
        for entry in data:
            if (
                isinstance(entry, dict)
                and entry.get("primary") is True
                and entry.get("verified") is True
                and isinstance(entry.get("email"), str)
            ):
                email: str = entry["email"]
                return email
        return None


def _json_list(response: httpx.Response, what: str) -> list[Any]:
    if not response.is_success:
        raise ProviderError(f"{what} answered {response.status_code}")
    try:
        data = json.loads(response.content)
    except ValueError as exc:
        raise ProviderError(f"{what} answered invalid JSON") from exc
    if not isinstance(data, list):
        raise ProviderError(f"{what} answered JSON that is not a list")
    return data


class GoogleProvider(OIDCProvider):
    """Sign in with Google (OpenID Connect, ID token verified against Google's keys)."""

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        id: str = "google",
        name: str = "Google",
        issuer: str = "https://accounts.google.com",
        **options: Any,
    ) -> None:
        options.setdefault("profile", google_profile)
        options.setdefault("allowed_params", ("login_hint", "hd", "prompt"))
        super().__init__(
            id=id,
            name=name,
            client_id=client_id,
            client_secret=client_secret,
            issuer=issuer,
            **options,
        )
        if issuer == "https://accounts.google.com":
            # Google's ID tokens name their issuer with or without the scheme.
            self.accepted_issuers = (issuer, "accounts.google.com")
