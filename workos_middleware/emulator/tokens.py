"""``POST /sso/token`` (a code for a profile and an access token) and ``GET /sso/profile``."""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .forms import BodyError, bearer_token, read_fields
from .oauth import check_verifier
from .store import EmulatorState, IssuedCode
from .wire import (
    ACCESS_TOKEN_LIFETIME,
    INVALID_GRANT,
    SSO,
    oauth_error,
    token_response_json,
    unauthorized_profile,
)

INVALID_CLIENT = "Invalid client ID or secret."


def client_refusal(state: EmulatorState, fields: Mapping[str, str]) -> Response | None:
    """``invalid_client`` unless the client id is the emulator's and a secret, if sent, is
    the API key (WorkOS's token endpoints: ``/sso/token``, ``/user_management/authenticate``)."""
    secret = fields.get("client_secret")
    if fields.get("client_id") != state.client_id or (
        secret is not None and not hmac.compare_digest(secret, state.api_key)
    ):
        return oauth_error("invalid_client", INVALID_CLIENT)
    return None


def unsupported_grant(grant_type: str | None) -> Response:
    if not grant_type:
        return oauth_error("invalid_request", "grant_type is required.")
    return oauth_error("unsupported_grant_type", f"The grant type {grant_type} is not supported.")


def redeem(state: EmulatorState, audience: str, fields: Mapping[str, str]) -> IssuedCode | Response:
    """The code of an ``authorization_code`` grant, used up, with its PKCE checked.

    A public client (no ``client_secret``) may redeem only a code issued with a PKCE
    challenge; a refusal for that leaves the code usable.
    """
    code = fields.get("code")
    if not code:
        return oauth_error("invalid_request", "code is required.")
    if fields.get("client_secret") is None:
        peeked = state.peek_code(code, audience)
        if peeked is None:
            return oauth_error("invalid_grant", INVALID_GRANT)
        if peeked.code_challenge is None:
            return oauth_error("invalid_client", INVALID_CLIENT)
    issued = state.redeem_code(code, audience)
    if issued is None or issued.client_id != state.client_id:
        return oauth_error("invalid_grant", INVALID_GRANT)
    problem = check_verifier(issued.code_challenge, fields.get("code_verifier"))
    if problem is not None:
        return oauth_error("invalid_grant", problem)
    return issued


class TokenEndpoints:
    """The server-to-server half of the SSO flow, bound to one :class:`EmulatorState`."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    async def token(self, request: Request) -> Response:
        try:
            fields, _ = await read_fields(request)
        except BodyError as exc:
            return oauth_error("invalid_request", str(exc))
        return self._exchange(fields)

    def _exchange(self, fields: dict[str, str]) -> Response:
        refused = client_refusal(self.state, fields)
        if refused is not None:
            return refused
        grant_type = fields.get("grant_type")
        if grant_type != "authorization_code":
            return unsupported_grant(grant_type)
        issued = redeem(self.state, SSO, fields)
        if isinstance(issued, Response):
            return issued
        access_token = self.state.issue_token(SSO, issued.grant, ACCESS_TOKEN_LIFETIME)
        return JSONResponse(token_response_json(access_token, issued.grant))

    async def profile(self, request: Request) -> Response:
        token = bearer_token(request)
        profile = self.state.token_grant(token, SSO) if token else None
        if profile is None:
            return unauthorized_profile()
        return JSONResponse(profile)
