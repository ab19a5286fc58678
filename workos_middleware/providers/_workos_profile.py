"""WorkOS's answers read: a JSON object or a clear ProviderError, and a WorkOS profile
mapped to the session user."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import httpx

from .._base.effects import elapsed
from .._base.errors import ProviderError, provider_status_error
from .._base.types import User

__all__ = ["email_domain", "profile_to_user", "workos_json"]

_EMAIL = re.compile(r"^[^@\s\x00-\x1f\x7f]{1,64}@([A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+)$")


def email_domain(email: str) -> str | None:
    """The lower-cased domain of a well-formed email address, else ``None``."""
    match = _EMAIL.match(email.strip())
    return match.group(1).lower() if match else None


def workos_json(response: httpx.Response, what: str) -> dict[str, Any]:
    """The JSON object of a WorkOS answer; else the error for its cause (our
    credentials, the base URL, an outage, or this sign-in), naming URL, status and time."""
    url = response.request.url.copy_with(query=None)
    if not response.is_success:
        raise provider_status_error(
            f"the WorkOS {what} endpoint",
            str(url),
            response.status_code,
            response.text,
            elapsed(response),
            credentials="WORKOS_API_KEY and WORKOS_CLIENT_ID",
            base_url="WORKOS_BASE_URL",
        )
    try:
        data = json.loads(response.content)
    except (ValueError, RecursionError) as exc:
        kind = response.headers.get("content-type", "no content type")
        hint = ": is WORKOS_BASE_URL the WorkOS API?" if "html" in kind else ""
        raise ProviderError(
            f"the WorkOS {what} endpoint at {url} answered {kind}, not JSON{hint}"
        ) from exc
    if not isinstance(data, dict):
        raise ProviderError(
            f"the WorkOS {what} endpoint at {url} answered JSON that is not an object"
        )
    return data


def _optional_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def profile_to_user(profile: Mapping[str, Any]) -> User:
    """The session user of a WorkOS profile; raises ProviderError if it is unusable."""
    profile_id = profile.get("id")
    email = profile.get("email")
    if not isinstance(profile_id, str) or not profile_id:
        raise ProviderError("WorkOS profile has no id")
    if not isinstance(email, str) or email_domain(email) is None:
        raise ProviderError("WorkOS profile has no valid email")
    name = _optional_str(profile.get("name"))
    if name is None:
        parts = [profile.get("first_name"), profile.get("last_name")]
        name = " ".join(p for p in parts if isinstance(p, str) and p) or None
    roles: list[str] = []
    for role in profile.get("roles") or [profile.get("role")]:
        if isinstance(role, dict) and isinstance(role.get("slug"), str):
            roles.append(role["slug"])
    groups = [g for g in profile.get("groups") or [] if isinstance(g, str)]
    permissions = [p for p in profile.get("permissions") or [] if isinstance(p, str)]
    raw = profile.get("raw_attributes")
    image = _optional_str(raw.get("picture")) if isinstance(raw, dict) else None
    return {
        "id": profile_id,
        "name": name,
        "email": email,
        "image": image,
        "organization_id": _optional_str(profile.get("organization_id")),
        "connection_id": _optional_str(profile.get("connection_id")),
        "connection_type": _optional_str(profile.get("connection_type")),
        "roles": roles,
        "groups": groups,
        "permissions": permissions,
        "idp_id": _optional_str(profile.get("idp_id")),
    }
