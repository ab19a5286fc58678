"""``AuthConfig.from_env()``'s reading of the environment: which variables make which
providers, the secret list, the app's URL and the session store. Keyword options passed
to ``from_env`` win over the environment; half a credential pair is an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._base.errors import ConfigurationError
from .._sessions.store import CookieSessionStore, MemorySessionStore, SessionStore
from ..providers._authkit import AuthKitProvider
from ..providers._base import Provider
from ..providers._presets import GitHubProvider, GoogleProvider
from ..providers._workos import DEFAULT_BASE_URL, WorkOSProvider

__all__ = ["SESSION_STORE_KINDS", "options_from_env", "session_store_from_env"]


def options_from_env(env: Mapping[str, str], options: dict[str, Any]) -> dict[str, Any]:
    """``options`` completed from ``env``: what ``AuthConfig(**...)`` is built from."""
    options = dict(options)
    if "session_store" not in options:
        options["session_store"] = session_store_from_env(env)
    workos_options: dict[str, Any] = dict(options.pop("workos", None) or {})
    authkit_options: dict[str, Any] = dict(options.pop("authkit", None) or {})
    github_options: dict[str, Any] = dict(options.pop("github", None) or {})
    google_options: dict[str, Any] = dict(options.pop("google", None) or {})
    for name, key, setting in (
        ("GITHUB_BASE_URL", "base_url", github_options),
        ("GITHUB_API_URL", "api_url", github_options),
        ("GOOGLE_ISSUER", "issuer", google_options),
    ):
        if env.get(name):
            setting.setdefault(key, env[name])
    if "providers" not in options:
        found: list[Provider] = []
        workos = _env_pair(env, "WORKOS_CLIENT_ID", "WORKOS_API_KEY", "the WorkOS dashboard")
        github = _env_pair(env, "GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET", "GitHub")
        google = _env_pair(env, "GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET", "Google Cloud")
        if workos is not None or (github is None and google is None):
            if workos is None:
                raise ConfigurationError(
                    "set WORKOS_CLIENT_ID and WORKOS_API_KEY (from the WorkOS dashboard)"
                )
            found.append(
                WorkOSProvider(
                    client_id=workos[0],
                    client_secret=workos[1],
                    base_url=env.get("WORKOS_BASE_URL") or DEFAULT_BASE_URL,
                    **workos_options,
                )
            )
            if env.get("WORKOS_AUTHKIT", "").lower() in ("1", "true", "yes"):
                found.append(
                    AuthKitProvider(
                        client_id=workos[0],
                        client_secret=workos[1],
                        base_url=env.get("WORKOS_BASE_URL") or DEFAULT_BASE_URL,
                        **authkit_options,
                    )
                )
        if github is not None:
            found.append(
                GitHubProvider(client_id=github[0], client_secret=github[1], **github_options)
            )
        if google is not None:
            found.append(
                GoogleProvider(client_id=google[0], client_secret=google[1], **google_options)
            )
        options["providers"] = found
    if "secret" not in options:
        secret = env.get("AUTH_SECRET") or env.get("NEXTAUTH_SECRET") or ""
        # A comma-separated list rotates secrets: the last one signs.
        options["secret"] = [s.strip() for s in secret.split(",") if s.strip()]
    if "webhook_secret" not in options and env.get("WORKOS_WEBHOOK_SECRET", "").strip():
        options["webhook_secret"] = env["WORKOS_WEBHOOK_SECRET"].strip()
    if "base_path" not in options and env.get("AUTH_BASE_PATH"):
        options["base_path"] = env["AUTH_BASE_PATH"]
    if "url" not in options:
        url = env.get("AUTH_URL") or env.get("NEXTAUTH_URL") or ""
        if not url:
            raise ConfigurationError(
                "set AUTH_URL to the app's public URL, like http://127.0.0.1:8000"
            )
        options["url"] = url
    return options


def _env_pair(
    env: Mapping[str, str], id_name: str, secret_name: str, source: str
) -> tuple[str, str] | None:
    """Both variables of a client id/secret pair, ``None`` if neither; half is an error."""
    client_id, secret = env.get(id_name, ""), env.get(secret_name, "")
    if not client_id and not secret:
        return None
    if not client_id or not secret:
        missing = id_name if not client_id else secret_name
        raise ConfigurationError(f"set {missing} too (from {source}), or unset both")
    return client_id, secret


SESSION_STORE_KINDS = ("cookie", "redis", "memory")


def session_store_from_env(env: Mapping[str, str]) -> SessionStore:
    """The store the environment asks for.

    ``AUTH_REDIS_URL`` set: Redis at that URL. ``AUTH_SESSION_STORE=redis``: Redis at
    ``AUTH_REDIS_URL``, else at ``REDIS_URL``. ``AUTH_SESSION_STORE=memory``: this
    process's memory. Otherwise (or ``cookie``): signed cookies. ``REDIS_URL`` alone
    changes nothing: many platforms set it for the app's own use.
    """
    kind = env.get("AUTH_SESSION_STORE", "").strip().lower()
    redis_url = env.get("AUTH_REDIS_URL", "").strip()
    if kind and kind not in SESSION_STORE_KINDS:
        raise ConfigurationError(
            f"AUTH_SESSION_STORE must be one of {', '.join(SESSION_STORE_KINDS)}; got {kind!r}"
        )
    if kind == "redis" and not redis_url:
        redis_url = env.get("REDIS_URL", "").strip()
        if not redis_url:
            raise ConfigurationError(
                "AUTH_SESSION_STORE=redis needs AUTH_REDIS_URL (or REDIS_URL), "
                "like redis://127.0.0.1:6379/0"
            )
    if kind in ("", "redis") and redis_url:
        from .._sessions.redis_store import RedisSessionStore

        return RedisSessionStore(redis_url)
    if redis_url:
        raise ConfigurationError(
            f"AUTH_REDIS_URL is set but AUTH_SESSION_STORE={kind}: unset one of them"
        )
    return MemorySessionStore() if kind == "memory" else CookieSessionStore()
