"""Reading what a request carries: fields (JSON, form or query string), a bearer token (the
API key), and the paging parameters of a list."""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from .wire import message_error

MAX_BODY = 1024 * 1024
DEFAULT_LIMIT = 10
MAX_LIMIT = 100
ORDERS = ("desc", "asc", "normal")


class BodyError(ValueError):
    """A body that cannot be read as the fields of a request."""


def _form(body: bytes) -> dict[str, str]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BodyError("The form body is not UTF-8.") from None
    return dict(parse_qsl(text, keep_blank_values=True))


def _json(body: bytes) -> dict[str, str]:
    try:
        parsed = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BodyError("The JSON body could not be parsed.") from None
    if not isinstance(parsed, dict):
        raise BodyError("The JSON body must be an object.")
    return {
        str(k): v if isinstance(v, str) else json.dumps(v)
        for k, v in parsed.items()
        if v is not None
    }


async def read_fields(request: Request) -> tuple[dict[str, str], str]:
    """The request's fields and where they came from: ``json``, ``form`` or ``query``.

    Query-string fields are read first; body fields win over them. The body is read as
    JSON or as a URL-encoded form according to its content type, or by its first byte when
    the content type says neither.
    """
    fields = dict(request.query_params)
    body = await request.body()
    if len(body) > MAX_BODY:
        raise BodyError("The body is too large.")
    if not body.strip():
        return fields, "query"
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json" or content_type.endswith("+json"):
        source = "json"
    elif content_type == "application/x-www-form-urlencoded":
        source = "form"
    else:
        source = "json" if body.lstrip()[:1] == b"{" else "form"
    fields.update(_json(body) if source == "json" else _form(body))
    return fields, source


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer ...`` header, if there is one."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def api_key_refusal(request: Request, api_key: str) -> Response | None:
    """The 401 for a request without the API key as its bearer token, if so."""
    token = bearer_token(request)
    if token is None or not hmac.compare_digest(token, api_key):
        return message_error("Unauthorized: missing or invalid API key.", 401)
    return None


@dataclass(frozen=True)
class Paging:
    """A list request's ``limit``, ``order`` and cursors."""

    limit: int
    order: str
    before: str | None
    after: str | None

    @property
    def newest_first(self) -> bool:
        return self.order != "asc"


def paging(request: Request, *, default_order: str = "desc") -> Paging | Response:
    """The paging parameters of a list request, or its 422 answer: ``limit`` 1-100
    (default 10) and ``order`` ``desc``, ``asc`` or ``normal``."""
    q = request.query_params
    try:
        limit = int(q.get("limit", DEFAULT_LIMIT))
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_LIMIT:
        return message_error(f"limit must be between 1 and {MAX_LIMIT}.", 422)
    order = q.get("order", default_order)
    if order not in ORDERS:
        return message_error(f"order must be one of {', '.join(ORDERS)}.", 422)
    return Paging(limit, order, q.get("before") or None, q.get("after") or None)
