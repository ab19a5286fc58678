"""What a sign-in page needs, built-in or the app's own, and how a provider is described."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from .._base.errors import signin_error_message
from .._base.messages import AuthRequest, AuthResponse
from .._config.core import AuthCore
from ..providers._base import Provider

__all__ = ["describe_provider", "signin_context", "to_auth_url_host"]

logger = logging.getLogger("workos_middleware")

# The marker of a redirect made by to_auth_url_host, so it is made once, never in a loop.
HOST_REDIRECT = "hostRedirect"


def _host_of(value: str, scheme: str) -> str:
    """``host[:port]`` lower-cased, without the scheme's default port."""
    value = value.strip().lower()
    default = ":443" if scheme == "https" else ":80"
    return value[: -len(default)] if value.endswith(default) else value


def to_auth_url_host(core: AuthCore, request: AuthRequest) -> AuthResponse | None:
    """A redirect to the sign-in page on ``AUTH_URL``'s host when the browser came on
    another one (``127.0.0.1`` for ``localhost``): there the CSRF cookie would be set
    for the wrong host and the form would fail. Logged once per host, at WARNING.

    A proxy that rewrites ``Host`` makes every request look like this; the redirect
    carries a marker so it happens once, and the page is then served as usual (with a
    warning saying the proxy should pass the original ``Host``)."""
    scheme, _, expected = core.config.origin.partition("://")
    given = request.headers.get("host")
    if not given or _host_of(given, scheme) == _host_of(expected, scheme):
        return None
    looped = request.query.get(HOST_REDIRECT) == "1"
    key = (given[:100], "proxy" if looped else "browser")
    if key not in core.warned_hosts and len(core.warned_hosts) < 1000:
        core.warned_hosts.add(key)
        if looped:
            logger.warning(
                "the sign-in page of %s arrives with Host %r: the proxy in front of the "
                "app rewrites Host (pass the original, e.g. nginx `proxy_set_header Host "
                "$host`); serving the page anyway",
                core.base_url,
                given[:100],
            )
        else:
            logger.warning(
                "the sign-in page was opened on host %r, but AUTH_URL is %s: sending the "
                "browser there (cookies are per host; open the app at AUTH_URL, or set "
                "AUTH_URL to the address you use)",
                given[:100],
                core.base_url,
            )
    if looped:
        return None
    query = [(k, v) for k, v in request.query.items() if k != HOST_REDIRECT]
    target = f"{core.auth_url}/signin?{urlencode([*query, (HOST_REDIRECT, '1')])}"
    return AuthResponse.redirect(target)


def describe_provider(provider: Provider, auth_url: str) -> dict[str, str]:
    """A provider as the sign-in page and ``GET /providers`` show it."""
    return {
        "id": provider.id,
        "name": provider.name,
        "type": provider.type,
        "style": provider.style,
        "signin_url": f"{auth_url}/signin/{provider.id}",
        "callback_url": f"{auth_url}/callback/{provider.id}",
    }


def signin_context(
    core: AuthCore, query: Mapping[str, str], cookies: Mapping[str, str]
) -> tuple[dict[str, Any], str | None]:
    """What a sign-in page needs and, when the CSRF token is new, its Set-Cookie."""
    token, set_cookie = core.csrf.token(cookies)
    error = query.get("error", "")
    names = [provider.name for provider in core.config.providers.values()]
    who = names[0] if len(names) == 1 else "The sign-in service"
    message = signin_error_message(error, who) if error else ""
    if query.get("csrf") == "true" and not message:
        message = "Your sign-in form expired. Please try again."
    context = {
        "providers": [
            describe_provider(provider, core.auth_url)
            for provider in core.config.providers.values()
        ],
        "csrf_token": token,
        "callback_url": core.callback_urls.from_query(query, cookies),
        "error": error,
        "error_message": message,
        "email": query.get("email", "")[:254],
    }
    return context, set_cookie
