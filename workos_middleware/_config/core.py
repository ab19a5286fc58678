"""AuthCore: the configuration turned into working parts, and nothing else.

The core is framework-free: the route handlers (:mod:`._routes`) take
:class:`~._messages.AuthRequest` values and return responses or flows (see
:mod:`._effects`); they never touch a socket, an event loop, an ASGI scope or a WSGI
environ. :class:`AuthCore` is what they share: a frozen container of parts built once
from an :class:`~._config.AuthConfig`. Each part lives with its concern (the sessions in
:mod:`.._sessions.sessions`, CSRF in :mod:`.._keys.csrf`, the callbackUrl in
:mod:`.._keys.redirects`, the response helpers in :mod:`.._pages.responses`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

from .._keys.cookies import CookieJar
from .._keys.csrf import CsrfTokens
from .._keys.redirects import CallbackUrls
from .._keys.signing import Clock, KeyRing
from .._keys.state import UsedStates
from .._pages.render import PageRenderer
from .._pages.responses import Responses
from .._sessions.cache import CachedSessionStore
from .._sessions.provider_tokens import ProviderTokens
from .._sessions.sessions import Sessions
from .._sessions.store import ServerSessionStore, SessionKeys, SessionStore
from .config import AuthConfig

__all__ = ["AuthCore"]

# Mount prefixes come from the server or the router, so there are few; a cap keeps a
# router that mounts on a path parameter from growing the cache without end (past it,
# a variant is built per request: two small objects).
_MAX_MOUNTS = 32


@dataclass(frozen=True)
class AuthCore:
    """The configured parts of one middleware."""

    config: AuthConfig
    clock: Clock
    keys: KeyRing
    jar: CookieJar
    sessions: Sessions
    csrf: CsrfTokens
    callback_urls: CallbackUrls
    responses: Responses
    provider_tokens: ProviderTokens
    base_url: str  # the app's public URL: origin + mount prefix, like https://host/keep
    auth_url: str  # base_url + base_path
    base_path: str  # like /api/auth, relative to the app
    mount: str = ""  # the prefix the URLs above carry, like /keep
    _mounted: dict[str, AuthCore] = field(default_factory=dict, compare=False, repr=False)
    # Hosts already warned about (to_auth_url_host), once each.
    warned_hosts: set[tuple[str, str]] = field(default_factory=set, compare=False, repr=False)

    @classmethod
    def build(cls, config: AuthConfig, mount: str | None = None) -> AuthCore:
        """The parts for ``config``; ``mount`` overrides the prefix of ``AUTH_URL``."""
        keys = KeyRing(config.secrets, config.clock)
        jar = CookieJar(config.cookies, https=config.secure)
        mount = config.url_prefix if mount is None else mount
        app_url = config.origin + mount
        auth_url = app_url + config.base_path
        provider_tokens = ProviderTokens(config.providers, config.secrets, config.clock)
        store: SessionStore = config.session_store
        if isinstance(store, ServerSessionStore) and config.session_cache_ttl > 0:
            store = CachedSessionStore(
                store,
                ttl=config.session_cache_ttl,
                size=config.session_cache_size,
                clock=config.clock,
                # An injected clock (tests) also times the bound; else monotonic.
                monotonic=time.monotonic if config.clock is time.time else config.clock,
            )
        session_keys = SessionKeys(
            keys,
            max_age=config.session_max_age,
            update_age=config.session_update_age,
            used_states=UsedStates(),
        )
        return cls(
            config=config,
            clock=config.clock,
            keys=keys,
            jar=jar,
            sessions=Sessions(
                store,
                session_keys,
                jar,
                callback=config.callbacks.get("session"),
                renew=provider_tokens.renew,
                may_renew=provider_tokens.may_renew,
            ),
            csrf=CsrfTokens(keys, jar, config.origin),
            callback_urls=CallbackUrls(keys, jar, app_url, config.callbacks.get("redirect")),
            responses=Responses(
                PageRenderer(config.templates_dir),
                base_url=app_url,
                auth_url=auth_url,
                app_pages=config.pages,
            ),
            provider_tokens=provider_tokens,
            base_url=app_url,
            auth_url=auth_url,
            base_path=config.base_path,
            mount=mount,
        )

    def mounted(self, root_path: str) -> AuthCore:
        """The core whose URLs carry ``root_path`` (ASGI ``root_path``, WSGI
        ``SCRIPT_NAME``): the server's word on where the app is mounted wins over the
        prefix in ``AUTH_URL``. Only the URL-bearing parts differ; the keys, cookies,
        session codec and page renderer are shared. Kept for a few distinct prefixes."""
        root_path = root_path.rstrip("/")
        if not root_path or root_path == self.mount:
            return self
        found = self._mounted.get(root_path)
        if found is None:
            app_url = self.config.origin + root_path
            auth_url = app_url + self.base_path
            found = replace(
                self,
                callback_urls=CallbackUrls(
                    self.keys, self.jar, app_url, self.config.callbacks.get("redirect")
                ),
                responses=Responses(
                    self.responses.renderer,
                    base_url=app_url,
                    auth_url=auth_url,
                    app_pages=self.config.pages,
                ),
                base_url=app_url,
                auth_url=auth_url,
                mount=root_path,
                _mounted={},
            )
            if len(self._mounted) < _MAX_MOUNTS:
                self._mounted[root_path] = found
        return found

    @property
    def server_store(self) -> ServerSessionStore | None:
        """The server-side store (behind its local cache), for what only one can do:
        directory events, the Events API cursor. ``None`` with signed-cookie sessions."""
        store = self.sessions.store
        return store if isinstance(store, ServerSessionStore) else None

    def is_auth_path(self, path: str) -> bool:
        """Whether ``path`` is the middleware's to answer (under the base path)."""
        return path == self.base_path or path.startswith(self.base_path + "/")
