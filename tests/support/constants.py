"""Values the middleware's tests share: the app, the mocked WorkOS and its answers."""

from __future__ import annotations

from typing import Any

APP_URL = "http://app.test"
WORKOS_URL = "https://api.workos.test"
SECRET = "test-secret-0123456789abcdef"
CLIENT_ID = "client_01TEST"
API_KEY = "sk_test_key"

PROFILE: dict[str, Any] = {
    "object": "profile",
    "id": "prof_01ALICE",
    "organization_id": "org_01EXAMPLE",
    "connection_id": "conn_01EXAMPLE",
    "connection_type": "OktaSAML",
    "idp_id": "00u1a0ufowBJlzPlk357",
    "email": "alice@example.com",
    "first_name": "Alice",
    "last_name": "Anderson",
    "name": "Alice Anderson",
    "role": {"slug": "admin"},
    "roles": [{"slug": "admin"}],
    "groups": ["Engineering"],
    "custom_attributes": {},
    "raw_attributes": {},
}
NO_ORGANIZATIONS: dict[str, Any] = {
    "object": "list",
    "data": [],
    "list_metadata": {"before": None, "after": None},
}


def organizations(*entries: tuple[str, str, str]) -> dict[str, Any]:
    """A WorkOS organization list: (id, domain, domain state) per organization."""
    return {
        **NO_ORGANIZATIONS,
        "data": [
            {
                "object": "organization",
                "id": org_id,
                "name": org_id,
                "domains": [{"object": "organization_domain", "domain": domain, "state": state}],
            }
            for org_id, domain, state in entries
        ],
    }


TOKEN_RESPONSE: dict[str, Any] = {
    "token_type": "Bearer",
    "access_token": "01DMEK0J53CVMC32CK5SE0KZ8Q",
    "expires_in": 600,
    "profile": PROFILE,
    "oauth_tokens": None,
}

# What a developer's shell might carry and an example started by a test must not see:
# without them the examples embed the emulator (on a loopback AUTH_URL).
EXAMPLE_SETTINGS = (
    "WORKOS_CLIENT_ID",
    "WORKOS_API_KEY",
    "WORKOS_BASE_URL",
    "WORKOS_EMULATOR",
    "WORKOS_EMULATOR_PORT",
    "AUTH_URL",
    "AUTH_SECRET",
    "NEXTAUTH_URL",
    "NEXTAUTH_SECRET",
    "FLASK_APP",
    "FLASK_DEBUG",
    "FLASK_RUN_HOST",
    "FLASK_RUN_PORT",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_DEBUG",
)
