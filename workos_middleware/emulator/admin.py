"""The test-only JSON API under ``/_emulator/``: change data, reset, inject faults, read the log.

None of this exists on real WorkOS. It has no authentication: the emulator is meant to
listen on loopback only.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from .authkit import WORKOS_KEYS, AuthKitEndpoints
from .authorize import AuthorizeEndpoints
from .data import DataError, plain
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
from .wire import message_error

PREFIX = "/_emulator"


def _bad_request(message: str) -> JSONResponse:
    return message_error(message, 400)


def _not_found(message: str) -> JSONResponse:
    return message_error(message, 404)


async def _body(request: Request) -> Any:
    raw = await request.body()
    try:
        return json.loads(raw or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise DataError("body: not valid JSON") from None


def _path_id(body: Any, key: str, expected: str) -> None:
    if isinstance(body, dict) and "id" in body and body["id"] != expected:
        raise DataError(f"id: {body['id']!r} differs from the {key} in the path")


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
        try:
            data = parse_data(await _body(request))
        except DataError as exc:
            return _bad_request(str(exc))
        self.state.update_data(lambda _: data)
        return JSONResponse(dump_data(data))

    async def reset(self, request: Request) -> Response:
        self.state.reset()
        return JSONResponse({"ok": True})

    async def put_organization(self, request: Request) -> Response:
        organization_id = request.path_params["organization_id"]
        try:
            body = await _body(request)
            _path_id(body, "organization id", organization_id)
            organization, connections, directories = parse_organization(
                body, organization_id=organization_id
            )
            for connection in connections or []:
                other = self.state.data.connection(connection.id)
                if other is not None and other.organization_id != organization_id:
                    raise DataError(f"connections: id {connection.id!r} is another's connection")
            for directory in directories or []:
                theirs = self.state.data.directory(directory.id)
                if theirs is not None and theirs.organization_id != organization_id:
                    raise DataError(f"directories: id {directory.id!r} is another's directory")
        except DataError as exc:
            return _bad_request(str(exc))
        data = self.state.update_data(
            lambda d: d.put_organization(organization, connections, directories)
        )
        return JSONResponse(dump_organization(organization, data))

    async def delete_organization(self, request: Request) -> Response:
        organization_id = request.path_params["organization_id"]
        if self.state.data.organization(organization_id) is None:
            return _not_found(f"No organization {organization_id!r}.")
        self.state.update_data(lambda d: d.delete_organization(organization_id))
        return Response(status_code=204)

    async def put_connection(self, request: Request) -> Response:
        connection_id = request.path_params["connection_id"]
        try:
            body = await _body(request)
            _path_id(body, "connection id", connection_id)
            existing = self.state.data.connection(connection_id)
            if isinstance(body, dict) and "organization_id" not in body and existing:
                body = {**body, "organization_id": existing.organization_id}
            connection = parse_connection(body, connection_id=connection_id)
            self.state.update_data(lambda d: d.put_connection(connection))
        except DataError as exc:
            return _bad_request(str(exc))
        return JSONResponse(plain(connection))

    async def delete_connection(self, request: Request) -> Response:
        connection_id = request.path_params["connection_id"]
        if self.state.data.connection(connection_id) is None:
            return _not_found(f"No connection {connection_id!r}.")
        self.state.update_data(lambda d: d.delete_connection(connection_id))
        return Response(status_code=204)

    async def put_user(self, request: Request) -> Response:
        connection_id = request.path_params["connection_id"]
        user_id = request.path_params["user_id"]
        if self.state.data.connection(connection_id) is None:
            return _not_found(f"No connection {connection_id!r}.")
        try:
            body = await _body(request)
            _path_id(body, "user id", user_id)
            user = parse_user(body, connection_id=connection_id, user_id=user_id)
            self.state.update_data(lambda d: d.put_user(connection_id, user))
        except DataError as exc:
            return _bad_request(str(exc))
        return JSONResponse(plain(user))

    async def delete_user(self, request: Request) -> Response:
        connection_id = request.path_params["connection_id"]
        user_id = request.path_params["user_id"]
        connection = self.state.data.connection(connection_id)
        if connection is None or connection.user(user_id) is None:
            return _not_found(f"No user {user_id!r} in connection {connection_id!r}.")
        self.state.update_data(lambda d: d.delete_user(connection_id, user_id))
        return Response(status_code=204)

    async def idp_initiated(self, request: Request) -> Response:
        """An IdP-initiated sign-in without a browser: the URL the IdP would send it to."""
        try:
            body = await _body(request)
        except DataError as exc:
            return _bad_request(str(exc))
        if not isinstance(body, dict):
            return _bad_request("body: expected a JSON object")
        connection = self.state.data.connection(str(body.get("connection_id", "")))
        if connection is None or not connection.active:
            return _bad_request("connection_id: expected the id of an active connection")
        user = connection.user(str(body.get("user_id", "")))
        if user is None and isinstance(body.get("email"), str):
            user = connection.user_by_email(body["email"])
        if user is None:
            return _bad_request("user_id or email: expected a user of the connection")
        redirect_uri = body.get("redirect_uri") or next(iter(self.state.redirect_uris), "")
        if not isinstance(redirect_uri, str) or not is_registered(
            redirect_uri, self.state.redirect_uris
        ):
            return _bad_request("redirect_uri: expected a registered redirect URI")
        code = self.sso.sso_code(connection, user, redirect_uri)
        if isinstance(code, Refusal):
            return _bad_request(f"{code.error}: {code.description}")
        return JSONResponse({"url": with_params(redirect_uri, {"code": code}), "code": code})

    async def impersonate(self, request: Request) -> Response:
        """An AuthKit session started by a dashboard admin impersonating a user."""
        try:
            body = await _body(request)
        except DataError as exc:
            return _bad_request(str(exc))
        if not isinstance(body, dict):
            return _bad_request("body: expected a JSON object")
        data = self.state.data
        user = data.authkit_user(str(body.get("user_id", ""))) or data.authkit_user_by_email(
            str(body.get("email", ""))
        )
        if user is None:
            return _bad_request("user_id or email: expected an AuthKit user")
        impersonator = body.get("impersonator")
        reason = body.get("reason")
        if not isinstance(impersonator, str) or "@" not in impersonator:
            return _bad_request("impersonator: expected the email of the admin impersonating")
        if reason is not None and not isinstance(reason, str):
            return _bad_request("reason: expected a string or null")
        organization_id = body.get("organization_id")
        if organization_id is None and user.memberships:
            organization_id = user.memberships[0].organization_id
        if organization_id is not None and user.membership(str(organization_id)) is None:
            return _bad_request("organization_id: the user is not a member")
        redirect_uri = body.get("redirect_uri") or next(iter(self.state.redirect_uris), "")
        if not isinstance(redirect_uri, str) or not is_registered(
            redirect_uri, self.state.redirect_uris
        ):
            return _bad_request("redirect_uri: expected a registered redirect URI")
        code = self.authkit.impersonation_code(
            user, {"email": impersonator, "reason": reason}, redirect_uri, organization_id
        )
        return JSONResponse({"url": with_params(redirect_uri, {"code": code}), "code": code})

    async def put_authkit_user(self, request: Request) -> Response:
        user_id = request.path_params["user_id"]
        try:
            body = await _body(request)
            _path_id(body, "user id", user_id)
            user = parse_authkit_user(body, user_id=user_id)
            other = self.state.data.authkit_user_by_email(user.email)
            if other is not None and other.id != user_id:
                raise DataError(f"email: {user.email!r} is another user's")
            self.state.update_data(lambda d: d.put_authkit_user(user))
        except DataError as exc:
            return _bad_request(str(exc))
        return JSONResponse(plain(user))

    async def delete_authkit_user(self, request: Request) -> Response:
        user_id = request.path_params["user_id"]
        if self.state.data.authkit_user(user_id) is None:
            return _not_found(f"No user {user_id!r}.")
        self.state.update_data(lambda d: d.delete_authkit_user(user_id))
        return Response(status_code=204)

    async def put_provider(self, request: Request) -> Response:
        provider_id = request.path_params["provider_id"]
        try:
            body = await _body(request)
            if isinstance(body, dict):
                body = {"id": provider_id, **body}
            _path_id(body, "provider id", provider_id)
            provider = parse_provider(body)
        except DataError as exc:
            return _bad_request(str(exc))
        self.state.update_data(lambda d: d.put_provider(provider))
        return JSONResponse(plain(provider))

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
            body = await _body(request)
        except DataError as exc:
            return _bad_request(str(exc))
        body = {} if body is None else body
        issuers = self._issuers()
        if not isinstance(body, dict) or body.get("issuer", WORKOS_KEYS) not in issuers:
            return _bad_request(f"issuer: expected one of {', '.join(issuers)}")
        keep = body.get("keep_previous", True)
        if not isinstance(keep, bool):
            return _bad_request("keep_previous: expected true or false")
        ring = self.state.key_ring(body.get("issuer", WORKOS_KEYS))
        key = ring.rotate(keep_previous=keep)
        return JSONResponse({"issuer": ring.issuer, "kid": key.kid, "kids": ring.kids()})

    async def list_faults(self, request: Request) -> Response:
        return JSONResponse({"data": [f.to_json() for f in self.state.faults()]})

    async def add_fault(self, request: Request) -> Response:
        try:
            fault = self.state.add_fault(await _body(request))
        except (DataError, FaultError) as exc:
            return _bad_request(str(exc))
        return JSONResponse(fault.to_json(), status_code=201)

    async def clear_faults(self, request: Request) -> Response:
        self.state.clear_faults()
        return Response(status_code=204)

    async def list_requests(self, request: Request) -> Response:
        return JSONResponse({"data": self.state.requests()})

    async def clear_requests(self, request: Request) -> Response:
        self.state.clear_log()
        return Response(status_code=204)
