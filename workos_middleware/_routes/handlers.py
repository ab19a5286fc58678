"""The ``/api/auth/*`` route handlers, one function each, NextAuth v3's wire format.

:func:`handle` is the entry for every request under the base path. Each handler takes
the core and the request and returns a response, or a flow ending in one when it needs
I/O (a provider call or a user callback). The OAuth sign-in itself (``POST
signin/:provider`` and the callback) is in :mod:`._sign_in`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import urlencode

from .._base.effects import Flow
from .._base.errors import SIGNIN_ERROR_CODES, error_page_text
from .._base.messages import (
    MAX_BODY_BYTES,
    MAX_COOKIE_HEADER_BYTES,
    MAX_QUERY_BYTES,
    AuthRequest,
    AuthResponse,
    MalformedBody,
)
from .._config.core import AuthCore
from .._lifecycle.audit import record
from .._lifecycle.webhooks import workos_webhook
from .._passthrough.forward import forward_auth_response
from .._sessions.identity import Identity
from .._sessions.store import StoreUnavailable
from .admin_portal import admin_portal
from .sign_in import callback, fire_event, signin
from .signin_page import describe_provider, signin_context, to_auth_url_host

__all__ = ["handle"]

logger = logging.getLogger("workos_middleware")

Handler = Callable[[AuthCore, AuthRequest, str], "AuthResponse | Flow[AuthResponse]"]


def _refused_early(core: AuthCore, request: AuthRequest) -> AuthResponse | None:
    """A 4xx for a request too large or malformed to look at (no traceback, one audit
    record), else ``None``."""
    if request.body_too_large or len(request.body) > MAX_BODY_BYTES:
        response, reason = AuthResponse.json({"error": "Request body too large"}, 413), "body"
    elif len(request.query_string) > MAX_QUERY_BYTES:
        response, reason = AuthResponse.json({"error": "Query string too long"}, 414), "query"
    elif len(request.headers.get("cookie", "")) > MAX_COOKIE_HEADER_BYTES:
        response, reason = AuthResponse.json({"error": "Cookies too large"}, 431), "cookies"
    elif request.method != "POST" or not request.body:
        return None  # no form to parse
    else:
        try:
            request.form  # noqa: B018  (parsed here, once: refused if hostile)
        except MalformedBody as exc:
            record(core, request, "request", "malformed_body", "refused", detail=str(exc))
            return AuthResponse.json({"error": f"Malformed request body: {exc}"}, 400)
        return None
    record(core, request, "request", f"{reason}_too_large", "refused")
    return response


def handle(core: AuthCore, request: AuthRequest) -> Flow[AuthResponse]:
    """The response to a request under the base path."""
    refused = _refused_early(core, request)
    if refused is not None:
        response = refused
    else:
        try:
            response = yield from dispatch(core, request)
        except StoreUnavailable as exc:
            # Fail closed, and say so: a 503 the browser can retry, the cause in the log.
            logger.error("%s", exc)
            response = core.responses.store_unavailable(_json_route(core, request))
        except Exception:
            # Fail closed: whatever broke, no session is granted and no traceback
            # reaches the browser.
            logger.exception("unexpected error handling %s %s", request.method, request.path)
            response = core.responses.error_page("Configuration")
    response.headers.append(("cache-control", "no-store"))
    response.headers.append(("vary", "Cookie"))
    return response


def _json_route(core: AuthCore, request: AuthRequest) -> bool:
    action = request.path[len(core.base_path) :].strip("/").partition("/")[0]
    return action in ("session", "csrf", "providers") or core.responses.wants_json(request)


def dispatch(core: AuthCore, request: AuthRequest) -> Flow[AuthResponse]:
    rest = request.path[len(core.base_path) :].strip("/")
    action, _, argument = rest.partition("/")
    methods = ROUTES.get(action)
    if methods is None or "/" in argument or (argument and action not in _WITH_ARGUMENT):
        return AuthResponse.json({"error": "Not found"}, 404)
    handler = methods.get(request.method) or (
        methods.get("GET") if request.method == "HEAD" else None
    )
    if handler is None:
        response = AuthResponse.json({"error": "Method not allowed"}, 405)
        response.headers.append(("allow", ", ".join(sorted(methods))))
        return response
    result = handler(core, request, argument)
    if isinstance(result, AuthResponse):
        return result
    return (yield from result)


def providers(core: AuthCore, request: AuthRequest, _: str) -> AuthResponse:
    body = {}
    for provider in core.config.providers.values():
        described = describe_provider(provider, core.auth_url)
        body[provider.id] = {
            "id": described["id"],
            "name": described["name"],
            "type": described["type"],
            "signinUrl": described["signin_url"],
            "callbackUrl": described["callback_url"],
        }
    return AuthResponse.json(body)


def csrf_token(core: AuthCore, request: AuthRequest, _: str) -> AuthResponse:
    token, set_cookie = core.csrf.token(request.cookies)
    return AuthResponse.json({"csrfToken": token}).set_cookies([set_cookie])


def session(core: AuthCore, request: AuthRequest, _: str) -> AuthResponse | Flow[AuthResponse]:
    found = core.sessions.of_request(request.headers.get("cookie", ""))
    if isinstance(found, Identity):
        return _session_response(found)
    return _session_after_callback(found)


def _session_after_callback(identify: Flow[Identity]) -> Flow[AuthResponse]:
    return _session_response((yield from identify))


def _session_response(identity: Identity) -> AuthResponse:
    return AuthResponse.json(identity.session or {}).set_cookies(identity.set_cookies)


def signin_page(core: AuthCore, request: AuthRequest, _: str) -> AuthResponse:
    query = request.query
    if not query.get("callbackUrl") and query.get("next"):
        # Django's login_required (LOGIN_URL) and Flask-Login name the page to come back
        # to ``next``; it is validated exactly as a callbackUrl.
        query = {**query, "callbackUrl": query["next"]}
    moved = to_auth_url_host(core, request)
    if moved is not None:
        return moved
    custom = core.responses.app_page_url(
        "signIn",
        callbackUrl=query.get("callbackUrl", ""),
        error=query.get("error", ""),
        csrf=query.get("csrf", ""),
        email=query.get("email", "")[:254],
    )
    if custom is not None:
        return AuthResponse.redirect(custom)
    context, set_cookie = signin_context(core, query, request.cookies)
    return core.responses.page("signin.html", **context).set_cookies([set_cookie])


def signout_page(core: AuthCore, request: AuthRequest, _: str) -> AuthResponse:
    custom = core.responses.app_page_url("signOut")
    if custom is not None:
        return AuthResponse.redirect(custom)
    token, set_cookie = core.csrf.token(request.cookies)
    callback_url = core.callback_urls.requested(request)
    response = core.responses.page(
        "signout.html",
        csrf_token=token,
        callback_url=callback_url,
        signout_url=f"{core.auth_url}/signout",
        home_url=core.base_url,  # the way back for someone who stays signed in
    )
    return response.set_cookies([set_cookie])


def signout(core: AuthCore, request: AuthRequest, _: str) -> Flow[AuthResponse]:
    refusal = core.csrf.refusal(request)
    if refusal is not None:
        record(core, request, "signout", refusal, "refused")
        return core.responses.redirect(request, f"{core.auth_url}/signout?csrf=true")
    ended = yield from core.sessions.end(request.cookies)
    target = yield from core.callback_urls.resolve(core.callback_urls.requested(request))
    record(core, request, "signout", "ok" if ended else "no_session", "success", user=ended)
    if ended is not None:
        yield from fire_event(core, "sign_out", {"token": ended})
        # A provider with a session of its own (AuthKit, OIDC's end_session_endpoint)
        # ends it too, then sends the browser back to the app's origin.
        back = target if _on_origin(target, core.config.origin) else core.base_url
        target = core.provider_tokens.signout_url(ended, back) or target
    response = core.responses.redirect(request, target)
    return response.set_cookies(core.sessions.clear(request.cookies))


def _on_origin(url: str, origin: str) -> bool:
    return url == origin or url.startswith(origin + "/")


def organization(core: AuthCore, request: AuthRequest, _: str) -> Flow[AuthResponse]:
    """POST organization: switch the session to another organization of the user.

    Body: ``csrfToken``, ``organization_id`` (or ``organizationId``), ``callbackUrl``.
    Only for providers that can (AuthKit); the provider checks the membership.
    """
    if not core.csrf.check(request):
        return AuthResponse.json({"error": "Invalid CSRF token: fetch BASE/csrf again"}, 403)
    current = yield from core.sessions.current(request.cookies)
    if current is None:
        return AuthResponse.json({"error": "Sign in first"}, 401)
    organization_id = request.form.get("organization_id") or request.form.get("organizationId")
    if not organization_id or len(organization_id) > 128 or not organization_id.isprintable():
        return AuthResponse.json({"error": "organization_id is missing or malformed"}, 400)
    try:
        token = yield from core.provider_tokens.switch_organization(current, organization_id)
        session_cookies = yield from core.sessions.replace(token, request.cookies)
    except StoreUnavailable:
        raise
    except Exception as exc:
        logger.warning("switching to organization %r refused: %r", organization_id, exc)
        return core.responses.error_redirect(request, "AccessDenied")
    target = yield from core.callback_urls.resolve(core.callback_urls.requested(request))
    return core.responses.redirect(request, target).set_cookies(session_cookies)


def error(core: AuthCore, request: AuthRequest, _: str) -> AuthResponse:
    code = request.query.get("error", "Default")[:64]
    custom = core.responses.app_page_url("error", error=code)
    if custom is not None:
        return AuthResponse.redirect(custom)
    if code in SIGNIN_ERROR_CODES:
        # The email typed before the error goes back into the form.
        email = request.query.get("email", "")[:254]
        query = urlencode({"error": code, **({"email": email} if email else {})})
        target = core.responses.app_page_url("signIn", error=code, email=email) or (
            f"{core.auth_url}/signin?{query}"
        )
        return AuthResponse.redirect(target)
    status, _heading, _message = error_page_text(code)
    return core.responses.error_page(code if status != 200 else "Default")


def forward_auth(core: AuthCore, request: AuthRequest, _: str) -> AuthResponse | Flow[AuthResponse]:
    """Any method: nginx's auth_request subrequest keeps the original request's method.
    The passthrough decision about the original request (:mod:`.._passthrough.forward`)."""
    return forward_auth_response(core, request)


ROUTES: dict[str, dict[str, Handler]] = {
    "providers": {"GET": providers},
    "csrf": {"GET": csrf_token},
    "session": {"GET": session},
    "signin": {"GET": signin_page, "POST": signin},
    "callback": {"GET": callback, "POST": callback},
    "signout": {"GET": signout_page, "POST": signout},
    "organization": {"POST": organization},
    "error": {"GET": error},
    "webhooks": {"POST": workos_webhook},
    "admin-portal": {"GET": admin_portal},
    "forward-auth": dict.fromkeys(
        ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"), forward_auth
    ),
}
_WITH_ARGUMENT = frozenset({"signin", "callback", "webhooks"})
