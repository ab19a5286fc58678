"""``GET /sso/authorize`` and the IdP page's form: from an authorization request to a code.

Requests the emulator cannot send back to the app (unknown client, unregistered redirect
URI, malformed parameters, no selector) get a readable 400 page. Everything after that is
answered by a 302 to the redirect URI, with ``code`` or with ``error`` and
``error_description``, and with ``state`` echoed when it was sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from .data import Connection, EmulatorData, Organization, User
from .oauth import (
    Refusal,
    answered,
    page_form,
    refuse,
    request_problem,
    return_to,
    send_code,
    unredirectable_problem,
)
from .pages import error_page, render
from .redirects import is_registered
from .store import EmulatorState, PendingSignIn
from .wire import SSO, profile_json

PROVIDERS = (
    "GoogleOAuth",
    "MicrosoftOAuth",
    "GitHubOAuth",
    "AppleOAuth",
    "GitLabOAuth",
    "BitbucketOAuth",
    "LinkedInOAuth",
    "SlackOAuth",
    "SalesforceOAuth",
    "IntuitOAuth",
    "XeroOAuth",
    "VercelOAuth",
    "VercelMarketplaceOAuth",
)
SELECTORS = ("connection", "organization", "provider", "domain")


@dataclass(frozen=True)
class Selection:
    connection: Connection
    organization: Organization | None


def _organization_connection(data: EmulatorData, organization: Organization) -> Selection | Refusal:
    active = [c for c in data.connections_of(organization.id) if c.active]
    if not active:
        return Refusal("organization_invalid", "No connection associated with organization.")
    if len(active) > 1:
        return Refusal(
            "ambiguous_connection_selector",
            "The organization has several connections; select one with the connection parameter.",
        )
    return Selection(active[0], organization)


def resolve_selector(data: EmulatorData, name: str, value: str) -> Selection | Refusal:
    """The connection a single selector (``connection=``, ``organization=``...) points at."""
    if name == "connection":
        connection = data.connection(value)
        if connection is None:
            return Refusal("connection_invalid", f"No connection found with ID {value}.")
        if not connection.active:
            return Refusal("connection_invalid", f"The connection {value} is not active.")
        owner = data.organization(connection.organization_id or "")
        return Selection(connection, owner)
    if name == "organization":
        organization = data.organization(value)
        if organization is None:
            return Refusal("organization_invalid", f"No organization found with ID {value}.")
        return _organization_connection(data, organization)
    if name == "provider":
        if value not in PROVIDERS:
            return Refusal("invalid_connection_selector", f"{value} is not a supported provider.")
        candidates = [c for c in data.connections if c.connection_type == value and c.active]
        candidates.sort(key=lambda c: c.organization_id is not None)
        if not candidates:
            return Refusal("connection_invalid", f"No {value} connection is configured.")
        owner = data.organization(candidates[0].organization_id or "")
        return Selection(candidates[0], owner)
    # The deprecated domain selector: the organization that has the domain verified.
    owners = data.organizations_with_domain(value, verified_only=True)
    if not owners:
        return Refusal("organization_invalid", f"No organization has the domain {value} verified.")
    return _organization_connection(data, owners[0])


class AuthorizeEndpoints:
    """The browser-facing half of the emulator, bound to one :class:`EmulatorState`."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    async def authorize(self, request: Request) -> Response:
        q = request.query_params
        problem = self._unredirectable_problem(q)
        if problem is not None:
            return problem
        client_id, redirect_uri = q["client_id"], q["redirect_uri"]
        app_state = q.get("state")
        selectors = [(name, q[name]) for name in SELECTORS if q.get(name)]
        if len(selectors) > 1:
            names = ", ".join(name for name, _ in selectors)
            return self._refuse(
                redirect_uri,
                app_state,
                Refusal(
                    "ambiguous_connection_selector",
                    f"Exactly one connection selector is allowed; got {names}.",
                ),
            )
        data = self.state.data
        found = resolve_selector(data, *selectors[0])
        if isinstance(found, Refusal):
            return self._refuse(redirect_uri, app_state, found)
        login_hint = q.get("login_hint") or None
        hinted = found.connection.user_by_email(login_hint) if login_hint else None
        challenge = q.get("code_challenge") or None
        if hinted is not None and self.state.auto_approve:
            return self._sign_in(
                client_id, redirect_uri, app_state, found.connection, hinted, challenge
            )
        pending = self.state.start_sign_in(
            SSO,
            client_id=client_id,
            redirect_uri=redirect_uri,
            state=app_state,
            connection_id=found.connection.id,
            login_hint=login_hint,
            code_challenge=challenge,
        )
        dashboard = {"connection": found.connection.id, "redirect_uri": redirect_uri}
        return idp_page(found, pending, idp_initiated_url=f"idp_initiated?{urlencode(dashboard)}")

    async def complete(self, request: Request) -> Response:
        """The IdP page's form: sign in as the chosen user, or deny."""
        found = await answered(request, self.state, SSO)
        if isinstance(found, Response):
            return found
        pending, fields = found
        connection = self.state.data.connection(pending.connection_id or "")
        user = connection.user(fields.get("user", "")) if connection else None
        if connection is None or user is None:
            return error_page(
                "Unknown test user",
                "The chosen user is not a user of this connection any more.",
                hint="Start signing in again from the application.",
            )
        return self._sign_in(
            pending.client_id,
            pending.redirect_uri,
            pending.state,
            connection,
            user,
            pending.code_challenge,
        )

    def _sign_in(
        self,
        client_id: str,
        redirect_uri: str,
        app_state: str | None,
        connection: Connection,
        user: User,
        code_challenge: str | None,
    ) -> Response:
        code = self.sso_code(connection, user, redirect_uri, code_challenge)
        if isinstance(code, Refusal):
            return self._refuse(redirect_uri, app_state, code)
        return send_code(redirect_uri, code, app_state)

    def sso_code(
        self,
        connection: Connection,
        user: User,
        redirect_uri: str,
        code_challenge: str | None = None,
    ) -> str | Refusal:
        """A code for ``user``'s profile, or the refusal of the connection's organization."""
        refusal = domain_refusal(self.state.data, connection, user)
        if refusal is not None:
            return refusal
        return self.state.issue_code(
            SSO,
            client_id=self.state.client_id,
            redirect_uri=redirect_uri,
            grant=profile_json(user, connection),
            code_challenge=code_challenge,
        )

    def _refuse(self, redirect_uri: str, app_state: str | None, refusal: Refusal) -> Response:
        return refuse(redirect_uri, app_state, refusal)

    # -- IdP-initiated sign-in --------------------------------------------------------------

    def _idp_problem(self, fields: Mapping[str, str]) -> Response | Connection:
        """The connection an IdP-initiated sign-in starts from, or a 400 page."""
        connection = self.state.data.connection(fields.get("connection", ""))
        if connection is None or not connection.active:
            return error_page(
                "Unknown connection",
                "IdP-initiated sign-in needs the id of an active connection.",
                details=[("connection", fields.get("connection") or "(missing)")],
            )
        redirect_uri = fields.get("redirect_uri", "")
        if not is_registered(redirect_uri, self.state.redirect_uris):
            return error_page(
                "Redirect URI not registered",
                "The redirect_uri is missing or is not registered.",
                details=[("redirect_uri", redirect_uri or "(missing)")],
            )
        return connection

    async def idp_dashboard(self, request: Request) -> Response:
        """The identity provider's own page: open the app as one of the connection's users."""
        found = self._idp_problem(request.query_params)
        if not isinstance(found, Connection):
            return found
        return render(
            "idp_dashboard.html",
            connection=found,
            users=found.users,
            redirect_uri=request.query_params["redirect_uri"],
            return_to=return_to(request.query_params["redirect_uri"]),
        )

    async def idp_launch(self, request: Request) -> Response:
        """The dashboard's button: to the app's redirect URI with a code and no state."""
        fields = await page_form(request)
        if isinstance(fields, Response):
            return fields
        found = self._idp_problem(fields)
        if not isinstance(found, Connection):
            return found
        user = found.user(fields.get("user", ""))
        if user is None:
            return error_page(
                "Unknown test user", "The chosen user is not a user of this connection."
            )
        code = self.sso_code(found, user, fields["redirect_uri"])
        if isinstance(code, Refusal):
            return self._refuse(fields["redirect_uri"], None, code)
        return send_code(fields["redirect_uri"], code, None)

    def _unredirectable_problem(self, q: Mapping[str, str]) -> Response | None:
        """The readable 400 page for a request that cannot go back to the app, if any."""
        return unredirectable_problem(
            q, self.state.client_id, self.state.redirect_uris, _parameter_problem
        )


def idp_page(
    found: Selection, pending: PendingSignIn, idp_initiated_url: str | None = None
) -> Response:
    """The IdP page: the selected connection's test users, for a pending sign-in.

    Its form posts to ``authorize/complete``, relative to the page's own URL, so it works
    under any mount prefix or proxy path (``/sso/...`` and ``/user_management/...`` alike).
    """
    hint = pending.login_hint
    hinted = found.connection.user_by_email(hint) if hint else None
    return render(
        "sign_in.html",
        target=found.organization.name if found.organization else found.connection.name,
        connection=found.connection,
        organization=found.organization,
        users=found.connection.users,
        login_hint=hint,
        hinted_id=hinted.id if hinted else None,
        pending_id=pending.id,
        return_to=return_to(pending.redirect_uri),
        action="authorize/complete",
        idp_initiated_url=idp_initiated_url,
    )


def domain_refusal(data: EmulatorData, connection: Connection, user: User) -> Refusal | None:
    """The refusal of an organization whose verified domains do not include the user's."""
    organization = data.organization(connection.organization_id or "")
    if organization is None or organization.allows_email(user.email):
        return None
    return Refusal(
        "profile_not_allowed_outside_organization",
        f"The profile's email domain {user.email_domain} is not a verified domain "
        f"of the organization {organization.name}.",
    )


def _parameter_problem(q: Mapping[str, str]) -> tuple[str, str] | None:
    """A (parameter, explanation) pair for a malformed request, if any."""
    problem = request_problem(q)
    if problem is None and not any(q.get(name) for name in SELECTORS):
        return (
            "connection selector",
            "One of connection, organization, provider or domain is required.",
        )
    return problem
