"""What a sign-in page needs, built-in or the app's own, and how a provider is described."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._core import AuthCore
from ._errors import signin_error_message
from .providers._base import Provider

__all__ = ["describe_provider", "signin_context"]


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
