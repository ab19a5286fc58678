"""``create_app``: the emulator's Starlette application, its routes and its request log."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .admin import AdminEndpoints
from .admin_json import PREFIX
from .admin_lifecycle import LifecycleAdminEndpoints
from .authkit import AuthKitEndpoints
from .authorize import AuthorizeEndpoints
from .datafile import load_data, parse_webhook
from .directory_sync import DirectorySyncEndpoints
from .events import EventEndpoints
from .faults import Endpoint, FaultName, with_faults
from .organizations import OrganizationEndpoints
from .pages import render
from .portal import PortalEndpoints
from .providers import ProviderEndpoints, fault_name
from .store import EmulatorState
from .tokens import TokenEndpoints
from .wire import message_error

DEFAULT_CLIENT_ID = "client_emulator"
DEFAULT_API_KEY = "sk_test_emulator"


class RequestLog:
    """ASGI middleware that records each WorkOS API call (not the admin API) in the state."""

    def __init__(self, app: ASGIApp, state: EmulatorState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        root = scope.get("root_path", "")
        path: str = scope["path"]
        if root and path.startswith(root):
            path = path[len(root) :] or "/"
        if path.startswith(PREFIX + "/") or path == "/":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        entry: dict[str, Any] = {
            "at": self.state.clock(),
            "method": scope["method"],
            "path": path,
            "query": scope.get("query_string", b"").decode("latin-1"),
            "content_type": headers.get("content-type"),
            "status": None,
        }

        # Logged on arrival, so a call whose client gave up (a timeout) is still seen.
        self.state.log(entry)

        async def send_and_note(message: Message) -> None:
            if message["type"] == "http.response.start":
                entry["status"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        except ClientDisconnect:
            entry["status"] = 499  # the client closed the request: nobody to answer


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return message_error(exc.detail, exc.status_code, headers=exc.headers)


def provider_routes(
    providers: ProviderEndpoints, faulty: Callable[[FaultName, Endpoint], Endpoint]
) -> list[Route]:
    """The routes of every OAuth provider the emulator plays, by kind and id."""
    oidc, github = "/oidc/{provider}", "/oauth/{provider}"
    return [
        Route(
            f"{oidc}/.well-known/openid-configuration",
            faulty(fault_name("discovery"), providers.discovery),
            methods=["GET"],
        ),
        Route(f"{oidc}/authorize", providers.authorize, methods=["GET"]),
        Route(f"{oidc}/authorize/complete", providers.complete, methods=["POST"]),
        Route(f"{oidc}/token", faulty(fault_name("token"), providers.oidc_token), methods=["POST"]),
        Route(
            f"{oidc}/userinfo",
            faulty(fault_name("userinfo"), providers.userinfo),
            methods=["GET", "POST"],
        ),
        Route(f"{oidc}/jwks", faulty(fault_name("jwks"), providers.jwks), methods=["GET"]),
        Route(f"{oidc}/end_session", providers.end_session, methods=["GET", "POST"]),
        Route(f"{github}/login/oauth/authorize", providers.authorize, methods=["GET"]),
        Route(f"{github}/login/oauth/authorize/complete", providers.complete, methods=["POST"]),
        Route(
            f"{github}/login/oauth/access_token",
            faulty(fault_name("token"), providers.github_token),
            methods=["POST"],
        ),
        Route(f"{github}/user", faulty(fault_name("user"), providers.github_user), methods=["GET"]),
        Route(
            f"{github}/user/emails",
            faulty(fault_name("emails"), providers.github_emails),
            methods=["GET"],
        ),
    ]


RECENT_EVENTS = 20


def recent_events(state: EmulatorState) -> list[dict[str, Any]]:
    """The dashboard's newest events, each with who it is about and its deliveries."""
    deliveries = state.deliverer.deliveries()
    shown = []
    for event in reversed(state.events.all()[-RECENT_EVENTS:]):
        user = event.data.get("user")
        about: dict[str, Any] = user if isinstance(user, dict) else event.data
        shown.append(
            {
                **event.to_json(),
                "subject": about.get("email") or about.get("id") or "",
                "deliveries": [d for d in deliveries if d["event_id"] == event.id],
            }
        )
    return shown


def directory_sync_routes(
    endpoints: DirectorySyncEndpoints, faulty: Callable[[FaultName, Endpoint], Endpoint]
) -> list[Route]:
    """The Directory Sync API's reads; one fault name, ``directory_sync``, covers them."""
    routes = [
        ("/directories", endpoints.list_directories),
        ("/directories/{id}", endpoints.get_directory),
        ("/directory_users", endpoints.list_users),
        ("/directory_users/{id}", endpoints.get_user),
        ("/directory_groups", endpoints.list_groups),
        ("/directory_groups/{id}", endpoints.get_group),
    ]
    return [
        Route(path, faulty("directory_sync", handler), methods=["GET"]) for path, handler in routes
    ]


def create_app(
    *,
    client_id: str = DEFAULT_CLIENT_ID,
    api_key: str = DEFAULT_API_KEY,
    data: str | os.PathLike[str] | Mapping[str, Any] | None = None,
    auto_approve: bool = False,
    redirect_uris: Iterable[str] | None = None,
    webhooks: Iterable[Mapping[str, Any]] | None = None,
    clock: Callable[[], float] = time.time,
) -> Starlette:
    """A WorkOS SSO emulator as a Starlette app.

    ``data`` is ``None`` for the built-in test data, a dict in the data-file shape, or a JSON
    file's path (``DataError``, a ``ValueError``, when it is not valid). ``redirect_uris``
    are registered besides loopback ones and the data's own. ``webhooks`` are endpoints
    (``{"url", "secret", "events"?}``) registered besides the data's. ``clock`` gives the time in
    seconds; tests pass a fake one to expire codes and tokens. The state is at
    ``app.state.emulator``.
    """
    loaded = load_data(data)
    for i, raw in enumerate(webhooks or ()):
        loaded = loaded.put_webhook(parse_webhook(raw, path=f"webhooks[{i}]"))
    state = EmulatorState(
        client_id=client_id,
        api_key=api_key,
        data=loaded,
        auto_approve=auto_approve,
        redirect_uris=redirect_uris or (),
        clock=clock,
    )
    sso = AuthorizeEndpoints(state)
    authkit = AuthKitEndpoints(state)
    providers = ProviderEndpoints(state)
    tokens = TokenEndpoints(state)
    organizations = OrganizationEndpoints(state)
    admin = AdminEndpoints(state, sso, authkit)
    lifecycle_admin = LifecycleAdminEndpoints(state)
    directory_sync = DirectorySyncEndpoints(state)
    events = EventEndpoints(state.events, lambda: state.api_key)
    portal = PortalEndpoints(state)

    async def index(request: Request) -> Response:
        return render(
            "index.html",
            client_id=state.client_id,
            api_key=state.api_key,
            auto_approve=state.auto_approve,
            redirect_uris=state.redirect_uris,
            organizations=state.data.organizations,
            connections=state.data.connections,
            users=state.data.users,
            providers=state.data.providers,
            organization_names={o.id: o.name for o in state.data.organizations},
            directories=state.data.directories,
            webhooks=state.data.webhooks,
            recent_events=recent_events(state),
            # Where IdP-initiated sign-in sends the browser: an app's WorkOS callback.
            sso_callback=next(
                (u for u in state.redirect_uris if u.endswith("/callback/workos")),
                next(iter(state.redirect_uris), None),
            ),
        )

    def faulty(endpoint: FaultName, handler: Endpoint) -> Endpoint:
        return with_faults(state.take_fault, endpoint, handler)

    routes = [
        Route("/", index, methods=["GET"]),
        Route("/sso/authorize", sso.authorize, methods=["GET"]),
        Route("/sso/authorize/complete", sso.complete, methods=["POST"]),
        Route("/sso/idp_initiated", sso.idp_dashboard, methods=["GET"]),
        Route("/sso/idp_initiated", sso.idp_launch, methods=["POST"]),
        Route("/sso/token", faulty("token", tokens.token), methods=["POST"]),
        Route("/sso/profile", faulty("profile", tokens.profile), methods=["GET"]),
        Route(
            "/organizations",
            faulty("organizations", organizations.list_organizations),
            methods=["GET"],
        ),
        Route(
            "/organizations/{organization_id}",
            faulty("organizations", organizations.get_organization),
            methods=["GET"],
        ),
        Route("/user_management/authorize", authkit.authorize, methods=["GET"]),
        Route("/user_management/authorize/complete", authkit.complete, methods=["POST"]),
        Route(
            "/user_management/authenticate",
            faulty("authenticate", authkit.authenticate),
            methods=["POST"],
        ),
        Route("/user_management/sessions/logout", authkit.logout, methods=["GET"]),
        Route("/sso/jwks/{client_id}", faulty("jwks", authkit.jwks), methods=["GET"]),
        *directory_sync_routes(directory_sync, faulty),
        Route("/events", faulty("events", events.list_events), methods=["GET"]),
        Route("/portal/generate_link", faulty("portal", portal.generate_link), methods=["POST"]),
        Route("/portal/launch", portal.launch, methods=["GET"]),
        Route("/portal/sessions/{session_id}", portal.page, methods=["GET"]),
        *provider_routes(providers, faulty),
        *admin.routes(),
        *lifecycle_admin.routes(),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: _http_error})
    app.add_middleware(RequestLog, state=state)
    app.state.emulator = state
    return app
