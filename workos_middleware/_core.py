"""AuthCore: the configuration turned into working parts, and nothing else.

The core is framework-free: the route handlers (:mod:`._routes`) take
:class:`~._messages.AuthRequest` values and return responses or flows (see
:mod:`._effects`); they never touch a socket, an event loop, an ASGI scope or a WSGI
environ. :class:`AuthCore` is what they share: a frozen container of parts built once
from an :class:`~._config.AuthConfig`. Each part lives with its concern (the session in
:mod:`._session`, CSRF in :mod:`._csrf`, the callbackUrl in :mod:`._redirects`, the
response helpers in :mod:`._responses`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ._config import AuthConfig
from ._cookies import CookieJar
from ._csrf import CsrfGuard
from ._pages import PageRenderer
from ._provider_sessions import ProviderSessions
from ._redirects import CallbackUrls
from ._responses import Responses
from ._session import SessionCodec
from ._signing import Clock, KeyRing

__all__ = ["AuthCore"]


@dataclass(frozen=True)
class AuthCore:
    """The configured parts of one middleware."""

    config: AuthConfig
    clock: Clock
    keys: KeyRing
    jar: CookieJar
    sessions: SessionCodec
    csrf: CsrfGuard
    callback_urls: CallbackUrls
    responses: Responses
    provider_sessions: ProviderSessions
    base_url: str  # the app's origin, like https://app.example.com
    auth_url: str  # base_url + base_path
    base_path: str  # like /api/auth

    @classmethod
    def build(cls, config: AuthConfig) -> AuthCore:
        keys = KeyRing(config.secrets, config.clock)
        jar = CookieJar(config.cookies, https=config.secure)
        auth_url = config.origin + config.base_path
        provider_sessions = ProviderSessions(config.providers, config.secrets, config.clock)
        return cls(
            config=config,
            clock=config.clock,
            keys=keys,
            jar=jar,
            sessions=SessionCodec(
                keys,
                jar,
                max_age=config.session_max_age,
                update_age=config.session_update_age,
                callback=config.callbacks.get("session"),
                renew=provider_sessions.renew,
            ),
            csrf=CsrfGuard(keys, jar, config.origin),
            callback_urls=CallbackUrls(keys, jar, config.origin, config.callbacks.get("redirect")),
            responses=Responses(
                PageRenderer(config.templates_dir),
                base_url=config.origin,
                auth_url=auth_url,
                app_pages=config.pages,
            ),
            provider_sessions=provider_sessions,
            base_url=config.origin,
            auth_url=auth_url,
            base_path=config.base_path,
        )

    def is_auth_path(self, path: str) -> bool:
        """Whether ``path`` is the middleware's to answer (under the base path)."""
        return path == self.base_path or path.startswith(self.base_path + "/")
