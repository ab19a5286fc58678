"""The JSON that WorkOS sends: profiles, token responses, organizations, lists and errors."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from starlette.responses import JSONResponse

from .data import Connection, Organization, User

ACCESS_TOKEN_LIFETIME = 600
"""Seconds an access token lives; WorkOS's ``expires_in``."""


def profile_json(user: User, connection: Connection) -> dict[str, Any]:
    """The WorkOS profile object for ``user`` signing in through ``connection``."""
    return {
        "object": "profile",
        "id": user.id,
        "organization_id": connection.organization_id,
        "connection_id": connection.id,
        "connection_type": connection.connection_type,
        "idp_id": user.idp_id,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "name": user.name,
        "role": {"slug": user.role} if user.role is not None else None,
        "roles": [{"slug": slug} for slug in user.roles] if user.roles else None,
        "groups": list(user.groups),
        "custom_attributes": copy.deepcopy(dict(user.custom_attributes)),
        "raw_attributes": copy.deepcopy(dict(user.raw_attributes)),
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
    return {
        "object": "organization",
        "id": organization.id,
        "name": organization.name,
        "allow_profiles_outside_organization": organization.allow_profiles_outside_organization,
        "domains": [
            {
                "object": "organization_domain",
                "id": d.id,
                "organization_id": organization.id,
                "domain": d.domain,
                "state": d.state,
                "verification_strategy": d.verification_strategy,
                "verification_token": None,
                "verification_prefix": None,
                "created_at": organization.created_at,
                "updated_at": organization.updated_at,
            }
            for d in organization.domains
        ],
        "metadata": dict(organization.metadata),
        "external_id": organization.external_id,
        "stripe_customer_id": None,
        "created_at": organization.created_at,
        "updated_at": organization.updated_at,
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
    """The token endpoint's error shape: ``{"error", "error_description"}``."""
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def message_error(message: str, status: int, **extra: Any) -> JSONResponse:
    """The API's general error shape: ``{"message": ...}`` (404, 422, 401 on API-key routes)."""
    return JSONResponse({"message": message, **extra}, status_code=status)
