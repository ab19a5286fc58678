"""``GET {base}/admin-portal?intent=...``: the customer's IT admin sets up SSO,
Directory Sync, domains or audit logs themselves, in WorkOS's Admin Portal.

For a signed-in user whom ``AuthConfig(admin_portal=AccessRule(...))`` allows (nobody
until it is configured), WorkOS generates a one-time link for the user's own
organization (``POST /portal/generate_link``) and the browser is sent there; the portal
comes back to ``admin_portal_return_path`` on this app. Anyone else: the sign-in page
(signed out) or a 403 page; nothing is asked of WorkOS.
"""

from __future__ import annotations

import logging
from typing import Final

from .._base.effects import Flow
from .._base.errors import ProviderError, ProviderUnavailable
from .._base.messages import AuthRequest, AuthResponse
from .._config.core import AuthCore
from .._lifecycle.audit import provider_reason, record
from .._lifecycle.workos_api import WorkOSApi
from .._passthrough.protect import challenge, is_navigation

__all__ = ["INTENTS", "admin_portal"]

logger = logging.getLogger("workos_middleware")

INTENTS: Final = frozenset(
    {
        "sso",
        "dsync",
        "domain_verification",
        "audit_logs",
        "log_streams",
        "certificate_renewal",
    }
)


def _refused(core: AuthCore, request: AuthRequest, message: str) -> AuthResponse:
    """403: the access-denied page (saying why) to a browser, JSON to a script."""
    if not is_navigation(request, core.config.api_prefixes):
        return challenge(core, request, forbidden=True)
    return core.responses.page(
        "error.html", 403, heading="Access denied", message=message, home_url=core.base_url
    )


def admin_portal(core: AuthCore, request: AuthRequest, _: str) -> Flow[AuthResponse]:
    """GET admin-portal: a redirect to a fresh Admin Portal link, or why not."""
    intent = request.query.get("intent", "")
    if intent not in INTENTS:
        return AuthResponse.json(
            {"error": f"intent must be one of {', '.join(sorted(INTENTS))}"}, 400
        )
    identity = yield from core.sessions.identify(request.headers.get("cookie", ""))
    token = identity.token
    if token is None:
        return challenge(core, request).set_cookies(identity.set_cookies)
    rule = core.config.admin_portal
    if rule is None or not rule.allows(token):
        record(core, request, "admin_portal", "not_allowed", "refused", user=token)
        if rule is None:
            logger.warning(
                "the Admin Portal is refused to everyone until admin_portal=AccessRule(...) "
                "names who may open it"
            )
        return _refused(
            core, request, "Only your organization's administrators can open its settings."
        ).set_cookies(identity.set_cookies)
    organization = token.get("organization_id")
    api = WorkOSApi.of(core.config)
    if not organization or api is None:
        record(core, request, "admin_portal", "no_organization", "refused", user=token)
        return _refused(
            core, request, "Your account does not belong to an organization with settings here."
        ).set_cookies(identity.set_cookies)
    return_url = core.base_url + core.config.admin_portal_return_path
    try:
        link = yield from api.portal_link(organization, intent, return_url)
    except ProviderError as exc:
        record(core, request, "admin_portal", provider_reason(exc), "failed", detail=str(exc))
        if isinstance(exc, ProviderUnavailable):
            response = core.responses.page(
                "error.html",
                503,
                heading="Service unavailable",
                message="WorkOS could not be reached to open your organization's settings. "
                "Please try again in a moment.",
                home_url=core.base_url,
            )
            response.headers.append(("retry-after", "5"))
        else:
            response = core.responses.error_page("Configuration")
        return response.set_cookies(identity.set_cookies)
    record(core, request, "admin_portal", intent, "success", user=token)
    return AuthResponse.redirect(link).set_cookies(identity.set_cookies)
