"""The JSON that WorkOS sends: profiles, token responses, organizations, lists and errors.

Each object starts from the model's own fields (:func:`~.data.plain`) and adds what only the
wire has (``object``, ids of the parent, fields WorkOS always sends as ``null``).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from starlette.responses import JSONResponse

from .data import (
    AuthKitUser,
    Connection,
    Directory,
    DirectoryGroup,
    DirectoryUser,
    Organization,
    User,
    plain,
)

T = TypeVar("T")

SSO = "sso"
"""The audience of the SSO API's codes and access tokens (``/sso/token``, ``/sso/profile``)."""
ACCESS_TOKEN_LIFETIME = 600
"""Seconds an SSO access token lives; WorkOS's ``expires_in``."""
INVALID_GRANT = "The code has expired or has already been used."


def iso_timestamp(seconds: float) -> str:
    """``seconds`` since the epoch as WorkOS writes times: ``2024-01-01T00:00:00.000Z``."""
    moment = datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def profile_json(user: User, connection: Connection) -> dict[str, Any]:
    """The WorkOS profile object for ``user`` signing in through ``connection``."""
    return {
        "object": "profile",
        **plain(user, omit=("role", "roles")),
        "organization_id": connection.organization_id,
        "connection_id": connection.id,
        "connection_type": connection.connection_type,
        "role": {"slug": user.role} if user.role is not None else None,
        "roles": [{"slug": slug} for slug in user.roles] if user.roles else None,
    }


def user_json(user: AuthKitUser) -> dict[str, Any]:
    """The WorkOS (User Management) user object."""
    return {
        "object": "user",
        **plain(user, omit=("memberships",)),
        "last_sign_in_at": None,
        "locale": None,
    }


def token_response_json(access_token: str, profile: dict[str, Any]) -> dict[str, Any]:
    return {
        "token_type": "Bearer",
        "access_token": access_token,
        "expires_in": ACCESS_TOKEN_LIFETIME,
        "profile": profile,
        "oauth_tokens": None,
    }


def organization_json(organization: Organization) -> dict[str, Any]:
    """The WorkOS organization object, with every field the official SDK's model requires."""
    stamps = {"created_at": organization.created_at, "updated_at": organization.updated_at}
    domains = [
        {
            "object": "organization_domain",
            **plain(domain),
            "organization_id": organization.id,
            "verification_token": None,
            "verification_prefix": None,
            **stamps,
        }
        for domain in organization.domains
    ]
    return {
        "object": "organization",
        **plain(organization),
        "domains": domains,
        "stripe_customer_id": None,
    }


def directory_json(directory: Directory) -> dict[str, Any]:
    """The WorkOS directory object, with the counts of its users and groups."""
    active = sum(1 for u in directory.users if u.state == "active")
    return {
        "object": "directory",
        **plain(directory, omit=("groups", "users")),
        "metadata": {
            "users": {"active": active, "inactive": len(directory.users) - active},
            "groups": len(directory.groups),
        },
    }


def directory_group_json(group: DirectoryGroup, directory: Directory) -> dict[str, Any]:
    """The WorkOS directory group object."""
    return {
        "object": "directory_group",
        **plain(group),
        "directory_id": directory.id,
        "organization_id": directory.organization_id,
    }


def directory_user_json(
    user: DirectoryUser, directory: Directory, *, groups: bool = True
) -> dict[str, Any]:
    """The WorkOS directory user object: its primary email in ``email`` and ``emails``,
    its role as ``{"slug"}``, and (unless ``groups`` is false, as in events) its groups."""
    name = " ".join(part for part in (user.first_name, user.last_name) if part) or None
    answer = {
        "object": "directory_user",
        **plain(user, omit=("groups", "role")),
        "directory_id": directory.id,
        "organization_id": directory.organization_id,
        "name": name,
        "emails": [{"primary": True, "type": "work", "value": user.email}],
        "username": user.email,
        "job_title": None,
        "role": {"slug": user.role} if user.role is not None else None,
    }
    if groups:
        answer["groups"] = [directory_group_json(g, directory) for g in directory.groups_of(user)]
    return answer


def list_json(
    items: Sequence[dict[str, Any]], *, before: str | None, after: str | None
) -> dict[str, Any]:
    return {
        "object": "list",
        "data": list(items),
        "list_metadata": {"before": before, "after": after},
    }


def page_json(
    ordered: Sequence[T],
    key: Callable[[T], str],
    render: Callable[[T], dict[str, Any]],
    *,
    limit: int,
    before: str | None,
    after: str | None,
) -> dict[str, Any]:
    """One page of ``ordered`` (``limit`` items after the id ``after`` or before ``before``)
    and the cursors around it, WorkOS's way: an unknown cursor is past the end."""
    ids = [key(item) for item in ordered]
    if after:
        start = ids.index(after) + 1 if after in ids else len(ids)
        end = min(start + limit, len(ids))
    elif before:
        end = ids.index(before) if before in ids else 0
        start = max(end - limit, 0)
    else:
        start, end = 0, min(limit, len(ids))
    page = ordered[start:end]
    return list_json(
        [render(item) for item in page],
        before=key(page[0]) if page and start > 0 else None,
        after=key(page[-1]) if page and end < len(ids) else None,
    )


def oauth_error(error: str, description: str, status: int = 400) -> JSONResponse:
    """The token endpoints' error shape: ``{"error", "error_description"}``."""
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def message_error(
    message: str,
    status: int,
    *,
    code: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """The API's general error shape: ``{"message"}``, with ``code`` when WorkOS sends one.

    Also the admin API's errors (400, 404) and unknown paths.
    """
    body = {"message": message} if code is None else {"message": message, "code": code}
    return JSONResponse(body, status_code=status, headers=headers)


def unauthorized_profile() -> JSONResponse:
    """``GET /sso/profile``'s own 401 shape, for a missing, unknown or expired access token."""
    return JSONResponse({"error": "Unauthorized"}, status_code=401)
