"""WorkOS AuthKit (User Management): hosted sign-in, authenticate, JWKS and logout.

``GET /user_management/authorize`` either shows the hosted AuthKit page (``provider=authkit``:
an email field and the test users) or, for a connection, an organization with an SSO
connection, or an OAuth provider such as ``GoogleOAuth``, the same IdP page as the SSO API.
Either way the code it sends back is redeemed at ``POST /user_management/authenticate`` for
the user, an RS256 access token and a single-use refresh token of a new session.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from .authorize import PROVIDERS, domain_refusal, idp_page, resolve_selector
from .data import AuthKitUser, Connection, Membership, Organization, User
from .faults import token_defect
from .forms import BodyError, read_fields
from .ids import new_ulid, stable_id
from .keys import spoil_claims
from .oauth import (
    Refusal,
    answered,
    own_base_url,
    refuse,
    request_problem,
    return_to,
    send_code,
    unredirectable_problem,
)
from .pages import error_page, render
from .redirects import is_registered
from .store import AuthSession, EmulatorState, PendingSignIn
from .tokens import client_refusal, redeem, unsupported_grant
from .wire import iso_timestamp, message_error, oauth_error, user_json

AUTHKIT = "authkit"
"""The audience of AuthKit's codes, and the name of its key ring."""
WORKOS_KEYS = "workos"
ACCESS_TOKEN_LIFETIME = 300
"""Seconds an AuthKit access token lives (``exp`` - ``iat``), as WorkOS's do."""
SCREEN_HINTS = ("sign-in", "sign-up")
HOSTED_METHOD = "Password"
"""The ``authentication_method`` of a sign-in on the hosted page (no password is asked)."""


def _authorize_problem(q: Mapping[str, str]) -> tuple[str, str] | None:
    problem = request_problem(q)
    if problem is not None:
        return problem
    provider = q.get("provider")
    if provider and provider != AUTHKIT and provider not in PROVIDERS:
        return ("provider", f"provider must be authkit or one of {', '.join(PROVIDERS)}.")
    if not (provider or q.get("connection_id") or q.get("organization_id")):
        return ("provider", "One of provider, connection_id or organization_id is required.")
    if q.get("screen_hint") and q["screen_hint"] not in SCREEN_HINTS:
        return ("screen_hint", "screen_hint must be sign-in or sign-up.")
    return None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _may_return_to(url: str, redirect_uris: Sequence[str]) -> bool:
    """A logout ``return_to``: a registered redirect URI, or any page on the origin of one
    (the app's own pages: WorkOS's sign-out redirects are configured per app)."""
    if is_registered(url, redirect_uris):
        return True
    return is_registered(url, ()) or (
        is_registered(url, [url]) and _origin(url) in {_origin(u) for u in redirect_uris}
    )


class AuthKitEndpoints:
    """The AuthKit routes, bound to one :class:`EmulatorState`."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    # -- the browser's half ---------------------------------------------------------------

    async def authorize(self, request: Request) -> Response:
        q = request.query_params
        problem = unredirectable_problem(
            q, self.state.client_id, self.state.redirect_uris, _authorize_problem
        )
        if problem is not None:
            return problem
        redirect_uri, app_state = q["redirect_uri"], q.get("state")
        provider, organization_id = q.get("provider"), q.get("organization_id")
        data = self.state.data
        organization: Organization | None = None
        if organization_id:
            organization = data.organization(organization_id)
            if organization is None:
                refusal = Refusal("organization_invalid", f"No organization {organization_id}.")
                return refuse(redirect_uri, app_state, refusal)
        selector: tuple[str, str] | None = None
        if q.get("connection_id"):
            selector = ("connection", q["connection_id"])
        elif provider and provider != AUTHKIT:
            selector = ("provider", provider)
        elif (
            organization is not None
            and provider != AUTHKIT
            and any(c.active for c in data.connections_of(organization.id))
        ):
            selector = ("organization", organization.id)

        def start(**details: str | None) -> PendingSignIn:
            return self.state.start_sign_in(
                AUTHKIT,
                client_id=q["client_id"],
                redirect_uri=redirect_uri,
                state=app_state,
                code_challenge=q.get("code_challenge") or None,
                login_hint=q.get("login_hint") or None,
                screen_hint=q.get("screen_hint") or None,
                **details,
            )

        if selector is None:
            pending = start(organization_id=organization.id if organization else None)
            hinted = data.authkit_user_by_email(pending.login_hint or "")
            if hinted is not None and self.state.auto_approve:
                self.state.finish_sign_in(pending.id, AUTHKIT)
                return self._complete_hosted(pending, {"user": hinted.id})
            return self._hosted_page(pending)
        found = resolve_selector(data, *selector)
        if isinstance(found, Refusal):
            return refuse(redirect_uri, app_state, found)
        pending = start(
            connection_id=found.connection.id, organization_id=found.connection.organization_id
        )
        profile = found.connection.user_by_email(pending.login_hint or "")
        if profile is not None and self.state.auto_approve:
            self.state.finish_sign_in(pending.id, AUTHKIT)
            return self._complete_sso(pending, profile.id)
        return idp_page(found, pending)

    def _hosted_page(self, pending: PendingSignIn, error: str | None = None) -> Response:
        organization = self.state.data.organization(pending.organization_id or "")
        users = self.state.data.users
        if organization is not None:
            users = tuple(u for u in users if u.membership(organization.id))
        return render(
            "authkit.html",
            status=200 if error is None else 400,
            organization=organization,
            users=users,
            sign_up=pending.screen_hint == "sign-up",
            login_hint=pending.login_hint,
            error=error,
            pending_id=pending.id,
            return_to=return_to(pending.redirect_uri),
            action="authorize/complete",
        )

    async def complete(self, request: Request) -> Response:
        """The hosted page's or the IdP page's form: sign in, or deny."""
        found = await answered(request, self.state, AUTHKIT)
        if isinstance(found, Response):
            return found
        pending, fields = found
        if pending.connection_id is not None:
            return self._complete_sso(pending, fields.get("user", ""))
        return self._complete_hosted(pending, fields)

    def _complete_sso(self, pending: PendingSignIn, profile_id: str) -> Response:
        connection = self.state.data.connection(pending.connection_id or "")
        profile = connection.user(profile_id) if connection else None
        if connection is None or profile is None:
            return error_page(
                "Unknown test user",
                "The chosen user is not a user of this connection any more.",
                hint="Start signing in again from the application.",
            )
        refusal = domain_refusal(self.state.data, connection, profile)
        if refusal is not None:
            return refuse(pending.redirect_uri, pending.state, refusal)
        user = self._provision(connection, profile)
        method = "SSO" if connection.organization_id else connection.connection_type
        return self._send_code(pending, user, connection.organization_id, method)

    def _provision(self, connection: Connection, profile: User) -> AuthKitUser:
        """The AuthKit user of an SSO or OAuth profile, made or given the membership as needed
        (WorkOS's just-in-time provisioning)."""
        organization_id = connection.organization_id

        def change(data: Any) -> Any:
            user = data.authkit_user_by_email(profile.email) or AuthKitUser(
                id=stable_id("user", profile.email.lower()),
                email=profile.email,
                first_name=profile.first_name,
                last_name=profile.last_name,
            )
            if organization_id and user.membership(organization_id) is None:
                membership = Membership(
                    id=stable_id("om", user.id, organization_id),
                    organization_id=organization_id,
                    role=profile.role or "member",
                )
                user = replace(user, memberships=(*user.memberships, membership))
            return data.put_authkit_user(user)

        data = self.state.update_data(change)
        found = data.authkit_user_by_email(profile.email)
        assert found is not None
        return found

    def _complete_hosted(self, pending: PendingSignIn, fields: Mapping[str, str]) -> Response:
        data = self.state.data
        email = fields.get("email", "").strip()
        user = data.authkit_user(fields["user"]) if fields.get("user") else None
        if user is None and email:
            user = data.authkit_user_by_email(email)
        if user is None and email and pending.screen_hint == "sign-up":
            if "@" not in email.strip("@"):
                return self._retry(pending, f"{email} is not an email address.")
            user = AuthKitUser(id=stable_id("user", email.lower()), email=email)
            self.state.update_data(lambda d: d.put_authkit_user(user))
        if user is None:
            message = f"No test user has the email {email}." if email else "Enter an email."
            return self._retry(pending, message)
        organization_id = pending.organization_id
        if organization_id is None and user.memberships:
            organization_id = user.memberships[0].organization_id
        elif organization_id is not None and user.membership(organization_id) is None:
            return self._retry(pending, f"{user.email} is not a member of this organization.")
        return self._send_code(pending, user, organization_id, HOSTED_METHOD)

    def _retry(self, pending: PendingSignIn, error: str) -> Response:
        """The hosted page again, with ``error`` and a fresh request id."""
        again = self.state.start_sign_in(
            AUTHKIT,
            client_id=pending.client_id,
            redirect_uri=pending.redirect_uri,
            state=pending.state,
            code_challenge=pending.code_challenge,
            organization_id=pending.organization_id,
            login_hint=pending.login_hint,
            screen_hint=pending.screen_hint,
        )
        return self._hosted_page(again, error)

    def _send_code(
        self,
        pending: PendingSignIn,
        user: AuthKitUser,
        organization_id: str | None,
        method: str,
    ) -> Response:
        grant = {"user_id": user.id, "organization_id": organization_id, "method": method}
        code = self.state.issue_code(
            AUTHKIT,
            client_id=pending.client_id,
            redirect_uri=pending.redirect_uri,
            grant=grant,
            code_challenge=pending.code_challenge,
        )
        return send_code(pending.redirect_uri, code, pending.state)

    # -- the server's half ----------------------------------------------------------------

    async def authenticate(self, request: Request) -> Response:
        try:
            fields, _ = await read_fields(request)
        except BodyError as exc:
            return oauth_error("invalid_request", str(exc))
        refused = client_refusal(self.state, fields)
        if refused is not None:
            return refused
        grant_type = fields.get("grant_type")
        if grant_type == "authorization_code":
            found = self._redeem(fields)
        elif grant_type == "refresh_token":
            found = self._refresh(fields)
        else:
            return unsupported_grant(grant_type)
        if isinstance(found, Response):
            return found
        session, user = found
        return JSONResponse(self._session_json(request, session, user))

    def _redeem(self, fields: Mapping[str, str]) -> tuple[AuthSession, AuthKitUser] | Response:
        issued = redeem(self.state, AUTHKIT, fields)
        if isinstance(issued, Response):
            return issued
        user = self.state.data.authkit_user(issued.grant["user_id"])
        if user is None:
            return oauth_error("invalid_grant", "The user no longer exists.")
        grant = issued.grant
        session = self.state.start_session(
            user.id, grant["organization_id"], grant["method"], grant.get("impersonator")
        )
        return session, user

    def _refresh(self, fields: Mapping[str, str]) -> tuple[AuthSession, AuthKitUser] | Response:
        token = fields.get("refresh_token")
        if not token:
            return oauth_error("invalid_request", "refresh_token is required.")
        switch_to = fields.get("organization_id") or None
        session = self.state.use_refresh_token(token, organization_id=switch_to)
        if isinstance(session, str):
            return oauth_error("invalid_grant", session)
        user = self.state.data.authkit_user(session.user_id)
        if user is None:
            return oauth_error("invalid_grant", "The user no longer exists.")
        return session, user

    def _session_json(
        self, request: Request, session: AuthSession, user: AuthKitUser
    ) -> dict[str, Any]:
        """The authenticate answer: the user, the session's tokens and how it began."""
        now = self.state.clock()
        claims: dict[str, Any] = {
            "iss": self.issuer(request),
            "sub": user.id,
            "sid": session.id,
            "jti": new_ulid(now),
            "iat": int(now),
            "exp": int(now) + ACCESS_TOKEN_LIFETIME,
            "auth_time": int(session.created_at),
        }
        membership = user.membership(session.organization_id or "")
        if membership is not None:
            claims["org_id"] = membership.organization_id
            claims["role"] = membership.role
            claims["roles"] = [membership.role]
            claims["permissions"] = self.state.data.permissions_of(membership)
        if session.impersonator is not None:
            claims["act"] = {"sub": session.impersonator["email"]}
        defect = token_defect(request)
        claims = spoil_claims(claims, defect, now)
        ring = self.state.key_ring(WORKOS_KEYS)
        answer = {
            "user": {**user_json(user), "last_sign_in_at": iso_timestamp(session.created_at)},
            "organization_id": session.organization_id,
            "access_token": ring.sign(claims, defect=defect),
            "refresh_token": self.state.issue_refresh_token(session.id),
            "authentication_method": session.authentication_method,
        }
        if session.impersonator is not None:
            answer["impersonator"] = dict(session.impersonator)
        return answer

    def impersonation_code(
        self,
        user: AuthKitUser,
        impersonator: dict[str, str | None],
        redirect_uri: str,
        organization_id: str | None,
    ) -> str:
        """A code for a session of ``user`` started by ``impersonator`` (a dashboard admin),
        as WorkOS's impersonation does: ``authentication_method`` ``Impersonation``."""
        grant = {
            "user_id": user.id,
            "organization_id": organization_id,
            "method": "Impersonation",
            "impersonator": impersonator,
        }
        return self.state.issue_code(
            AUTHKIT,
            client_id=self.state.client_id,
            redirect_uri=redirect_uri,
            grant=grant,
            code_challenge=None,
        )

    def issuer(self, request: Request) -> str:
        """``iss`` of the access tokens: ``BASE/user_management/{client_id}``."""
        return f"{own_base_url(request)}/user_management/{self.state.client_id}"

    async def jwks(self, request: Request) -> Response:
        client_id = request.path_params["client_id"]
        if not hmac.compare_digest(client_id, self.state.client_id):
            return message_error(f"No JWKS for client {client_id}.", 404, code="entity_not_found")
        return JSONResponse(self.state.key_ring(WORKOS_KEYS).jwks())

    async def logout(self, request: Request) -> Response:
        """End the session, then go to ``return_to`` (or say it is done)."""
        q = request.query_params
        session_id, destination = q.get("session_id", ""), q.get("return_to")
        if not session_id:
            return error_page(
                "Missing session_id",
                "Logout needs the session_id (the sid claim of the access token).",
            )
        if destination and not _may_return_to(destination, self.state.redirect_uris):
            return error_page(
                "return_to not allowed",
                "The return_to URL is not registered, so the emulator will not send the "
                "browser there.",
                details=[("return_to", destination)],
            )
        self.state.end_session(session_id)
        if destination:
            return RedirectResponse(destination, 302)
        return render("signed_out.html")
