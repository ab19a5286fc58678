"""Faults a test can ask for: slow answers, error statuses, malformed or huge bodies.

A fault is read from the JSON a test posts to ``/_emulator/faults`` and, when its turn comes,
turns into the response the endpoint sends instead of its real one (or, for latency, into a
non-blocking delay before the real one).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from .keys import DEFECTS
from .wire import INVALID_GRANT, message_error, oauth_error, unauthorized_profile

Endpoint = Callable[[Request], Awaitable[Response]]
FaultName = str | Callable[[Request], str]
"""A fault name, or a function of the request giving one."""

ENDPOINTS = (
    "token",
    "profile",
    "organizations",
    "authenticate",
    "jwks",
    "directory_sync",
    "events",
    "portal",
)
"""The WorkOS endpoints faults apply to; each provider adds ``<id>.token`` and its others."""
KINDS = ("latency", "status", "malformed_json", "invalid_grant", "huge_body", "token_defect")
_FIELDS = (
    "defect",
    "endpoint",
    "kind",
    "status",
    "seconds",
    "bytes",
    "sticky",
    "body",
    "retry_after",
    "chunked",
)
MAX_SECONDS = 600.0
MIN_BYTES = 16
MAX_BYTES = 10 * 1024**3
_CHUNK = 64 * 1024


class FaultError(ValueError):
    """A fault description that cannot be used; the message says why."""


@dataclass(frozen=True)
class Fault:
    """One fault on one endpoint. One-shot unless ``sticky``."""

    id: str
    endpoint: str
    kind: str
    status: int
    seconds: float
    bytes: int
    sticky: bool
    body: Any = None
    retry_after: int | None = None
    chunked: bool = False
    defect: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "endpoint": self.endpoint,
            "kind": self.kind,
            "status": self.status,
            "seconds": self.seconds,
            "sticky": self.sticky,
        }
        if self.kind == "huge_body":
            out["bytes"] = self.bytes
            out["chunked"] = self.chunked
        if self.body is not None:
            out["body"] = self.body
        if self.retry_after is not None:
            out["retry_after"] = self.retry_after
        if self.defect is not None:
            out["defect"] = self.defect
        return out


def _number(raw: Mapping[str, Any], key: str, default: float, low: float, high: float) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise FaultError(f"{key}: expected a number from {low:g} to {high:g}")
    return float(value)


def parse_fault(
    raw: object, fault_id: str, endpoints: Sequence[str], signing: Sequence[str]
) -> Fault:
    """Read a fault description such as ``{"endpoint": "token", "kind": "status"}``.

    ``endpoints`` are the names faults may apply to; ``signing`` those that issue signed
    tokens (where a ``token_defect`` may go).
    """
    if not isinstance(raw, Mapping):
        raise FaultError("expected a JSON object")
    unknown = [k for k in raw if k not in _FIELDS]
    if unknown:
        raise FaultError(f"unknown field {unknown[0]!r}")
    endpoint = raw.get("endpoint")
    if endpoint not in endpoints:
        raise FaultError(f"endpoint: expected one of {', '.join(endpoints)}")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise FaultError(f"kind: expected one of {', '.join(KINDS)}")
    if kind == "invalid_grant" and not str(endpoint).endswith(("token", "authenticate")):
        raise FaultError("kind: invalid_grant applies only to the token endpoints")
    defect = raw.get("defect")
    if kind == "token_defect":
        if endpoint not in signing:
            raise FaultError(f"kind: token_defect applies only to {', '.join(signing)}")
        if defect not in DEFECTS:
            raise FaultError(f"defect: expected one of {', '.join(DEFECTS)}")
    elif defect is not None:
        raise FaultError("defect: only for kind token_defect")
    default_status = {"status": 503, "invalid_grant": 400}.get(kind, 200)
    status = int(_number(raw, "status", default_status, 100, 599))
    seconds = _number(raw, "seconds", 2.0 if kind == "latency" else 0.0, 0.0, MAX_SECONDS)
    size = int(_number(raw, "bytes", 50_000_000, MIN_BYTES, MAX_BYTES))
    sticky = raw.get("sticky", False)
    chunked = raw.get("chunked", False)
    if not isinstance(sticky, bool) or not isinstance(chunked, bool):
        raise FaultError("sticky and chunked: expected true or false")
    retry_after = raw.get("retry_after")
    if retry_after is None and status == 429:
        retry_after = 1
    if retry_after is not None and (
        isinstance(retry_after, bool) or not isinstance(retry_after, int) or retry_after < 0
    ):
        raise FaultError("retry_after: expected a whole number of seconds")
    return Fault(
        id=fault_id,
        endpoint=str(endpoint),
        kind=str(kind),
        status=status,
        seconds=seconds,
        bytes=size,
        sticky=sticky,
        body=raw.get("body"),
        retry_after=retry_after,
        chunked=chunked,
        defect=defect,
    )


async def apply_fault(fault: Fault) -> Response | None:
    """Wait ``fault.seconds`` without blocking, then give the faulty response.

    ``None`` means the endpoint answers itself: after a pure delay, or with a token it
    spoils as a ``token_defect`` says.
    """
    if fault.seconds:
        await asyncio.sleep(fault.seconds)
    headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else None
    if fault.kind in ("latency", "token_defect"):
        return None
    if fault.kind == "invalid_grant":
        return oauth_error("invalid_grant", INVALID_GRANT, fault.status)
    if fault.kind == "malformed_json":
        body = b'{"token_type": "Bearer", "access_token": "01EMULATED", "profile": {"obj'
        return Response(body, fault.status, headers=headers, media_type="application/json")
    if fault.kind == "huge_body":
        return _huge_response(fault, headers)
    if fault.body is not None:
        return JSONResponse(fault.body, fault.status, headers=headers)
    if fault.status == 401 and fault.endpoint == "profile":
        return unauthorized_profile()
    return message_error(f"Emulated fault: HTTP {fault.status}.", fault.status, headers=headers)


def with_faults(
    take_fault: Callable[[str], Fault | None],
    endpoint: FaultName,
    handler: Endpoint,
) -> Endpoint:
    """``handler`` answering with the next fault queued for ``endpoint``, if there is one.

    ``endpoint`` is a fault name, or a function of the request giving one (a provider's
    endpoints are named after the provider in their path: ``google.token``).
    """

    async def faulty_or_real(request: Request) -> Response:
        fault = take_fault(endpoint if isinstance(endpoint, str) else endpoint(request))
        if fault is not None:
            faulty = await apply_fault(fault)
            if faulty is not None:
                return faulty
            request.state.fault = fault
        return await handler(request)

    return faulty_or_real


def token_defect(request: Request) -> str | None:
    """The defect the fault taken for this request asks the signed token to have, if any."""
    fault: Fault | None = getattr(request.state, "fault", None)
    return fault.defect if fault is not None else None


def _huge_response(fault: Fault, headers: dict[str, str] | None) -> StreamingResponse:
    """A valid JSON document of exactly ``fault.bytes`` bytes, sent in 64 KiB chunks."""
    head, tail = b'{"padding": "', b'"}'

    async def chunks() -> AsyncIterator[bytes]:
        yield head
        block = b"x" * _CHUNK
        left = fault.bytes - len(head) - len(tail)
        while left > 0:
            n = min(left, _CHUNK)
            yield block if n == _CHUNK else block[:n]
            left -= n
        yield tail

    all_headers = dict(headers or {})
    if not fault.chunked:
        all_headers["Content-Length"] = str(fault.bytes)
    return StreamingResponse(chunks(), fault.status, all_headers, media_type="application/json")
