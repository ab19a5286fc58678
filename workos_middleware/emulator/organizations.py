"""``GET /organizations`` (filtered by domain, paginated) and ``GET /organizations/{id}``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .forms import api_key_refusal, paging
from .store import EmulatorState
from .wire import message_error, organization_json, page_json


class OrganizationEndpoints:
    """The organization API routes, which need the API key as a bearer token."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    async def list_organizations(self, request: Request) -> Response:
        refused = api_key_refusal(request, self.state.api_key)
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
        page = paging(request)
        if isinstance(page, Response):
            return page
        organizations.sort(key=lambda o: (o.created_at, o.id), reverse=page.newest_first)
        return JSONResponse(
            page_json(
                organizations,
                lambda o: o.id,
                organization_json,
                limit=page.limit,
                before=page.before,
                after=page.after,
            )
        )

    async def get_organization(self, request: Request) -> Response:
        refused = api_key_refusal(request, self.state.api_key)
        if refused is not None:
            return refused
        organization_id = request.path_params["organization_id"]
        organization = self.state.data.organization(organization_id)
        if organization is None:
            message = f"Organization not found: '{organization_id}'."
            return message_error(message, 404, code="entity_not_found")
        return JSONResponse(organization_json(organization))
