"""Identity as headers: the forward-auth endpoint for proxies, and opt-in request headers.

``GET {base_path}/forward-auth`` answers a proxy's subrequest (nginx ``auth_request``,
Traefik ``forwardAuth``, Caddy ``forward_auth``): ``200`` with the identity headers when
the session and the rules allow, ``401`` without a session, ``403`` when an ``allow``
rule refuses. The path of the original request comes from ``X-Original-URI`` (nginx)
or ``X-Forwarded-Uri`` (Traefik, Caddy); it is read here and only here, and only to add
the ``allow`` of the ``protect`` rules matching it. It never makes anything public: the
proxy decided the location is protected by sending the subrequest at all. The proxy
must set that header itself (overwriting what the client sent), as the documented
configurations do.

The same headers can be added to requests passed to the wrapped app
(``identity_headers=True``); whatever the setting, incoming headers of these names are
removed first, so a client can never present them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import unquote

from ._messages import AuthResponse
from ._protect import access_denial
from ._rules import BAD_PATH, Guard

if TYPE_CHECKING:
    from ._core import AuthCore
    from ._identity import Identity

__all__ = ["IDENTITY_HEADERS", "forward_auth_response", "identity_headers"]

IDENTITY_HEADERS: Final = ("x-auth-request-user", "x-auth-request-email", "x-auth-request-groups")
# The WSGI environ keys of the same headers.
IDENTITY_ENVIRON_KEYS: Final = tuple(
    "HTTP_" + name.upper().replace("-", "_") for name in IDENTITY_HEADERS
)
_UNSAFE_VALUE = re.compile(r"[^\x20-\x7e]")


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


def original_path(headers: Mapping[str, str]) -> str | None:
    """The path part of the URI the proxy says it is authorising."""
    uri = headers.get("x-original-uri") or headers.get("x-forwarded-uri")
    if not uri:
        return None
    return unquote(uri.partition("?")[0].partition("#")[0], errors="replace")


def forward_auth_response(
    core: AuthCore, headers: Mapping[str, str], identity: Identity
) -> AuthResponse:
    if identity.token is None:
        response = AuthResponse.json({"error": "Unauthorized"}, 401)
    else:
        found: Any = None
        path = original_path(headers)
        if path is not None and core.config.protection is not None:
            method = headers.get("x-forwarded-method", "GET").upper()[:16]
            found = core.config.protection.check(method, path)
        if found is BAD_PATH:
            response = AuthResponse.json({"error": "Bad request"}, 400)
        else:
            extra = found.allows if isinstance(found, Guard) else ()
            if access_denial((core.config.allow, *extra), identity.token) is not None:
                response = AuthResponse.json({"error": "Forbidden"}, 403)
            else:
                response = AuthResponse.json({"ok": True}, 200)
                response.headers.extend(identity_headers(identity.token))
    return response.set_cookies(identity.set_cookies)
