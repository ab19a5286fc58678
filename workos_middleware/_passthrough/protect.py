"""The guarded miss a refused request is answered with (:func:`challenge`); the decision
to refuse is :mod:`.decision`'s.

A browser navigation without a session gets a ``302`` to the sign-in page (with
``callbackUrl`` = the path and query it asked for), anything else ``401`` JSON with
``WWW-Authenticate``; a signed-in user an ``allow`` rule refuses gets ``403`` (a page or
JSON, by the same test). Framework helpers
(:mod:`.._adapters.views`) answer through the same :func:`challenge`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from .._base.messages import AuthRequest, AuthResponse
from .._rules.access import AccessRule
from .._rules.paths import path_forms
from .._rules.rules import PathMatcher, fold_case

if TYPE_CHECKING:
    from .._config.core import AuthCore

__all__ = [
    "access_denial",
    "bad_path",
    "challenge",
    "is_navigation",
]

logger = logging.getLogger("workos_middleware")


def is_navigation(request: AuthRequest, api: PathMatcher | None) -> bool:
    """A browser loading a page (not ``fetch``/XHR, not under an API prefix)."""
    if request.method not in ("GET", "HEAD"):
        return False
    headers = request.headers
    mode = headers.get("sec-fetch-mode")
    if mode is not None and mode != "navigate":
        return False
    if headers.get("x-requested-with", "").lower() == "xmlhttprequest":
        return False
    if "text/html" not in headers.get("accept", "").lower():
        return False
    if api is not None and api:
        forms = path_forms(request.path) or ()
        if not api.case_sensitive:
            forms = tuple(fold_case(form) for form in forms)
        if any(
            api.simple_match(form) or api.matching_rules(request.method, form) for form in forms
        ):
            return False
    return True


def original_url(request: AuthRequest, mount: str) -> str:
    """The path and query the visitor asked for, as a same-origin callbackUrl."""
    path = quote(mount + (request.path or "/"), safe="/:@!$&'()*+,;=-._~%")
    return path + ("?" + request.query_string if request.query_string else "")


def challenge(
    core: AuthCore,
    request: AuthRequest,
    *,
    forbidden: bool = False,
    callback_url: str | None = None,
) -> AuthResponse:
    """What a request for a protected path gets when its user may not see it
    (``callback_url``: where sign-in returns to, when not the request's own URL)."""
    navigation = is_navigation(request, core.config.api_prefixes)
    if forbidden:
        if navigation:
            response = core.responses.page(
                "error.html",
                403,
                heading="Access denied",
                message="You do not have permission to view this page.",
                home_url=core.base_url,
            )
        else:
            response = AuthResponse.json(
                {"error": "Forbidden", "message": "You do not have permission to access this."},
                403,
            )
    elif navigation:
        if callback_url is None:
            callback_url = original_url(request, core.mount)
        location = core.responses.app_page_url("signIn", callbackUrl=callback_url) or (
            f"{core.auth_url}/signin?{urlencode({'callbackUrl': callback_url})}"
        )
        response = AuthResponse.redirect(location)
    else:
        response = AuthResponse.json(
            {"error": "Unauthorized", "message": "Sign in to access this."}, 401
        )
        response.headers.append(
            (
                "www-authenticate",
                f'Cookie realm="{core.base_url}", form-action="{core.auth_url}/signin", '
                f'cookie-name="{core.jar.names["session_token"]}"',
            )
        )
    response.headers.append(("cache-control", "no-store"))
    response.headers.append(("vary", "Cookie, Accept"))
    return response


def bad_path() -> AuthResponse:
    response = AuthResponse.json(
        {"error": "Bad request", "message": "The request path cannot be read safely."}, 400
    )
    response.headers.append(("cache-control", "no-store"))
    return response


def access_denial(
    rules: Iterable[AccessRule | None], user: Mapping[str, Any]
) -> tuple[AccessRule, str] | None:
    """The first rule ``user`` fails and the criterion it fails on, or ``None``."""
    for rule in rules:
        if rule is None:
            continue
        failed = rule.denial(user)
        if failed is not None:
            return rule, failed
    return None
