"""The Admin Portal: ``POST /portal/generate_link`` and the small portal it opens.

An app generates a link for one organization (and an ``intent``: set up SSO, Directory Sync,
domain verification...) and sends its customer's IT admin there. The link works once and for
five minutes, as WorkOS's do; opening it starts a portal session (an hour) at a page of its
own, which shows what the intent would set up for that organization and links back to the
app's ``return_url`` (and ``success_url``, "Done").
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from .forms import BodyError, api_key_refusal, read_fields
from .oauth import own_base_url
from .pages import error_page, render
from .portal_links import LINK_LIFETIME, PortalLink
from .store import EmulatorState
from .wire import message_error

INTENTS = {
    "sso": "Set up Single Sign-On",
    "dsync": "Set up Directory Sync",
    "audit_logs": "Audit Logs",
    "log_streams": "Set up Log Streams",
    "domain_verification": "Verify your domains",
    "certificate_renewal": "Renew the SAML certificate",
    "bring_your_own_key": "Bring your own key",
}
"""WorkOS's portal intents and the portal page's heading for each."""


def _absolute_url(value: str) -> bool:
    if any(ch in value for ch in "\r\n\t "):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not parts.username


class PortalEndpoints:
    """The Admin Portal routes, bound to one :class:`EmulatorState`."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state
        self.links = state.portal_links

    async def generate_link(self, request: Request) -> Response:
        """``organization`` (required), ``intent``, ``return_url``, ``success_url`` →
        ``{"link": BASE/portal/launch?secret=...}``."""
        refused = api_key_refusal(request, self.state.api_key)
        if refused is not None:
            return refused
        try:
            fields, _ = await read_fields(request)
        except BodyError as exc:
            return message_error(str(exc), 400)
        organization_id = fields.get("organization", "")
        if not organization_id:
            return message_error("organization is required.", 422)
        intent = fields.get("intent") or None
        if intent is not None and intent not in INTENTS:
            return message_error(f"intent must be one of {', '.join(INTENTS)}.", 422)
        for name in ("return_url", "success_url"):
            if fields.get(name) and not _absolute_url(fields[name]):
                return message_error(f"{name} must be an absolute http or https URL.", 422)
        if self.state.data.organization(organization_id) is None:
            message = f"Organization not found: '{organization_id}'."
            return message_error(message, 404, code="entity_not_found")
        secret = self.links.issue(
            PortalLink(
                organization_id,
                intent,
                fields.get("return_url") or None,
                fields.get("success_url") or None,
                self.state.clock() + LINK_LIFETIME,
            )
        )
        return JSONResponse({"link": f"{own_base_url(request)}/portal/launch?secret={secret}"})

    async def launch(self, request: Request) -> Response:
        """Open a link: once, within five minutes, then the portal's own page."""
        session_id = self.links.open(request.query_params.get("secret", ""))
        if session_id is None:
            return error_page(
                "Admin Portal link expired",
                "This Admin Portal link was already used or is more than five minutes old.",
                hint="Ask the application for a new link.",
            )
        return RedirectResponse(f"{own_base_url(request)}/portal/sessions/{session_id}", 303)

    async def page(self, request: Request) -> Response:
        link = self.links.session(request.path_params["session_id"])
        organization = self.state.data.organization(link.organization_id) if link else None
        if link is None or organization is None:
            return error_page(
                "Admin Portal session ended",
                "This Admin Portal session has ended.",
                status=404,
                hint="Ask the application for a new link.",
            )
        data = self.state.data
        return render(
            "portal.html",
            organization=organization,
            intent=link.intent,
            heading=INTENTS.get(link.intent or "", "Admin Portal"),
            connections=data.connections_of(organization.id),
            directories=data.directories_of(organization.id),
            return_url=link.return_url,
            success_url=link.success_url,
        )
