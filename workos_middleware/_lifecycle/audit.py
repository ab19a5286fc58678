"""The audit trail: one structured log record per sign-in, sign-out and refusal.

Records go to the ``workos_middleware.audit`` logger: INFO for what succeeded
(``signin``, ``signout``), WARNING for every refusal and failure. Each record's
message is one readable line; the same facts are on the record as attributes
(``record.audit`` is a dict, and each key is also set as ``audit_<key>``) for JSON log
formatters. What is recorded: ``event``, ``reason`` (a short code), ``outcome``
(``success``, ``refused`` or ``failed``), ``provider``, ``organization``, ``connection``,
``user`` (the session's ``sub``), ``email`` (masked unless the configuration says
``audit_emails=True``), ``request_id`` (the request's ``X-Request-ID`` when it looks
like one, else a new random id), ``method``, ``path`` and a ``detail`` sentence for the
operator. Never a secret, a token, a code, a state or a cookie.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, Literal

from .._base.errors import ProviderError, ProviderMisconfigured, ProviderUnavailable

if TYPE_CHECKING:
    from .._base.messages import AuthRequest
    from .._config.core import AuthCore

__all__ = [
    "AUDIT_LOGGER",
    "Outcome",
    "audit",
    "is_failure",
    "mask_email",
    "provider_reason",
    "record",
    "request_id",
]

AUDIT_LOGGER: Final = "workos_middleware.audit"
logger = logging.getLogger(AUDIT_LOGGER)

Outcome = Literal["success", "refused", "failed"]

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def request_id(headers: Mapping[str, str]) -> str:
    """The request's ``X-Request-ID`` (as a proxy set it) when well-formed, else a new one."""
    given = headers.get("x-request-id", "")
    if _REQUEST_ID.match(given):
        return given
    return secrets.token_hex(8)


def mask_email(email: str) -> str:
    """``alice@example.com`` -> ``a***@example.com``: enough to tell users apart."""
    local, at, domain = email.rpartition("@")
    if not at or not local:
        return "***"
    return f"{local[0]}***@{domain}"


def provider_reason(exc: ProviderError) -> str:
    """The audit reason of a provider's error."""
    if isinstance(exc, ProviderUnavailable):
        return "provider_unavailable"
    if isinstance(exc, ProviderMisconfigured):
        return "provider_configuration"
    return "no_connection" if exc.code == "NoConnection" else "provider_error"


def is_failure(exc: ProviderError) -> bool:
    """Whether the provider failed (rather than refused this particular sign-in)."""
    return isinstance(exc, (ProviderUnavailable, ProviderMisconfigured))


def _clean(value: Any, limit: int = 300) -> Any:
    """A field made safe for one log line: no control characters, bounded length."""
    if isinstance(value, str):
        return _CONTROL.sub("?", value)[:limit]
    return value


def audit(
    event: str,
    reason: str,
    outcome: Outcome,
    *,
    request_id: str | None = None,
    provider: str | None = None,
    user: Mapping[str, Any] | None = None,
    emails: bool = False,
    method: str | None = None,
    path: str | None = None,
    detail: str | None = None,
) -> None:
    """Log one audit record (INFO on success, WARNING otherwise)."""
    fields: dict[str, Any] = {
        "event": event,
        "reason": reason,
        "outcome": outcome,
        "provider": provider,
        "request_id": request_id,
        "method": method,
        "path": _clean(path, 200) if path else None,
    }
    if user:
        email = user.get("email")
        fields["user"] = _clean(user.get("sub") or user.get("id"))
        fields["organization"] = _clean(user.get("organization_id"))
        fields["connection"] = _clean(user.get("connection_id"))
        if isinstance(email, str) and email:
            fields["email"] = _clean(email if emails else mask_email(email))
    if detail:
        fields["detail"] = _clean(detail, 1000)
    fields = {key: value for key, value in fields.items() if value is not None}
    shown = " ".join(
        f"{key}={value}"
        for key, value in fields.items()
        if key not in ("event", "reason", "detail", "outcome")
    )
    message = f"{event} {outcome}: {reason}" + (f" ({shown})" if shown else "")
    if detail:
        message += f": {fields['detail']}"
    extra = {"audit": fields, **{f"audit_{key}": value for key, value in fields.items()}}
    logger.log(logging.INFO if outcome == "success" else logging.WARNING, message, extra=extra)


def record(
    core: AuthCore,
    request: AuthRequest,
    event: str,
    reason: str,
    outcome: Outcome,
    *,
    provider: str | None = None,
    user: Mapping[str, Any] | None = None,
    detail: str | None = None,
) -> None:
    """One audit record about ``request`` (see :func:`audit`)."""
    audit(
        event,
        reason,
        outcome,
        request_id=request_id(request.headers),
        provider=provider,
        user=user,
        emails=core.config.audit_emails,
        method=request.method,
        path=request.path,
        detail=detail,
    )
