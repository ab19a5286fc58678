"""Identity as headers: the forward-auth endpoint for proxies, and opt-in request headers.

``{base_path}/forward-auth`` (any method) answers a proxy's subrequest (nginx
``auth_request``, Caddy, Traefik): ``200`` with the identity headers when the session and
the rules allow, ``401`` without a session, ``403`` when an ``allow`` rule refuses or the
proxy's headers cannot be trusted. With ``?redirect=1`` (for proxies that pass the
answer to the browser: Caddy, Traefik) a browser without a session gets the ``302`` to
the sign-in page instead of the ``401``, and a refused one the "Access denied" page.

The header contract (docs/deploy.md): the original request is read from headers the
documented proxy configurations always set, overwriting whatever the client sent:
``X-Original-URI`` (nginx) or ``X-Forwarded-Uri`` (nginx, Caddy, Traefik) for the URI,
``X-Forwarded-Method`` for the method. Both URI headers present and disagreeing, a URI
without a method, or a value no proxy writes is refused (``403``: nginx reads any other
answer as its own error). They are read here and only here, and only to add the
``allow`` of the ``protect`` rules matching the original request (and to send a browser
back to it after sign-in). They never make anything public: the proxy decided the
location is protected by sending the subrequest at all.

The same headers can be added to requests passed to the wrapped app
(``identity_headers=True``); whatever the setting, incoming headers of these names are
removed first, so a client can never present them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final
from urllib.parse import unquote

from .._base.messages import AuthRequest, AuthResponse
from .._rules.rules import BAD_PATH, Protected
from .protect import access_denial, challenge

if TYPE_CHECKING:
    from .._config.core import AuthCore
    from .._sessions.identity import Identity

__all__ = ["forward_auth_response", "identity_headers"]

logger = logging.getLogger("workos_middleware")

# The headers of the original request, in the order they are looked at.
URI_HEADERS: Final = ("x-original-uri", "x-forwarded-uri")
METHOD_HEADER: Final = "x-forwarded-method"
_UNSAFE_VALUE = re.compile(r"[^\x20-\x7e]")
# What a proxy writes: a request target (origin form, no spaces: two headers joined by
# the server would have one) and a method token.
_URI = re.compile(r"/[\x21-\x7e]{0,8191}")
_METHOD = re.compile(r"[A-Z]{1,16}")


def _clean(value: object) -> str:
    return _UNSAFE_VALUE.sub("", value)[:1024] if isinstance(value, str) else ""


def identity_headers(token: Mapping[str, object]) -> list[tuple[str, str]]:
    """``X-Auth-Request-User`` (the user id), ``-Email`` and ``-Groups`` (comma-joined),
    printable ASCII only."""
    groups = token.get("groups")
    joined = (
        ",".join(_clean(g) for g in groups if isinstance(g, str))
        if isinstance(groups, (list, tuple))
        else ""
    )
    return [
        ("x-auth-request-user", _clean(token.get("sub"))),
        ("x-auth-request-email", _clean(token.get("email"))),
        ("x-auth-request-groups", joined),
    ]


@dataclass(frozen=True)
class Original:
    """The request the proxy is asking about: its method and target (path and query)."""

    method: str
    target: str

    def as_request(self, headers: Mapping[str, str]) -> AuthRequest:
        """The original request as the core's guard sees it (the client's own headers,
        such as ``Accept``, come along in the subrequest)."""
        path, _, query = self.target.partition("#")[0].partition("?")
        return AuthRequest(self.method, unquote(path, errors="replace"), query, headers)


def original_request(headers: Mapping[str, str]) -> Original | str | None:
    """The original request by the header contract: ``None`` when the proxy names none,
    the reason for refusing when its headers cannot be trusted."""
    uris = {name: headers[name] for name in URI_HEADERS if name in headers}
    method = headers.get(METHOD_HEADER)
    if not uris:
        return None if method is None else "X-Forwarded-Method without X-Forwarded-Uri"
    if len(set(uris.values())) > 1:
        return "X-Original-URI and X-Forwarded-Uri disagree"
    target = next(iter(uris.values()))
    if _URI.fullmatch(target) is None:
        return "the original URI is not a request target a proxy sends"
    if method is None:
        return "X-Forwarded-Method is missing (the proxy must set it with the URI)"
    if _METHOD.fullmatch(method) is None:
        return "X-Forwarded-Method is not a method a proxy sends"
    return Original(method, target)


def _refusal(reason: str) -> AuthResponse:
    logger.warning(
        "forward-auth refused: %s; the proxy must set X-Forwarded-Method and "
        "X-Forwarded-Uri (or X-Original-URI), overwriting the client's, as the "
        "configurations in docs/deploy.md do",
        reason,
    )
    return AuthResponse.json({"error": "Forbidden", "message": f"Refused: {reason}."}, 403)


def _rules_need_original(core: AuthCore) -> bool:
    protection = core.config.protection
    return protection is not None and any(
        rule.allow is not None for rule, _ in protection.protect.special
    )


def forward_auth_response(core: AuthCore, request: AuthRequest, identity: Identity) -> AuthResponse:
    """The answer to the proxy's subrequest ``request`` for the user ``identity``."""
    original = original_request(request.headers)
    if original is None and _rules_need_original(core):
        original = "no X-Forwarded-Uri or X-Original-URI, and per-path allow rules apply"
    if isinstance(original, str):
        return _refusal(original).set_cookies(identity.set_cookies)
    seen = original.as_request(request.headers) if original is not None else None
    found = None
    if seen is not None and core.config.protection is not None:
        found = core.config.protection.check(seen.method, seen.path)
    if found is BAD_PATH:
        return _refusal("the original path cannot be read safely")
    # With ?redirect=1 (a proxy that passes the answer on), browsers get pages.
    browser = seen if request.query.get("redirect") == "1" else None
    if identity.token is None:
        if browser is not None and original is not None:
            response = challenge(core, browser, callback_url=original.target)
        else:
            response = AuthResponse.json({"error": "Unauthorized"}, 401)
    else:
        extra = found.allows if isinstance(found, Protected) else ()
        if access_denial((core.config.allow, *extra), identity.token) is None:
            response = AuthResponse.json({"ok": True}, 200)
            response.headers.extend(identity_headers(identity.token))
        elif browser is not None:
            response = challenge(core, browser, forbidden=True)
        else:
            response = AuthResponse.json({"error": "Forbidden"}, 403)
    return response.set_cookies(identity.set_cookies)
