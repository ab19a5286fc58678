"""The test-only JSON API under ``/_emulator/``: change data, reset, inject faults, read the log.

None of this exists on real WorkOS. It has no authentication: the emulator is meant to
listen on loopback only.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from .admin_json import PREFIX, bad_request, check_path_id, delete, not_found, put, read_body
from .authkit import WORKOS_KEYS, AuthKitEndpoints
from .authorize import AuthorizeEndpoints
from .data import (
    AuthKitUser,
    Connection,
    DataError,
    Directory,
    Organization,
    Provider,
    User,
    plain,
)
from .datafile import (
    dump_data,
    dump_organization,
    parse_authkit_user,
    parse_connection,
    parse_data,
    parse_organization,
    parse_provider,
    parse_user,
)
from .faults import FaultError
from .oauth import Refusal
from .redirects import is_registered, with_params
from .store import EmulatorState

# An organization as PUT: itself, and its connections and directories when the body has them.
_ParsedOrganization = tuple[Organization, list[Connection] | None, list[Directory] | None]


class AdminEndpoints:
    """The ``/_emulator/`` routes, bound to one :class:`EmulatorState`."""

    def __init__(
        self, state: EmulatorState, sso: AuthorizeEndpoints, authkit: AuthKitEndpoints
    ) -> None:
        self.state = state
        self.sso = sso
        self.authkit = authkit

    def routes(self) -> list[BaseRoute]:
        org = f"{PREFIX}/organizations/{{organization_id}}"
        conn = f"{PREFIX}/connections/{{connection_id}}"
        return [
            Route(f"{PREFIX}/health", self.health, methods=["GET"]),
            Route(f"{PREFIX}/data", self.get_data, methods=["GET"]),
            Route(f"{PREFIX}/data", self.put_data, methods=["PUT"]),
            Route(f"{PREFIX}/reset", self.reset, methods=["POST"]),
            Route(org, self.put_organization, methods=["PUT"]),
            Route(org, self.delete_organization, methods=["DELETE"]),
            Route(conn, self.put_connection, methods=["PUT"]),
            Route(conn, self.delete_connection, methods=["DELETE"]),
            Route(f"{conn}/users/{{user_id}}", self.put_user, methods=["PUT"]),
            Route(f"{conn}/users/{{user_id}}", self.delete_user, methods=["DELETE"]),
            Route(f"{PREFIX}/faults", self.list_faults, methods=["GET"]),
            Route(f"{PREFIX}/faults", self.add_fault, methods=["POST"]),
            Route(f"{PREFIX}/faults", self.clear_faults, methods=["DELETE"]),
            Route(f"{PREFIX}/requests", self.list_requests, methods=["GET"]),
            Route(f"{PREFIX}/requests", self.clear_requests, methods=["DELETE"]),
            Route(f"{PREFIX}/idp_initiated", self.idp_initiated, methods=["POST"]),
            Route(f"{PREFIX}/impersonate", self.impersonate, methods=["POST"]),
            Route(f"{PREFIX}/users/{{user_id}}", self.put_authkit_user, methods=["PUT"]),
            Route(f"{PREFIX}/users/{{user_id}}", self.delete_authkit_user, methods=["DELETE"]),
            Route(f"{PREFIX}/providers/{{provider_id}}", self.put_provider, methods=["PUT"]),
            Route(f"{PREFIX}/sessions", self.list_sessions, methods=["GET"]),
            Route(f"{PREFIX}/keys", self.list_keys, methods=["GET"]),
            Route(f"{PREFIX}/keys/rotate", self.rotate_keys, methods=["POST"]),
        ]

    async def health(self, request: Request) -> Response:
        return JSONResponse({"ok": True})

    async def get_data(self, request: Request) -> Response:
        return JSONResponse(dump_data(self.state.data))

    async def put_data(self, request: Request) -> Response:
        return await put(
            self.state,
            request,
            parse_data,
            lambda _, data: data,
            show=lambda data, _: dump_data(data),
        )

    async def reset(self, request: Request) -> Response:
        self.state.reset()
        return JSONResponse({"ok": True})

    async def put_organization(self, request: Request) -> Response:
        organization_id = request.path_params["organization_id"]

        def parse(body: Any) -> _ParsedOrganization:
            check_path_id(body, "organization id", organization_id)
            parsed = parse_organization(body, organization_id=organization_id)
            for connection in parsed[1] or []:
                other = self.state.data.connection(connection.id)
                if other is not None and other.organization_id != organization_id:
                    raise DataError(f"connections: id {connection.id!r} is another's connection")
            for directory in parsed[2] or []:
                theirs = self.state.data.directory(directory.id)
                if theirs is not None and theirs.organization_id != organization_id:
                    raise DataError(f"directories: id {directory.id!r} is another's directory")
            return parsed

        return await put(
            self.state,
            request,
            parse,
            lambda data, parsed: data.put_organization(*parsed),
            show=lambda parsed, data: dump_organization(parsed[0], data),
        )

    async def delete_organization(self, request: Request) -> Response:
        organization_id = request.path_params["organization_id"]
        return delete(
            self.state,
            self.state.data.organization(organization_id),
            f"No organization {organization_id!r}.",
            lambda data: data.delete_organization(organization_id),
        )

    async def put_connection(self, request: Request) -> Response:
        connection_id = request.path_params["connection_id"]

        def parse(body: Any) -> Connection:
            check_path_id(body, "connection id", connection_id)
            existing = self.state.data.connection(connection_id)
            if isinstance(body, dict) and "organization_id" not in body and existing:
                body = {**body, "organization_id": existing.organization_id}
            return parse_connection(body, connection_id=connection_id)

        return await put(self.state, request, parse, lambda data, c: data.put_connection(c))

    async def delete_connection(self, request: Request) -> Response:
        connection_id = request.path_params["connection_id"]
        return delete(
            self.state,
            self.state.data.connection(connection_id),
            f"No connection {connection_id!r}.",
            lambda data: data.delete_connection(connection_id),
        )

    async def put_user(self, request: Request) -> Response:
        connection_id = request.path_params["connection_id"]
        user_id = request.path_params["user_id"]
        if self.state.data.connection(connection_id) is None:
            return not_found(f"No connection {connection_id!r}.")

        def parse(body: Any) -> User:
            check_path_id(body, "user id", user_id)
            return parse_user(body, connection_id=connection_id, user_id=user_id)

        return await put(
            self.state, request, parse, lambda data, user: data.put_user(connection_id, user)
        )

    async def delete_user(self, request: Request) -> Response:
        connection_id = request.path_params["connection_id"]
        user_id = request.path_params["user_id"]
        connection = self.state.data.connection(connection_id)
        return delete(
            self.state,
            None if connection is None else connection.user(user_id),
            f"No user {user_id!r} in connection {connection_id!r}.",
            lambda data: data.delete_user(connection_id, user_id),
        )

    async def idp_initiated(self, request: Request) -> Response:
        """An IdP-initiated sign-in without a browser: the URL the IdP would send it to."""
        try:
            body = await read_body(request)
        except DataError as exc:
            return bad_request(str(exc))
        if not isinstance(body, dict):
            return bad_request("body: expected a JSON object")
        connection = self.state.data.connection(str(body.get("connection_id", "")))
        if connection is None or not connection.active:
            return bad_request("connection_id: expected the id of an active connection")
        user = connection.user(str(body.get("user_id", "")))
        if user is None and isinstance(body.get("email"), str):
            user = connection.user_by_email(body["email"])
        if user is None:
            return bad_request("user_id or email: expected a user of the connection")
        redirect_uri = body.get("redirect_uri") or next(iter(self.state.redirect_uris), "")
        if not isinstance(redirect_uri, str) or not is_registered(
            redirect_uri, self.state.redirect_uris
        ):
            return bad_request("redirect_uri: expected a registered redirect URI")
        code = self.sso.sso_code(connection, user, redirect_uri)
        if isinstance(code, Refusal):
            return bad_request(f"{code.error}: {code.description}")
        return JSONResponse({"url": with_params(redirect_uri, {"code": code}), "code": code})

    async def impersonate(self, request: Request) -> Response:
        """An AuthKit session started by a dashboard admin impersonating a user."""
        try:
            body = await read_body(request)
        except DataError as exc:
            return bad_request(str(exc))
        if not isinstance(body, dict):
            return bad_request("body: expected a JSON object")
        data = self.state.data
        user = data.authkit_user(str(body.get("user_id", ""))) or data.authkit_user_by_email(
            str(body.get("email", ""))
        )
        if user is None:
            return bad_request("user_id or email: expected an AuthKit user")
        impersonator = body.get("impersonator")
        reason = body.get("reason")
        if not isinstance(impersonator, str) or "@" not in impersonator:
            return bad_request("impersonator: expected the email of the admin impersonating")
        if reason is not None and not isinstance(reason, str):
            return bad_request("reason: expected a string or null")
        organization_id = body.get("organization_id")
        if organization_id is None and user.memberships:
            organization_id = user.memberships[0].organization_id
        if organization_id is not None and user.membership(str(organization_id)) is None:
            return bad_request("organization_id: the user is not a member")
        redirect_uri = body.get("redirect_uri") or next(iter(self.state.redirect_uris), "")
        if not isinstance(redirect_uri, str) or not is_registered(
            redirect_uri, self.state.redirect_uris
        ):
            return bad_request("redirect_uri: expected a registered redirect URI")
        code = self.authkit.impersonation_code(
            user, {"email": impersonator, "reason": reason}, redirect_uri, organization_id
        )
        return JSONResponse({"url": with_params(redirect_uri, {"code": code}), "code": code})

    async def put_authkit_user(self, request: Request) -> Response:
        user_id = request.path_params["user_id"]

        def parse(body: Any) -> AuthKitUser:
            check_path_id(body, "user id", user_id)
            user = parse_authkit_user(body, user_id=user_id)
            other = self.state.data.authkit_user_by_email(user.email)
            if other is not None and other.id != user_id:
                raise DataError(f"email: {user.email!r} is another user's")
            return user

        return await put(self.state, request, parse, lambda data, u: data.put_authkit_user(u))

    async def delete_authkit_user(self, request: Request) -> Response:
        user_id = request.path_params["user_id"]
        return delete(
            self.state,
            self.state.data.authkit_user(user_id),
            f"No user {user_id!r}.",
            lambda data: data.delete_authkit_user(user_id),
        )

    async def put_provider(self, request: Request) -> Response:
        provider_id = request.path_params["provider_id"]

        def parse(body: Any) -> Provider:
            if isinstance(body, dict):
                body = {"id": provider_id, **body}
            check_path_id(body, "provider id", provider_id)
            return parse_provider(body)

        return await put(self.state, request, parse, lambda data, p: data.put_provider(p))

    async def list_sessions(self, request: Request) -> Response:
        return JSONResponse({"data": [plain(s) for s in self.state.sessions()]})

    def _issuers(self) -> list[str]:
        oidc = [p.id for p in self.state.data.providers if p.kind == "oidc"]
        return [WORKOS_KEYS, *oidc]

    async def list_keys(self, request: Request) -> Response:
        return JSONResponse({name: self.state.key_ring(name).kids() for name in self._issuers()})

    async def rotate_keys(self, request: Request) -> Response:
        """A new signing key (new kid) for an issuer; the old one stays published unless not."""
        try:
            body = await read_body(request)
        except DataError as exc:
            return bad_request(str(exc))
        body = {} if body is None else body
        issuers = self._issuers()
        if not isinstance(body, dict) or body.get("issuer", WORKOS_KEYS) not in issuers:
            return bad_request(f"issuer: expected one of {', '.join(issuers)}")
        keep = body.get("keep_previous", True)
        if not isinstance(keep, bool):
            return bad_request("keep_previous: expected true or false")
        ring = self.state.key_ring(body.get("issuer", WORKOS_KEYS))
        key = ring.rotate(keep_previous=keep)
        return JSONResponse({"issuer": ring.issuer, "kid": key.kid, "kids": ring.kids()})

    async def list_faults(self, request: Request) -> Response:
        return JSONResponse({"data": [f.to_json() for f in self.state.faults()]})

    async def add_fault(self, request: Request) -> Response:
        try:
            fault = self.state.add_fault(await read_body(request))
        except (DataError, FaultError) as exc:
            return bad_request(str(exc))
        return JSONResponse(fault.to_json(), status_code=201)

    async def clear_faults(self, request: Request) -> Response:
        self.state.clear_faults()
        return Response(status_code=204)

    async def list_requests(self, request: Request) -> Response:
        return JSONResponse({"data": self.state.requests()})

    async def clear_requests(self, request: Request) -> Response:
        self.state.clear_log()
        return Response(status_code=204)
