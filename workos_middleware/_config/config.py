"""AuthConfig: every option, its default and its validation; and ``from_env()``, the
same options read from the environment.

One configuration serves both adapters. Everything that can be wrong is checked here,
when the middleware is built, with a message naming what to set: never at the first
request.
"""

from __future__ import annotations

import inspect
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from .._base.errors import ConfigurationError
from .._keys.cookies import CookieOptions
from .._rules.access import AccessRule
from .._rules.paths import mount_prefix
from .._rules.rules import RuleSpec, compile_rules
from .._sessions.cache import DEFAULT_CACHE_SIZE, DEFAULT_CACHE_TTL, MAX_CACHE_TTL
from .._sessions.store import CookieSessionStore, MemorySessionStore, SessionStore
from ..providers._authkit import AuthKitProvider
from ..providers._base import Provider
from ..providers._presets import GitHubProvider, GoogleProvider
from ..providers._workos import DEFAULT_BASE_URL, WorkOSProvider
from .secrets import checked_secrets

__all__ = ["PAGE_KEYS", "AuthConfig", "CookieOptions"]

PAGE_KEYS = frozenset({"signIn", "signOut", "error"})
# NextAuth's other pages need features this middleware does not have (yet): refusing
# them says so, where accepting them would silently do nothing.
UNSUPPORTED_PAGES = {
    "newUser": "there is no first-sign-in event to send new users to it",
    "verifyRequest": "there is no email (magic link) sign-in whose check-your-inbox page it is",
}
CALLBACK_NAMES = frozenset({"sign_in", "redirect", "session", "jwt"})
EVENT_NAMES = frozenset({"sign_in", "sign_out"})
# NextAuth's spellings, accepted for people who bring their configuration over.
_CAMEL_CASE = {"signIn": "sign_in", "signOut": "sign_out"}

DEFAULT_BASE_PATH = "/api/auth"
DAY = 24 * 60 * 60


def _normalise_names(
    given: Mapping[str, Callable[..., Any]] | None, allowed: frozenset[str], what: str
) -> dict[str, Callable[..., Any]]:
    result: dict[str, Callable[..., Any]] = {}
    for key, function in (given or {}).items():
        name = _CAMEL_CASE.get(key, key)
        if name not in allowed:
            raise ConfigurationError(
                f"unknown {what} {key!r}: use one of {', '.join(sorted(allowed))}"
            )
        if not callable(function):
            raise ConfigurationError(f"{what} {key!r} must be callable")
        result[name] = function
    return result


class AuthConfig:
    """The middleware's settings. Keyword arguments only; see docs/configuration.md."""

    def __init__(
        self,
        *,
        providers: Sequence[Provider] | None = None,
        secret: str | Sequence[str] | None = None,
        url: str | None = None,
        base_path: str | None = None,
        pages: Mapping[str, str] | None = None,
        callbacks: Mapping[str, Callable[..., Any]] | None = None,
        events: Mapping[str, Callable[..., Any]] | None = None,
        session_max_age: int = 30 * DAY,
        session_update_age: int = DAY,
        cookies: CookieOptions | None = None,
        templates_dir: str | os.PathLike[str] | None = None,
        http_timeout: float = 10.0,
        clock: Callable[[], float] = time.time,
        protect: Sequence[RuleSpec] = (),
        public: Sequence[RuleSpec] = (),
        protect_all: bool = False,
        api_prefixes: Sequence[RuleSpec] = (),
        allow: AccessRule | None = None,
        case_sensitive: bool = True,
        identity_headers: bool = False,
        session_store: SessionStore | None = None,
        session_cache_ttl: float = DEFAULT_CACHE_TTL,
        session_cache_size: int = DEFAULT_CACHE_SIZE,
        audit_emails: bool = False,
        webhook_secret: str | None = None,
        webhook_tolerance: float = 180.0,
        admin_portal: AccessRule | None = None,
        admin_portal_return_path: str = "/",
    ) -> None:
        self.providers: dict[str, Provider] = {}
        for provider in providers or ():
            if not isinstance(provider, Provider):
                raise ConfigurationError(f"{provider!r} is not a provider")
            if provider.id in self.providers:
                raise ConfigurationError(f"two providers share the id {provider.id!r}")
            self.providers[provider.id] = provider
        if not self.providers:
            raise ConfigurationError("no provider configured: pass providers=[WorkOSProvider(...)]")

        self.secrets: tuple[str, ...] = checked_secrets(secret)

        parts = urlsplit(url or "")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigurationError(
                f"AUTH_URL must be the app's public http(s) URL, like https://app.example.com;"
                f" got {url!r}"
            )
        if parts.query or parts.fragment or parts.username or parts.password:
            raise ConfigurationError(
                "AUTH_URL must have no query, fragment or user info: " + repr(url)
            )
        try:
            parts.port  # noqa: B018  (raises on a malformed port)
        except ValueError as exc:
            raise ConfigurationError(f"AUTH_URL has an invalid port: {url!r}") from exc
        self.origin = f"{parts.scheme}://{parts.netloc.lower()}"
        chosen = base_path if base_path is not None else DEFAULT_BASE_PATH
        if not chosen.startswith("/") or chosen.rstrip("/") == "" or "//" in chosen:
            raise ConfigurationError(f"base_path must look like /api/auth, got {chosen!r}")
        self.base_path = chosen.rstrip("/")
        self.url_prefix = mount_prefix(url or "", parts.path, self.base_path, base_path)
        self.secure = parts.scheme == "https"

        self.pages = dict(pages or {})
        for key in sorted(set(self.pages) & set(UNSUPPORTED_PAGES)):
            raise ConfigurationError(
                f"pages[{key!r}] is not supported: {UNSUPPORTED_PAGES[key]}; remove it "
                f"(supported: {', '.join(sorted(PAGE_KEYS))})"
            )
        unknown = set(self.pages) - PAGE_KEYS
        if unknown:
            raise ConfigurationError(
                f"unknown pages key(s) {', '.join(sorted(unknown))}: "
                f"use {', '.join(sorted(PAGE_KEYS))}"
            )
        for key, page in self.pages.items():
            if not isinstance(page, str) or not page.startswith("/") or page.startswith("//"):
                raise ConfigurationError(
                    f"pages[{key!r}] must be a path on this app, like /auth/signin"
                )

        self.callbacks = _normalise_names(callbacks, CALLBACK_NAMES, "callback")
        self.events = _normalise_names(events, EVENT_NAMES, "event")
        if session_max_age <= 0 or session_update_age < 0:
            raise ConfigurationError("session_max_age must be > 0, session_update_age >= 0")
        self.session_max_age = session_max_age
        self.session_update_age = session_update_age
        if session_store is not None and not isinstance(session_store, SessionStore):
            raise ConfigurationError(
                f"session_store must be a SessionStore (CookieSessionStore, RedisSessionStore "
                f"or MemorySessionStore), not {type(session_store).__name__}"
            )
        # Where sessions live: signed cookies unless a server-side store is given.
        self.session_store: SessionStore = (
            CookieSessionStore() if session_store is None else session_store
        )
        # A server-side store's reads are reused this long in each process
        # (:mod:`.._sessions.cache`): the bound on seeing another host's sign-out.
        if (
            isinstance(session_cache_ttl, bool)
            or not isinstance(session_cache_ttl, (int, float))
            or not 0 <= session_cache_ttl <= MAX_CACHE_TTL
        ):
            raise ConfigurationError(
                f"session_cache_ttl (AUTH_SESSION_CACHE_TTL) must be a number of seconds "
                f"from 0 (no cache) to {MAX_CACHE_TTL:g}, got {session_cache_ttl!r}"
            )
        if (
            isinstance(session_cache_size, bool)
            or not isinstance(session_cache_size, int)
            or session_cache_size < 1
        ):
            raise ConfigurationError(
                f"session_cache_size must be a positive whole number of sessions, "
                f"got {session_cache_size!r}"
            )
        self.session_cache_ttl = float(session_cache_ttl)
        self.session_cache_size = session_cache_size
        self.cookies = cookies or CookieOptions()
        self.templates_dir = os.fspath(templates_dir) if templates_dir is not None else None
        if self.templates_dir is not None and not os.path.isdir(self.templates_dir):
            raise ConfigurationError(f"templates_dir {self.templates_dir!r} is not a folder")
        self.http_timeout = http_timeout
        self.audit_emails = bool(audit_emails)  # else the audit trail masks emails
        if not callable(clock):
            raise ConfigurationError("clock must be a function returning the time in seconds")
        # The time source for signing and expiry (tests pass a fake one).
        self.clock = clock
        self._set_protection(
            protect, public, protect_all, api_prefixes, allow, case_sensitive, identity_headers
        )
        self._set_lifecycle(
            webhook_secret, webhook_tolerance, admin_portal, admin_portal_return_path
        )

    def _set_lifecycle(
        self,
        webhook_secret: str | None,
        webhook_tolerance: float,
        admin_portal: AccessRule | None,
        admin_portal_return_path: str,
    ) -> None:
        """The directory's events and the Admin Portal (see docs/lifecycle.md)."""
        if webhook_secret is not None and (
            not isinstance(webhook_secret, str) or not webhook_secret
        ):
            raise ConfigurationError(
                "WORKOS_WEBHOOK_SECRET (webhook_secret) must be the endpoint's secret from the "
                "WorkOS dashboard, or unset"
            )
        if webhook_secret and not self.session_store.server_side:
            raise ConfigurationError(
                "WORKOS_WEBHOOK_SECRET is set but sessions are signed cookies, which nothing "
                "on the server can end: add a server-side session store, RedisSessionStore "
                "(AUTH_REDIS_URL=redis://...) or, for one process, MemorySessionStore "
                "(AUTH_SESSION_STORE=memory)"
            )
        self.webhook_secret = webhook_secret or None
        if (
            isinstance(webhook_tolerance, bool)
            or not isinstance(webhook_tolerance, (int, float))
            or not 0 < webhook_tolerance <= 3600
        ):
            raise ConfigurationError(
                "webhook_tolerance must be a number of seconds between 0 and 3600 (default 180)"
            )
        self.webhook_tolerance = float(webhook_tolerance)
        if admin_portal is not None and not isinstance(admin_portal, AccessRule):
            raise ConfigurationError(
                "admin_portal must be an AccessRule naming who may open the Admin Portal, "
                "like AccessRule(roles=['admin'])"
            )
        # None: the Admin Portal route refuses everyone (nobody is an admin by default).
        self.admin_portal = admin_portal
        path = admin_portal_return_path
        if not isinstance(path, str) or not path.startswith("/") or path.startswith("//"):
            raise ConfigurationError(
                "admin_portal_return_path must be a path on this app, like /settings"
            )
        self.admin_portal_return_path = path

    def _set_protection(
        self,
        protect: Sequence[RuleSpec],
        public: Sequence[RuleSpec],
        protect_all: bool,
        api_prefixes: Sequence[RuleSpec],
        allow: AccessRule | None,
        case_sensitive: bool,
        identity_headers: bool,
    ) -> None:
        """Protection rules, compiled once (see docs/protection.md)."""
        if allow is not None and not isinstance(allow, AccessRule):
            raise ConfigurationError("allow must be an AccessRule(domains=..., roles=...)")
        self.allow = allow
        self.case_sensitive = bool(case_sensitive)
        self.identity_headers = bool(identity_headers)
        self.protection, self.api_prefixes = compile_rules(
            protect=protect,
            public=public,
            protect_all=bool(protect_all),
            api_prefixes=api_prefixes,
            pages=self.pages.values(),
            case_sensitive=self.case_sensitive,
        )

    def async_functions(self) -> list[str]:
        """Names of the callbacks and events that are ``async`` (refused under WSGI)."""
        functions: Iterable[tuple[str, Callable[..., Any]]] = [
            *self.callbacks.items(),
            *((f"event {k}", v) for k, v in self.events.items()),
        ]
        return [name for name, function in functions if inspect.iscoroutinefunction(function)]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **options: Any) -> AuthConfig:
        """A configuration from ``WORKOS_CLIENT_ID``, ``WORKOS_API_KEY``,
        ``WORKOS_BASE_URL``, ``AUTH_SECRET`` (or ``NEXTAUTH_SECRET``) and ``AUTH_URL``
        (or ``NEXTAUTH_URL``). ``GITHUB_CLIENT_ID``/``GITHUB_CLIENT_SECRET`` and
        ``GOOGLE_CLIENT_ID``/``GOOGLE_CLIENT_SECRET`` add those providers (then WorkOS
        is optional; ``GITHUB_BASE_URL``, ``GITHUB_API_URL`` and ``GOOGLE_ISSUER`` point
        them elsewhere); ``WORKOS_AUTHKIT=true`` adds AuthKit with the WorkOS
        credentials. Keyword ``options`` are passed on and win over the environment;
        ``workos={...}``, ``authkit={...}``, ``github={...}``, ``google={...}`` add
        provider options. The
        session store comes from ``AUTH_SESSION_STORE`` and ``AUTH_REDIS_URL`` (see
        :func:`~._env.session_store_from_env`)."""
        env = os.environ if environ is None else environ
        return cls(**options_from_env(env, options))


# -- from_env(): the environment's reading -------------------------------------------
# Which variables make which providers, the secret list, the app's URL and the session
# store. Keyword options passed to ``from_env`` win over the environment; half a
# credential pair is an error.


def options_from_env(env: Mapping[str, str], options: dict[str, Any]) -> dict[str, Any]:
    """``options`` completed from ``env``: what ``AuthConfig(**...)`` is built from."""
    options = dict(options)
    if "session_store" not in options:
        options["session_store"] = session_store_from_env(env)
    if "session_cache_ttl" not in options and env.get("AUTH_SESSION_CACHE_TTL", "").strip():
        raw = env["AUTH_SESSION_CACHE_TTL"].strip()
        try:
            options["session_cache_ttl"] = float(raw)
        except ValueError:
            raise ConfigurationError(
                f"AUTH_SESSION_CACHE_TTL must be a number of seconds (0 turns the cache "
                f"off), got {raw!r}"
            ) from None
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
