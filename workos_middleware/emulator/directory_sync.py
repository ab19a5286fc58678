"""The Directory Sync API: ``/directories``, ``/directory_users`` and ``/directory_groups``.

All need the API key as a bearer token and answer WorkOS's list shape with ``limit``,
``order``, ``before`` and ``after`` (ids), newest first by default (by ``created_at``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .data import Directory, DirectoryGroup, DirectoryUser
from .forms import api_key_refusal, paging
from .store import EmulatorState
from .wire import (
    directory_group_json,
    directory_json,
    directory_user_json,
    message_error,
    page_json,
)

T = TypeVar("T")


class _Listed(Protocol):
    """What a list is ordered and paged by: directories, users and groups all have it."""

    @property
    def id(self) -> str: ...

    @property
    def created_at(self) -> str: ...


L = TypeVar("L", bound=_Listed)


def _not_found(kind: str, item_id: str) -> Response:
    return message_error(f"{kind} not found: '{item_id}'.", 404, code="entity_not_found")


class DirectorySyncEndpoints:
    """The Directory Sync routes, bound to one :class:`EmulatorState`."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    def _list(
        self,
        request: Request,
        items: list[tuple[Directory, L]],
        render: Callable[[Directory, L], dict[str, Any]],
    ) -> Response:
        """``(directory, item)`` pairs as a WorkOS list page, ordered by the item's
        ``created_at`` (then id), newest first unless ``order=asc``."""
        page = paging(request)
        if isinstance(page, Response):
            return page
        items.sort(key=lambda pair: (pair[1].created_at, pair[1].id), reverse=page.newest_first)
        return JSONResponse(
            page_json(
                items,
                lambda pair: pair[1].id,
                lambda pair: render(*pair),
                limit=page.limit,
                before=page.before,
                after=page.after,
            )
        )

    def _scope(self, request: Request, other: str) -> list[Directory] | Response:
        """The directories a user or group list looks in (its ``directory`` parameter, else
        all), or its refusal: no API key, neither ``directory`` nor ``other`` given (422),
        an unknown directory (404)."""
        refused = api_key_refusal(request, self.state.api_key)
        if refused is not None:
            return refused
        q = request.query_params
        if not q.get("directory") and not q.get(other):
            return message_error(f"Either directory or {other} is required.", 422)
        directory_id = q.get("directory")
        if not directory_id:
            return list(self.state.data.directories)
        directory = self.state.data.directory(directory_id)
        if directory is None:
            return _not_found("Directory", directory_id)
        return [directory]

    async def list_directories(self, request: Request) -> Response:
        refused = api_key_refusal(request, self.state.api_key)
        if refused is not None:
            return refused
        q = request.query_params
        directories = list(self.state.data.directories)
        if q.get("organization_id"):
            directories = [d for d in directories if d.organization_id == q["organization_id"]]
        search = q.get("search", "").strip().lower()
        if search:
            directories = [d for d in directories if search in d.name.lower()]
        domain = q.get("domain", "").strip().lower()
        if domain:
            directories = [d for d in directories if (d.domain or "").lower() == domain]
        pairs = [(d, d) for d in directories]
        return self._list(request, pairs, lambda _, d: directory_json(d))

    def _get(
        self,
        request: Request,
        kind: str,
        find: Callable[[str], T | None],
        render: Callable[[T], dict[str, Any]],
    ) -> Response:
        """One object by the id in the path, or 401 / 404 ``entity_not_found``."""
        refused = api_key_refusal(request, self.state.api_key)
        if refused is not None:
            return refused
        item_id = request.path_params["id"]
        found = find(item_id)
        if found is None:
            return _not_found(kind, item_id)
        return JSONResponse(render(found))

    async def get_directory(self, request: Request) -> Response:
        return self._get(request, "Directory", self.state.data.directory, directory_json)

    async def list_users(self, request: Request) -> Response:
        """Users filtered by ``directory``, ``group``, ``idp_id`` and ``email``."""
        directories = self._scope(request, "group")
        if isinstance(directories, Response):
            return directories
        q = request.query_params
        pairs = [(d, u) for d in directories for u in d.users]
        group_id = q.get("group")
        if group_id:
            if self.state.data.directory_group(group_id) is None:
                return _not_found("Directory Group", group_id)
            pairs = [(d, u) for d, u in pairs if group_id in u.groups]
        if q.get("idp_id"):
            pairs = [(d, u) for d, u in pairs if u.idp_id == q["idp_id"]]
        if q.get("email"):
            email = q["email"].strip().lower()
            pairs = [(d, u) for d, u in pairs if u.email.lower() == email]
        return self._list(request, pairs, _user_json)

    async def get_user(self, request: Request) -> Response:
        return self._get(
            request,
            "Directory User",
            self.state.data.directory_user,
            lambda pair: _user_json(*pair),
        )

    async def list_groups(self, request: Request) -> Response:
        """Groups filtered by ``directory`` and ``user`` (the groups a user is in)."""
        directories = self._scope(request, "user")
        if isinstance(directories, Response):
            return directories
        q = request.query_params
        pairs = [(d, g) for d in directories for g in d.groups]
        user_id = q.get("user")
        if user_id:
            found = self.state.data.directory_user(user_id)
            if found is None:
                return _not_found("Directory User", user_id)
            pairs = [(d, g) for d, g in pairs if g.id in found[1].groups]
        return self._list(request, pairs, _group_json)

    async def get_group(self, request: Request) -> Response:
        return self._get(
            request,
            "Directory Group",
            self.state.data.directory_group,
            lambda pair: _group_json(*pair),
        )


def _user_json(directory: Directory, user: DirectoryUser) -> dict[str, Any]:
    return directory_user_json(user, directory)


def _group_json(directory: Directory, group: DirectoryGroup) -> dict[str, Any]:
    return directory_group_json(group, directory)
