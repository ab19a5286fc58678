"""What every ``/_emulator/`` route shares: the prefix, the JSON body, the id in the path,
and the two answers most routes give: a put (the stored value, or 400 naming the field)
and a delete (204, or 404).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .data import DataError, EmulatorData, plain
from .store import EmulatorState
from .wire import message_error

PREFIX = "/_emulator"
T = TypeVar("T")


def bad_request(message: str) -> JSONResponse:
    return message_error(message, 400)


def not_found(message: str) -> JSONResponse:
    return message_error(message, 404)


async def read_body(request: Request) -> Any:
    """The request's JSON (``None`` when empty), or ``DataError``."""
    raw = await request.body()
    try:
        return json.loads(raw or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise DataError("body: not valid JSON") from None


def check_path_id(body: Any, key: str, expected: str) -> None:
    """A body's ``id``, when it has one, must be the one in the path."""
    if isinstance(body, dict) and "id" in body and body["id"] != expected:
        raise DataError(f"id: {body['id']!r} differs from the {key} in the path")


def _plain(value: Any, data: EmulatorData) -> Any:
    return plain(value)


async def put(
    state: EmulatorState,
    request: Request,
    parse: Callable[[Any], T],
    store: Callable[[EmulatorData, T], EmulatorData],
    *,
    show: Callable[[T, EmulatorData], Any] = _plain,
    status_code: int = 200,
) -> Response:
    """Read the body, ``parse`` it, ``store`` the value; answer it as JSON (``show``: its
    fields, by default). A ``DataError`` from any step is a 400 with its message."""
    try:
        value = parse(await read_body(request))
        data = state.update_data(lambda current: store(current, value))
    except DataError as exc:
        return bad_request(str(exc))
    return JSONResponse(show(value, data), status_code=status_code)


def delete(
    state: EmulatorState,
    found: object | None,
    missing: str,
    remove: Callable[[EmulatorData], EmulatorData],
) -> Response:
    """404 with ``missing`` when ``found`` is ``None``; else ``remove`` it: 204."""
    if found is None:
        return not_found(missing)
    state.update_data(remove)
    return Response(status_code=204)
