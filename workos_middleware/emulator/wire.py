"""The JSON that WorkOS sends: profiles, token responses, organizations, lists and errors.

Each object starts from the model's own fields (:func:`~.data.plain`) and adds what only the
wire has (``object``, ids of the parent, fields WorkOS always sends as ``null``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from starlette.responses import JSONResponse

from .data import AuthKitUser, Connection, Organization, User, plain

SSO = "sso"
"""The audience of the SSO API's codes and access tokens (``/sso/token``, ``/sso/profile``)."""
ACCESS_TOKEN_LIFETIME = 600
"""Seconds an SSO access token lives; WorkOS's ``expires_in``."""
INVALID_GRANT = "The code has expired or has already been used."


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


def list_json(
    items: Sequence[dict[str, Any]], *, before: str | None, after: str | None
) -> dict[str, Any]:
    return {
        "object": "list",
        "data": list(items),
        "list_metadata": {"before": before, "after": after},
    }


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
