"""WorkOS credentials as WorkOS issues them: a client id ``client_...`` and an API key
``sk_...``. Checked at construction, so swapped or mistyped values fail at start-up
with the variable to fix rather than as ``invalid_client`` at the first sign-in.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from .._base.errors import ConfigurationError

__all__ = ["check_workos_credentials"]

CLIENT_ID_PREFIX = "client_"
API_KEY_PREFIX = "sk_"


def check_workos_credentials(what: str, client_id: str, api_key: str, base_url: str) -> None:
    """Raise a :class:`ConfigurationError` naming the setting when a credential is
    missing, swapped or not of WorkOS's form, or ``base_url`` is not an http(s) URL.
    ``what`` names the provider in the message ("WorkOS", "AuthKit")."""
    if not client_id:
        raise ConfigurationError(f"{what} client id is missing: set WORKOS_CLIENT_ID")
    if not api_key:
        raise ConfigurationError(f"{what} API key is missing: set WORKOS_API_KEY")
    if client_id.startswith(API_KEY_PREFIX) and api_key.startswith(CLIENT_ID_PREFIX):
        raise ConfigurationError(
            "WORKOS_CLIENT_ID and WORKOS_API_KEY are swapped: the client id starts with "
            f"{CLIENT_ID_PREFIX!r}, the API key with {API_KEY_PREFIX!r}"
        )
    if not client_id.startswith(CLIENT_ID_PREFIX):
        raise ConfigurationError(
            f"WORKOS_CLIENT_ID must be the WorkOS client id, which starts with "
            f"{CLIENT_ID_PREFIX!r} (WorkOS dashboard, API Keys); got one starting "
            f"{client_id[:7]!r}"
        )
    if not api_key.startswith(API_KEY_PREFIX):
        # Never echo any part of a secret beyond its prefix.
        raise ConfigurationError(
            f"WORKOS_API_KEY must be the WorkOS API key, which starts with {API_KEY_PREFIX!r} "
            "(sk_test_... or sk_live_..., WorkOS dashboard, API Keys)"
        )
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigurationError(f"WORKOS_BASE_URL must be an http(s) URL, got {base_url!r}")
