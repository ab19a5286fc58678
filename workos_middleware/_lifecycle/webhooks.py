"""``POST {base}/webhooks/workos``: WorkOS's signed webhooks, verified and applied.

Opt-in: the route answers 404 until ``webhook_secret`` (``WORKOS_WEBHOOK_SECRET``) is
set. The raw body is verified against the ``WorkOS-Signature`` header as WorkOS signs
it: ``t=<unix milliseconds>, v1=<hex HMAC-SHA256 of "<t>.<raw body>">`` under the
endpoint's secret, compared in constant time, within ``webhook_tolerance`` seconds of
``config.clock``. The signature is the proof: no CSRF token, no session, no protection
rule. A bad or missing signature is 401 and changes nothing; a body of the wrong shape
400; an event type this middleware does not act on 200 and a log record.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

from .._base.effects import Flow
from .._base.messages import AuthRequest, AuthResponse
from .._config.core import AuthCore
from .audit import record
from .directory import EventShapeError, apply_event, parse_event

__all__ = ["signature_refusal", "workos_webhook"]

logger = logging.getLogger("workos_middleware")

SIGNATURE_HEADER = "workos-signature"


def signature_refusal(
    header: str | None, body: bytes, secret: str, *, now: float, tolerance: float
) -> str | None:
    """Why ``header`` does not sign ``body`` (a short code), or ``None`` if it does."""
    if not header:
        return "missing_signature"
    timestamp: str | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            timestamp = value.strip()
        elif key == "v1":
            signatures.append(value.strip())
    if timestamp is None or not timestamp.isdigit() or len(timestamp) > 16 or not signatures:
        return "malformed_signature"
    if abs(now - int(timestamp) / 1000) > tolerance:
        return "stale_signature"
    expected = hmac.new(
        secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    if not any(hmac.compare_digest(expected, given.lower()) for given in signatures):
        return "bad_signature"
    return None


def workos_webhook(
    core: AuthCore, request: AuthRequest, argument: str
) -> AuthResponse | Flow[AuthResponse]:
    """POST webhooks/workos: verify, parse, apply once."""
    secret = core.config.webhook_secret
    store = core.server_store
    if argument != "workos" or secret is None or store is None:
        return AuthResponse.json({"error": "Not found"}, 404)
    refusal = signature_refusal(
        request.headers.get(SIGNATURE_HEADER),
        request.body,
        secret,
        now=core.clock(),
        tolerance=core.config.webhook_tolerance,
    )
    if refusal is not None:
        record(
            core,
            request,
            "webhook",
            refusal,
            "refused",
            detail="check WORKOS_WEBHOOK_SECRET against the endpoint's secret in the WorkOS "
            "dashboard, and the server's clock",
        )
        return AuthResponse.json({"error": "Invalid WorkOS-Signature"}, 401)
    try:
        event = parse_event(json.loads(request.body))
    except (ValueError, RecursionError) as exc:
        detail = str(exc) if isinstance(exc, EventShapeError) else "the body is not JSON"
        record(core, request, "webhook", "malformed_event", "refused", detail=detail)
        return AuthResponse.json({"error": f"Malformed event: {detail}"}, 400)
    return _applied(event.id, apply_event(store, event, via="webhook"))


def _applied(event_id: str, flow: Flow[str]) -> Flow[AuthResponse]:
    done = yield from flow
    return AuthResponse.json({"received": True, "id": event_id, "result": done})
