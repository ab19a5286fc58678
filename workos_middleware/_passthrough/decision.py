"""The passthrough decision: what happens to a request for the wrapped app, made once.

Every entry point asks this module and only applies the answer: the ASGI adapter, the
WSGI adapter, the Django middleware (sync and async), and the forward-auth endpoint
(:mod:`.forward`), which asks about the original request its proxy names. The order is
written here and nowhere else:

1. the method is upper-cased, then the path is checked against the rules: a path that
   cannot be read safely is refused (``400``);
2. the session is identified (no I/O at all without a session cookie; the store's read,
   the provider's renewal and the ``session`` callback as effects); a session store that
   is down refuses the request (``503``);
3. a protected path is guarded: signed out, the guarded miss (``302`` to sign in or
   ``401``); refused by an ``allow`` rule, ``403``. A CORS preflight is no exception: it
   carries no cookie, so on a protected path it is answered ``401`` by the middleware
   and never reaches the app (see ``docs/protection.md``);
4. admitted: who the request is from (with the cookies its response must set), and
   the identity-header edit: every incoming ``X-Auth-Request-*``
   header is removed, by any spelling, and the user's are added when configured.

:func:`decide` returns a :class:`Refusal` or an :class:`Admission` at once when no I/O
is needed, else a flow of effects that ends with one, for the adapter's driver.

What differs between the app's entry points and forward-auth is said by parameters of
the one decision, never by a second copy of it: ``protected`` (the subrequest is
guarded even on a path no rule names: the proxy decided by asking), ``rules=False``
(the proxy named no original request: only the global ``allow`` applies),
``with_identity`` (the identity headers on every admission: they are forward-auth's
answer) and ``respond`` (how a refusal is answered: the app's guarded miss, or the
proxy's ``401``/``403``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final, Literal

from .._base.effects import Flow
from .._base.messages import AuthRequest, AuthResponse
from .._rules.rules import BAD_PATH, Protected
from .._sessions.identity import ANONYMOUS, Identity
from .._sessions.store import StoreUnavailable
from .protect import access_denial, bad_path, challenge

if TYPE_CHECKING:
    from .._config.core import AuthCore

__all__ = [
    "IDENTITY_ENVIRON_PREFIX",
    "IDENTITY_HEADER_PREFIXES",
    "Admission",
    "Decision",
    "Reason",
    "Refusal",
    "Respond",
    "app_refusal",
    "decide",
    "identity_environ_keys",
    "identity_headers",
    "is_identity_environ_key",
]

logger = logging.getLogger("workos_middleware")

Reason = Literal["bad_path", "store_unavailable", "signed_out", "forbidden"]
# Builds the core's request value from the adapter's native request and the route path.
RequestOf = Callable[[Any, str], AuthRequest]
# The response of a refusal: (core, why, the request's value, built on demand).
Respond = Callable[["AuthCore", Reason, Callable[[], AuthRequest]], AuthResponse]

# Incoming identity headers, by every spelling that reaches an app as the same header:
# ASGI header names (servers lower-case them; a bridge maps "_" and "-" alike) and the
# WSGI/Django environ key.
IDENTITY_HEADER_PREFIXES: Final = (b"x-auth-request-", b"x_auth_request_")
IDENTITY_ENVIRON_PREFIX: Final = "HTTP_X_AUTH_REQUEST_"
_UNSAFE_VALUE = re.compile(r"[^\x20-\x7e]")


def _clean(value: object) -> str:
    return _UNSAFE_VALUE.sub("", value)[:1024] if isinstance(value, str) else ""


def identity_headers(token: Mapping[str, object]) -> list[tuple[str, str]]:
    """The user's identity headers: ``X-Auth-Request-User`` (the user id), ``-Email`` and
    ``-Groups`` (comma-joined), printable ASCII only."""
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


def is_identity_environ_key(key: str) -> bool:
    """An environ (or Django ``META``) key that an app reads as an ``X-Auth-Request-*``
    header, however the server spelled it."""
    return key[:20].upper().replace("-", "_") == IDENTITY_ENVIRON_PREFIX


def identity_environ_keys(environ: Mapping[str, object]) -> list[str]:
    """The keys of the incoming ``X-Auth-Request-*`` headers of an environ (or Django's
    ``META``), to be removed. One search of the joined keys first: most requests have
    none, and that costs a fraction of a loop over the keys."""
    joined = "\0".join(environ).upper()
    if "AUTH_REQUEST_" not in joined and "AUTH-REQUEST-" not in joined:
        return []
    return [key for key in environ if is_identity_environ_key(key)]


class Refusal:
    """The response to send instead of calling the app, and why."""

    __slots__ = ("reason", "response")

    def __init__(self, reason: Reason, response: AuthResponse) -> None:
        self.reason = reason
        self.response = response


class Admission:
    """The request goes on: who it is from (``identity``, whose ``set_cookies`` its
    response must carry) and the identity-header edit: ``headers`` is ``None`` when the
    request's headers stay as they are, else every incoming ``X-Auth-Request-*`` header
    is removed and ``headers`` (the user's, or none) added. Immutable: the common
    admissions are made once."""

    __slots__ = ("headers", "identity")

    def __init__(self, identity: Identity, headers: tuple[tuple[str, str], ...] | None) -> None:
        self.identity = identity
        self.headers = headers


# Anonymous, headers untouched / incoming identity headers removed: most requests.
_ANONYMOUS: Final = Admission(ANONYMOUS, None)
_ANONYMOUS_STRIPPED: Final = Admission(ANONYMOUS, ())

Decision = Refusal | Admission


def app_refusal(core: AuthCore, reason: Reason, request: Callable[[], AuthRequest]) -> AuthResponse:
    """The response of a refusal to a request for the app: the guarded miss
    (:func:`.protect.challenge`), the ``400`` of an unreadable path, the ``503`` of a
    store that is down (a page or JSON, as the request asks)."""
    if reason == "store_unavailable":
        as_json = "text/html" not in request().headers.get("accept", "")
        response = core.responses.store_unavailable(as_json)
        response.headers.append(("cache-control", "no-store"))
        return response
    if reason == "bad_path":
        return bad_path()
    return challenge(core, request(), forbidden=reason == "forbidden")


def decide(
    core: AuthCore,
    method: str,
    path: str,
    cookie_header: str,
    spoofed: bool,
    request_of: RequestOf,
    native: Any,
    refresh: bool = True,
    # Positional with defaults, not keyword-only: a missing keyword-only argument costs a
    # dict lookup per call, and this is every request's path.
    protected: Protected | None = None,
    rules: bool = True,
    with_identity: bool = False,
    respond: Respond = app_refusal,
) -> Decision | Flow[Decision]:
    """The decision for a request to the app (from forward-auth: for the original
    request the proxy asks about).

    ``path`` is the route path (``core`` is the core of the request's mount prefix),
    ``spoofed`` whether any ``X-Auth-Request-*`` header came in, and
    ``request_of(native, path)`` builds the core's request value from the adapter's own
    (``native``: a scope, an environ, a Django request), called only to write a refusal
    (the guarded miss reads ``Accept``, ``Sec-Fetch-Mode`` and the query).
    ``refresh=False`` for a websocket handshake, which cannot set cookies.

    The forward-auth endpoint's differences: ``protected``, the protection of a request
    no rule protects (``Protected()``: a session and the global ``allow``); a matching
    rule's ``allow`` rules still apply on top. ``rules=False``: no rule is matched (no
    original request is known). ``with_identity``: the user's identity headers on every
    admission, whatever ``identity_headers`` says. ``respond``: the response of a
    refusal (:func:`app_refusal` for the app).
    """
    found = protected
    protection = core.config.protection
    if protection is not None and rules:
        checked = protection.check(method.upper(), path)
        if checked is BAD_PATH:
            asking = _Asking(core, spoofed, request_of, native, path, with_identity, respond)
            return asking.refusal("bad_path", None)
        if checked is not None:
            found = checked  # type: ignore[assignment]
    elif found is None and not cookie_header:
        # Most requests: no rules, no cookie at all. Nothing to read, nothing to make.
        return _ANONYMOUS_STRIPPED if spoofed else _ANONYMOUS
    identity = core.sessions.of_request(cookie_header, refresh=refresh)
    if found is None and isinstance(identity, Identity):
        # Most requests: nothing to guard, no I/O. Without a session cookie this is all.
        if identity is ANONYMOUS:
            return _ANONYMOUS_STRIPPED if spoofed else _ANONYMOUS
        if spoofed or core.config.identity_headers:
            return _admit(core, identity, spoofed)
        return Admission(identity, None)  # the usual signed-in request: headers untouched
    asking = _Asking(core, spoofed, request_of, native, path, with_identity, respond)
    if isinstance(identity, Identity):
        return asking.conclude(identity, found)
    return asking.identified(identity, found)


def _admit(
    core: AuthCore, identity: Identity, spoofed: bool, with_identity: bool = False
) -> Admission:
    """The admission: who the request is from, and the identity-header edit."""
    if identity is ANONYMOUS:
        return _ANONYMOUS_STRIPPED if spoofed else _ANONYMOUS
    token = identity.token if with_identity or core.config.identity_headers else None
    if token is not None:
        return Admission(identity, tuple(identity_headers(token)))
    return Admission(identity, () if spoofed else None)


def refused_for(core: AuthCore, identity: Identity, found: Protected) -> Reason | None:
    """Why ``identity`` may not see a path guarded by ``found``, or ``None``."""
    if identity.token is None:
        return "signed_out"
    denied = access_denial((core.config.allow, *found.allows), identity.token)
    if denied is None:
        return None
    rule, criterion = denied
    logger.info("access refused for %s: %s of %r", identity.token.get("sub"), criterion, rule)
    return "forbidden"


class _Asking:
    """A request past the fast path: what the rest of the decision reads."""

    __slots__ = ("core", "native", "path", "request_of", "respond", "spoofed", "with_identity")

    def __init__(
        self,
        core: AuthCore,
        spoofed: bool,
        request_of: RequestOf,
        native: Any,
        path: str,
        with_identity: bool,
        respond: Respond,
    ) -> None:
        self.core = core
        self.spoofed = spoofed
        self.request_of = request_of
        self.native = native
        self.path = path
        self.with_identity = with_identity
        self.respond = respond

    def identified(self, flow: Flow[Identity], found: Protected | None) -> Flow[Decision]:
        try:
            identity = yield from flow
        except StoreUnavailable as exc:
            # Fail closed, and say so: a page or JSON the client can retry, the cause
            # logged.
            logger.error("%s", exc)
            return self.refusal("store_unavailable", None)
        return self.conclude(identity, found)

    def conclude(self, identity: Identity, found: Protected | None) -> Decision:
        core = self.core
        if found is not None:
            reason = refused_for(core, identity, found)
            if reason is not None:
                return self.refusal(reason, identity)
        return _admit(core, identity, self.spoofed, self.with_identity)

    def refusal(self, reason: Reason, identity: Identity | None) -> Refusal:
        """The refusal, its response written by ``respond``, with the cookies the
        session's reading set (a refresh, or clearing a bad cookie)."""
        response = self.respond(self.core, reason, self.request)
        if identity is not None:
            response.set_cookies(identity.set_cookies)
        return Refusal(reason, response)

    def request(self) -> AuthRequest:
        return self.request_of(self.native, self.path)
