"""A provider written outside the package: the worked example of docs/providers.md.

"Magic IdP" is a made-up OAuth-style service with two endpoints: ``/authorize`` sends the
browser back with a code, and ``POST /exchange`` trades the code (with the PKCE
verifier) for the user as JSON. The provider uses only the public names of
``workos_middleware.providers``; tests/test_custom_provider.py signs in with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal
from urllib.parse import urlencode

import httpx

from workos_middleware.providers import ErrorCode, Flow, ProviderError, SignInResult, User, fetch


class MagicIdP:
    id = "magic"
    name = "Magic IdP"
    type = "oauth"
    style: Literal["sso", "oauth"] = "oauth"  # a plain "Sign in with Magic IdP" button

    def __init__(self, base_url: str, client_id: str, client_secret: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret

    def authorization_params(
        self, query: Mapping[str, str], email: str | None
    ) -> Flow[dict[str, str]]:
        # Only what this provider understands may come from the sign-in request.
        return {"hint": email} if email else {}
        yield  # a flow: it could fetch something first with `yield from fetch(...)`

    def authorization_url(
        self,
        params: Mapping[str, str],
        *,
        redirect_uri: str,
        state: str,
        code_challenge: str,
        nonce: str | None = None,
    ) -> str:
        query = {
            **params,
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
        return f"{self.base_url}/authorize?{urlencode(query)}"

    def error_code(self, error: str) -> ErrorCode:
        return "AccessDenied" if error == "access_denied" else "OAuthCallback"

    def complete(
        self, *, code: str, redirect_uri: str, code_verifier: str, nonce: str | None = None
    ) -> Flow[SignInResult]:
        request = httpx.Request(
            "POST",
            f"{self.base_url}/exchange",
            json={"code": code, "verifier": code_verifier, "secret": self.client_secret},
        )
        response = yield from fetch(request)  # the adapter sends it, sync or async
        if response.status_code != 200:
            raise ProviderError(f"Magic IdP refused the code: {response.status_code}")
        person = response.json()
        user: User = {
            "id": str(person["uid"]),
            "name": person.get("display_name"),
            "email": person.get("mail"),
            "image": None,
        }
        account = {"provider": self.id, "type": self.type, "providerAccountId": user["id"]}
        return SignInResult(user=user, account=account, profile=person)
