"""The admin API's lifecycle half: directory users, webhook endpoints, events and roles.

Each directory change answers JSON to a test (the event it emitted), or, when the
dashboard's form posted it, sends the browser back to the dashboard (303). The dashboard's
forms are refused when another site's page posted them (``Origin`` of another host).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from .admin_json import PREFIX, bad_request, check_path_id, delete, not_found, put, read_body
from .data import DataError, Directory, Role, WebhookEndpoint, plain
from .datafile import parse_directory, parse_directory_user, parse_role, parse_webhook
from .dsync import ChangeError, DirectoryChanges
from .events import Event
from .forms import BodyError, read_fields
from .ids import new_id
from .oauth import own_base_url
from .pages import error_page
from .store import EmulatorState
from .wire import message_error

DASHBOARD_ANCHOR = "#directories"


def _from_form(request: Request) -> bool:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return content_type == "application/x-www-form-urlencoded"


def _foreign_origin(request: Request) -> bool:
    """A form another site's page posted: the browser says so in ``Sec-Fetch-Site``, or
    (an older browser) its ``Origin`` names another host. The dashboard's pages send no
    referrer, so Chromium's own posts carry ``Origin: null``; ``Sec-Fetch-Site`` still says
    ``same-origin`` for them."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site not in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return False
    return urlsplit(origin).netloc.lower() != request.url.netloc.lower()


class LifecycleAdminEndpoints:
    """The ``/_emulator/`` routes that change directories and read events and deliveries."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state
        self.changes = DirectoryChanges(state)

    def routes(self) -> list[BaseRoute]:
        user = f"{PREFIX}/directory_users/{{user_id}}"
        return [
            Route(f"{PREFIX}/directories/{{directory_id}}", self.put_directory, methods=["PUT"]),
            Route(
                f"{PREFIX}/directories/{{directory_id}}",
                self.delete_directory,
                methods=["DELETE"],
            ),
            Route(
                f"{PREFIX}/directories/{{directory_id}}/users/{{user_id}}",
                self.put_directory_user,
                methods=["PUT"],
            ),
            Route(f"{user}/deactivate", self.deactivate, methods=["POST"]),
            Route(f"{user}/reactivate", self.reactivate, methods=["POST"]),
            Route(user, self.delete_user, methods=["DELETE"]),
            Route(f"{user}/delete", self.delete_user, methods=["POST"]),
            Route(f"{user}/groups", self.add_to_group, methods=["POST"]),
            Route(f"{user}/groups/{{group_id}}", self.remove_from_group, methods=["DELETE"]),
            Route(f"{user}/groups/{{group_id}}/remove", self.remove_from_group, methods=["POST"]),
            Route(f"{PREFIX}/events", self.list_events, methods=["GET"]),
            Route(f"{PREFIX}/events", self.add_event, methods=["POST"]),
            Route(f"{PREFIX}/events/{{event_id}}/redeliver", self.redeliver, methods=["POST"]),
            Route(f"{PREFIX}/webhooks", self.list_webhooks, methods=["GET"]),
            Route(f"{PREFIX}/webhooks", self.add_webhook, methods=["POST"]),
            Route(f"{PREFIX}/webhooks/deliveries", self.list_deliveries, methods=["GET"]),
            Route(f"{PREFIX}/webhooks/{{endpoint_id}}", self.put_webhook, methods=["PUT"]),
            Route(f"{PREFIX}/webhooks/{{endpoint_id}}", self.delete_webhook, methods=["DELETE"]),
            Route(f"{PREFIX}/roles/{{slug}}", self.put_role, methods=["PUT"]),
            Route(f"{PREFIX}/roles/{{slug}}", self.delete_role, methods=["DELETE"]),
        ]

    # -- directory changes ----------------------------------------------------------------

    async def _answer(self, request: Request, change: Callable[[], Event]) -> Response:
        """Make a change; JSON for the admin API, back to the dashboard for its forms."""
        form = _from_form(request)
        if form and _foreign_origin(request):
            return error_page(
                "Form from another site",
                "The emulator's dashboard only accepts its own forms.",
                status=403,
            )
        try:
            event = change()
        except ChangeError as exc:
            if form:
                return error_page("Not changed", str(exc), status=exc.status)
            return message_error(str(exc), exc.status)
        if form:
            return RedirectResponse(own_base_url(request) + "/" + DASHBOARD_ANCHOR, 303)
        return JSONResponse(event.to_json())

    async def deactivate(self, request: Request) -> Response:
        user_id = request.path_params["user_id"]
        return await self._answer(request, lambda: self.changes.set_state(user_id, "inactive"))

    async def reactivate(self, request: Request) -> Response:
        user_id = request.path_params["user_id"]
        return await self._answer(request, lambda: self.changes.set_state(user_id, "active"))

    async def delete_user(self, request: Request) -> Response:
        user_id = request.path_params["user_id"]
        return await self._answer(request, lambda: self.changes.delete(user_id))

    async def add_to_group(self, request: Request) -> Response:
        """Body ``{"group_id": ...}`` (or the dashboard's form field ``group_id``)."""
        try:
            fields, _ = await read_fields(request)
        except BodyError as exc:
            return bad_request(str(exc))
        group_id = fields.get("group_id", "")
        if not group_id:
            return bad_request("group_id: expected the id of a group of the directory")
        user_id = request.path_params["user_id"]
        return await self._answer(
            request, lambda: self.changes.regroup(user_id, group_id, member=True)
        )

    async def remove_from_group(self, request: Request) -> Response:
        user_id, group_id = request.path_params["user_id"], request.path_params["group_id"]
        return await self._answer(
            request, lambda: self.changes.regroup(user_id, group_id, member=False)
        )

    async def put_directory(self, request: Request) -> Response:
        """Add or replace a directory (body: one of an organization's ``directories`` with
        its ``organization_id``); no event is sent."""
        directory_id = request.path_params["directory_id"]

        def parse(body: Any) -> Directory:
            check_path_id(body, "directory id", directory_id)
            if not isinstance(body, dict):
                raise DataError("body: expected a JSON object")
            existing = self.state.data.directory(directory_id)
            organization_id = body.get("organization_id") or (
                existing.organization_id if existing else None
            )
            if not isinstance(organization_id, str):
                raise DataError("organization_id: expected the id of an organization")
            fields = {k: v for k, v in body.items() if k != "organization_id"}
            return parse_directory(
                fields, organization_id=organization_id, directory_id=directory_id
            )

        return await put(self.state, request, parse, lambda data, d: data.put_directory(d))

    async def delete_directory(self, request: Request) -> Response:
        directory_id = request.path_params["directory_id"]
        return delete(
            self.state,
            self.state.data.directory(directory_id),
            f"No directory {directory_id!r}.",
            lambda data: data.delete_directory(directory_id),
        )

    async def put_directory_user(self, request: Request) -> Response:
        """Add (``dsync.user.created``) or replace (``dsync.user.updated``) a directory user."""
        directory_id = request.path_params["directory_id"]
        user_id = request.path_params["user_id"]
        directory = self.state.data.directory(directory_id)
        if directory is None:
            return not_found(f"No directory {directory_id!r}.")
        try:
            body = await read_body(request)
            check_path_id(body, "user id", user_id)
            user = parse_directory_user(
                body, directory_id=directory_id, groups=directory.groups, user_id=user_id
            )
            event = self.changes.put_user(directory_id, user)
        except DataError as exc:
            return bad_request(str(exc))
        except ChangeError as exc:
            return message_error(str(exc), exc.status)
        return JSONResponse(event.to_json())

    # -- events ---------------------------------------------------------------------------

    async def list_events(self, request: Request) -> Response:
        return JSONResponse({"data": [e.to_json() for e in self.state.events.all()]})

    async def add_event(self, request: Request) -> Response:
        """Record and send any event: ``{"event": TYPE, "data": {...}, "organization_id"?}``."""
        try:
            body = await read_body(request)
        except DataError as exc:
            return bad_request(str(exc))
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("event"), str)
            or not body["event"]
        ):
            return bad_request("event: expected an event type such as dsync.user.updated")
        if not isinstance(body.get("data"), dict):
            return bad_request("data: expected a JSON object")
        organization_id = body.get("organization_id")
        if organization_id is not None and not isinstance(organization_id, str):
            return bad_request("organization_id: expected a string or null")
        event = self.state.emit(body["event"], body["data"], organization_id)
        return JSONResponse(event.to_json(), status_code=201)

    async def redeliver(self, request: Request) -> Response:
        """Send a recorded event again, freshly signed (a replay, as WorkOS's retries are)."""
        event = self.state.events.get(request.path_params["event_id"])
        if event is None:
            return not_found(f"No event {request.path_params['event_id']!r}.")
        self.state.deliver(event)
        return JSONResponse(event.to_json(), status_code=202)

    # -- webhook endpoints ----------------------------------------------------------------

    async def list_webhooks(self, request: Request) -> Response:
        return JSONResponse({"data": [plain(w) for w in self.state.data.webhooks]})

    async def add_webhook(self, request: Request) -> Response:
        """Register an endpoint: ``{"url", "secret", "events"?}``; the id is made up."""

        def parse(body: Any) -> WebhookEndpoint:
            if isinstance(body, dict) and "id" not in body:
                body = {**body, "id": new_id("we", self.state.clock())}
            endpoint = parse_webhook(body)
            if self.state.data.webhook(endpoint.id) is not None:
                raise DataError(f"id: {endpoint.id!r} is already registered")
            return endpoint

        return await put(
            self.state, request, parse, lambda data, e: data.put_webhook(e), status_code=201
        )

    async def put_webhook(self, request: Request) -> Response:
        endpoint_id = request.path_params["endpoint_id"]

        def parse(body: Any) -> WebhookEndpoint:
            check_path_id(body, "endpoint id", endpoint_id)
            return parse_webhook(body, endpoint_id=endpoint_id)

        return await put(self.state, request, parse, lambda data, e: data.put_webhook(e))

    async def delete_webhook(self, request: Request) -> Response:
        endpoint_id = request.path_params["endpoint_id"]
        return delete(
            self.state,
            self.state.data.webhook(endpoint_id),
            f"No webhook endpoint {endpoint_id!r}.",
            lambda data: data.delete_webhook(endpoint_id),
        )

    async def list_deliveries(self, request: Request) -> Response:
        """Every delivery (newest last) with its attempts; ``?event_id=`` for one event's."""
        wanted = request.query_params.get("event_id")
        deliveries = self.state.deliverer.deliveries()
        if wanted:
            deliveries = [d for d in deliveries if d["event_id"] == wanted]
        return JSONResponse({"data": deliveries})

    # -- roles ----------------------------------------------------------------------------

    async def put_role(self, request: Request) -> Response:
        slug = request.path_params["slug"]

        def parse(body: Any) -> Role:
            if isinstance(body, dict) and body.get("slug", slug) != slug:
                raise DataError("slug: differs from the role in the path")
            if isinstance(body, dict):
                body = {k: v for k, v in body.items() if k != "slug"}
            return parse_role(body, slug=slug)

        return await put(self.state, request, parse, lambda data, role: data.put_role(role))

    async def delete_role(self, request: Request) -> Response:
        slug = request.path_params["slug"]
        return delete(
            self.state,
            self.state.data.role(slug),
            f"No role {slug!r}.",
            lambda data: data.delete_role(slug),
        )
