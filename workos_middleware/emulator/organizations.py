"""``GET /organizations`` (filtered by domain, paginated) and ``GET /organizations/{id}``."""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .data import Organization
from .forms import bearer_token
from .store import EmulatorState
from .wire import list_json, message_error, organization_json

DEFAULT_LIMIT = 10
MAX_LIMIT = 100
ORDERS = ("desc", "asc", "normal")


class OrganizationEndpoints:
    """The organization API routes, which need the API key as a bearer token."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    def _unauthorized(self, request: Request) -> Response | None:
        """The 401 for a request without the API key as its bearer token, if so."""
        token = bearer_token(request)
        if token is None or not hmac.compare_digest(token, self.state.api_key):
            return message_error("Unauthorized: missing or invalid API key.", 401)
        return None

    async def list_organizations(self, request: Request) -> Response:
        refused = self._unauthorized(request)
        if refused is not None:
            return refused
        q = request.query_params
        domains = {
            part.strip().lower()
            for raw in (*q.getlist("domains"), *q.getlist("domains[]"))
            for part in raw.split(",")
            if part.strip()
        }
        organizations = list(self.state.data.organizations)
        if domains:
            organizations = [o for o in organizations if any(o.has_domain(d) for d in domains)]
        search = q.get("search", "").strip().lower()
        if search:
            organizations = [o for o in organizations if search in o.name.lower()]
        try:
            limit = int(q.get("limit", DEFAULT_LIMIT))
        except ValueError:
            limit = 0
        if not 1 <= limit <= MAX_LIMIT:
            return message_error(f"limit must be between 1 and {MAX_LIMIT}.", 422)
        order = q.get("order", "desc")
        if order not in ORDERS:
            return message_error(f"order must be one of {', '.join(ORDERS)}.", 422)
        organizations.sort(key=lambda o: (o.created_at, o.id), reverse=order != "asc")
        return JSONResponse(_page(organizations, limit, q.get("before"), q.get("after")))

    async def get_organization(self, request: Request) -> Response:
        refused = self._unauthorized(request)
        if refused is not None:
            return refused
        organization_id = request.path_params["organization_id"]
        organization = self.state.data.organization(organization_id)
        if organization is None:
            message = f"Organization not found: '{organization_id}'."
            return message_error(message, 404, code="entity_not_found")
        return JSONResponse(organization_json(organization))


def _page(
    ordered: list[Organization], limit: int, before: str | None, after: str | None
) -> dict[str, object]:
    """One page of ``ordered`` and the cursors around it, WorkOS's way."""
    ids = [o.id for o in ordered]
    if after:
        start = ids.index(after) + 1 if after in ids else len(ids)
        end = min(start + limit, len(ids))
    elif before:
        end = ids.index(before) if before in ids else 0
        start = max(end - limit, 0)
    else:
        start, end = 0, min(limit, len(ids))
    page = ordered[start:end]
    return list_json(
        [organization_json(o) for o in page],
        before=page[0].id if page and start > 0 else None,
        after=page[-1].id if page and end < len(ids) else None,
    )
