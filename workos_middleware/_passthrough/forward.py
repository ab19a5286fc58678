"""The forward-auth endpoint: a proxy's subrequest translated into the passthrough
decision (:func:`.decision.decide`) about the original request, and its outcome into
the proxy's answer.

``{base_path}/forward-auth`` (any method) answers a proxy's subrequest (nginx
``auth_request``, Caddy, Traefik): ``200`` with the identity headers when the session and
the rules allow, ``401`` without a session, ``403`` when an ``allow`` rule refuses or the
proxy's headers cannot be trusted, ``503`` when the session store is down. With
``?redirect=1`` (for proxies that pass the answer to the browser: Caddy, Traefik) a
browser without a session gets the ``302`` to the sign-in page instead of the ``401``,
and a refused one the "Access denied" page.

The header contract (docs/deploy.md): the original request is read from headers the
documented proxy configurations always set, overwriting whatever the client sent:
``X-Original-URI`` (nginx) or ``X-Forwarded-Uri`` (nginx, Caddy, Traefik) for the URI,
``X-Forwarded-Method`` for the method (upper case, as proxies write it). Both URI
headers present and disagreeing, a URI without a method, or a value no proxy writes is
refused (``403``, and a warning log record: nginx reads any other answer as its own
error), before the session is read. They are read here and only here.

The decision is the app's own, with the differences as its parameters: the
subrequest is guarded even on a path no rule names, or that a ``public`` rule names
(the proxy decided the location is protected by sending the subrequest at all), so
the original request only **adds** the ``allow`` of the ``protect`` rules it matches;
without an original URI (and no per-path ``allow`` rule configured) only the global
``allow`` applies; the identity headers are always the admission's answer; a path
that cannot be read safely is refused ``403`` with the log (not the app's ``400``).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final
from urllib.parse import unquote

from .._base.effects import Flow
from .._base.messages import AuthRequest, AuthResponse
from .._rules.rules import Protected
from .decision import Admission, Decision, Reason, Refusal, decide
from .protect import challenge

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from .._config.core import AuthCore

__all__ = ["forward_auth_response"]

logger = logging.getLogger("workos_middleware")

# The headers of the original request, in the order they are looked at.
URI_HEADERS: Final = ("x-original-uri", "x-forwarded-uri")
METHOD_HEADER: Final = "x-forwarded-method"
# What a proxy writes: a request target (origin form, no spaces: two headers joined by
# the server would have one) and a method token.
_URI = re.compile(r"/[\x21-\x7e]{0,8191}")
_METHOD = re.compile(r"[A-Z]{1,16}")
# The subrequest is protected whatever the rules say: a session and the global allow.
_ASKED_BY_THE_PROXY: Final = Protected()


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


class _Subrequest:
    """The proxy's subrequest: what a refusal's answer reads."""

    __slots__ = ("browser", "request", "seen", "target")

    def __init__(self, request: AuthRequest, original: Original | None) -> None:
        self.request = request
        # The original request as the decision sees it (the client's own headers, such
        # as ``Accept``, come along in the subrequest).
        self.seen = original.as_request(request.headers) if original is not None else None
        self.target = original.target if original is not None else ""
        # With ?redirect=1 (a proxy that passes the answer on), browsers get pages.
        self.browser = self.seen if request.query.get("redirect") == "1" else None

    def respond(
        self, core: AuthCore, reason: Reason, _request: Callable[[], AuthRequest]
    ) -> AuthResponse:
        """A refusal as the proxy's answer: ``401``/``403`` (all nginx understands
        besides ``2xx``); with ``?redirect=1``, a browser gets the guarded miss of the
        original request (``302`` to sign in, coming back to the original URI, or the
        "Access denied" page)."""
        if reason == "bad_path":
            return _refusal("the original path cannot be read safely")
        if reason == "store_unavailable":
            return core.responses.store_unavailable(core.responses.wants_json(self.request))
        browser = self.browser
        if reason == "signed_out":
            if browser is not None:
                return challenge(core, browser, callback_url=self.target)
            return AuthResponse.json({"error": "Unauthorized"}, 401)
        if browser is not None:
            return challenge(core, browser, forbidden=True)
        return AuthResponse.json({"error": "Forbidden"}, 403)


def _seen(subrequest: _Subrequest, _path: str) -> AuthRequest:
    return subrequest.seen if subrequest.seen is not None else subrequest.request


def forward_auth_response(
    core: AuthCore, request: AuthRequest
) -> AuthResponse | Flow[AuthResponse]:
    """The answer to the proxy's subrequest ``request``: its original request by the
    header contract, then the passthrough decision about it, translated."""
    original = original_request(request.headers)
    if original is None and _rules_need_original(core):
        original = "no X-Forwarded-Uri or X-Original-URI, and per-path allow rules apply"
    if isinstance(original, str):
        return _refusal(original)
    subrequest = _Subrequest(request, original)
    seen = subrequest.seen
    decision = decide(
        core,
        seen.method if seen is not None else request.method,
        seen.path if seen is not None else "",
        request.headers.get("cookie", ""),
        False,  # the subrequest's identity headers are not passed on: nothing to strip
        _seen,
        subrequest,
        protected=_ASKED_BY_THE_PROXY,
        rules=seen is not None,
        with_identity=True,
        respond=subrequest.respond,
    )
    if isinstance(decision, (Admission, Refusal)):
        return _answer(decision)
    return _answer_after(decision)


def _answer_after(flow: Flow[Decision]) -> Flow[AuthResponse]:
    return _answer((yield from flow))


def _answer(decision: Decision) -> AuthResponse:
    """The proxy's answer: a refusal's response, or ``200`` with the identity headers
    (``with_identity``) and the session's cookies."""
    if isinstance(decision, Refusal):
        return decision.response
    response = AuthResponse.json({"ok": True}, 200)
    response.headers.extend(decision.headers or ())
    return response.set_cookies(decision.identity.set_cookies)
