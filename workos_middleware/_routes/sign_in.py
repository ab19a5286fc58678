"""The OAuth sign-in: ``POST signin/:provider`` (state, PKCE, the redirect to the
provider) and ``GET|POST callback/:provider`` (state checks first, one code exchange,
the ``sign_in`` and ``jwt`` callbacks, the session), IdP-initiated callbacks included."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from .._base.effects import Flow, call
from .._base.errors import ProviderError, SessionTooLarge
from .._base.messages import AuthRequest, AuthResponse
from .._base.types import ErrorCode
from .._config.core import AuthCore
from .._keys import state
from .._lifecycle.audit import Outcome, is_failure, provider_reason, record
from .._sessions.store import StoreUnavailable
from ..providers import Provider

__all__ = ["callback", "fire_event", "signin"]

logger = logging.getLogger("workos_middleware")

MAX_CODE_LENGTH = 2048


def signin(core: AuthCore, request: AuthRequest, provider_id: str) -> Flow[AuthResponse]:
    """POST signin/:provider: CSRF, then the state + PKCE cookie and the IdP redirect."""
    refusal = core.csrf.refusal(request)
    if refusal is not None:
        record(core, request, "signin", refusal, "refused", provider=provider_id[:64])
        return core.responses.redirect(request, f"{core.auth_url}/signin?csrf=true")
    provider = core.config.providers.get(provider_id)
    if provider is None:
        record(core, request, "signin", "unknown_provider", "refused", provider=provider_id[:64])
        return core.responses.redirect(request, f"{core.auth_url}/signin")
    callback_url = yield from core.callback_urls.resolve(core.callback_urls.requested(request))
    email = request.form.get("email")
    try:
        params = yield from provider.authorization_params(request.query, email)
    except ProviderError as exc:
        outcome: Outcome = "failed" if is_failure(exc) else "refused"
        user = {"email": email} if email else None
        record(
            core,
            request,
            "signin",
            provider_reason(exc),
            outcome,
            provider=provider.id,
            user=user,
            detail=str(exc),
        )
        # Back to the form with the email typed, so the user need not type it again.
        extra = {"email": email[:254]} if email else {}
        return core.responses.error_redirect(request, exc.code, **extra).set_cookies(
            [core.callback_urls.cookie(callback_url)]
        )
    except Exception:
        logger.exception("building the authorization URL failed")
        return core.responses.error_redirect(request, "OAuthSignin")
    return (yield from _redirect_to_provider(core, request, provider, params, callback_url))


def _redirect_to_provider(
    core: AuthCore,
    request: AuthRequest,
    provider: Provider,
    params: dict[str, str],
    callback_url: str,
) -> Flow[AuthResponse]:
    """A fresh pending sign-in (state, PKCE, nonce) and the redirect to the provider."""
    pending, state_cookie = state.issue(core.keys, provider.id, callback_url)
    try:
        url = provider.authorization_url(
            params,
            redirect_uri=f"{core.auth_url}/callback/{provider.id}",
            state=pending.state,
            code_challenge=pending.code_challenge,
            nonce=pending.nonce,
        )
    except Exception:
        logger.exception("building the authorization URL failed")
        return core.responses.error_redirect(request, "OAuthSignin")
    # A one-time record as well, where the store keeps one: the callback redeems it
    # once, on any worker or host.
    once = {"v": pending.code_verifier, "p": provider.id}
    yield from core.sessions.remember_sign_in(pending.state, once, state.STATE_MAX_AGE)
    return core.responses.redirect(request, url).set_cookies(
        [
            core.jar.header("state", state_cookie, state.STATE_MAX_AGE),
            core.callback_urls.cookie(callback_url),
        ]
    )


def callback(core: AuthCore, request: AuthRequest, provider_id: str) -> Flow[AuthResponse]:
    """GET|POST callback/:provider; the state cookie is cleared whatever the outcome."""
    try:
        response = yield from _complete_sign_in(core, request, provider_id)
    except StoreUnavailable:
        raise  # a 503 from handle(): the sign-in can be finished once the store is back
    except Exception:
        logger.exception("sign-in callback failed")
        response = core.responses.error_redirect(request, "Callback")
    cleared = core.jar.clear("state")
    state_name = cleared.split("=", 1)[0] + "="
    if any(
        name == "set-cookie" and value.startswith(state_name) for name, value in response.headers
    ):
        # A restarted (IdP-initiated) sign-in set a fresh state cookie: keep it.
        return response
    return response.set_cookies([cleared])


def _complete_sign_in(core: AuthCore, request: AuthRequest, provider_id: str) -> Flow[AuthResponse]:
    params = {**request.query, **request.form} if request.method == "POST" else request.query
    provider = core.config.providers.get(provider_id)
    if provider is not None and params.get("code") and not params.get("state"):
        return (yield from _idp_initiated(core, request, provider, params))
    pending = state.verify(
        core.keys, core.jar.read("state", request.cookies), provider_id, params.get("state")
    )
    if provider is None or pending is None:
        reason = "unknown_provider" if provider is None else _state_refusal(core, request, params)
        detail = "state cookie missing, invalid, expired, for another provider or not matching"
        return _refuse(core, request, reason, "OAuthCallback", provider_id[:64], detail)
    # Redeemed once: a server-side store takes its one-time record (on any worker or
    # host; an outage leaves it for a retry), signed cookies remember it in this process.
    if not (
        yield from core.sessions.redeem_sign_in(
            pending.state, pending.code_verifier, state.STATE_MAX_AGE
        )
    ):
        detail = "this sign-in's state was already redeemed (a replayed or parallel callback)"
        return _refuse(core, request, "state_reused", "OAuthCallback", provider.id, detail)
    check = getattr(provider, "check_callback", None)
    if check is not None:
        # The provider's own checks of the redirect (OIDC: RFC 9207's iss), before the
        # answer is used in any way, errors included.
        try:
            yield from check(params)
        except ProviderError as exc:
            reason = "callback_issuer" if exc.code == "OAuthCallback" else provider_reason(exc)
            return _refuse(core, request, reason, exc.code, provider.id, str(exc))
    if "error" in params:
        cancelled = params["error"] == "access_denied"
        detail = (
            f"the provider sent error={params['error'][:100]!r} "
            f"error_description={params.get('error_description', '')[:300]!r}"
        )
        error_code = "Cancelled" if cancelled else provider.error_code(params["error"])
        reason = "cancelled" if cancelled else "provider_error"
        return _refuse(core, request, reason, error_code, provider.id, detail)
    code = params.get("code", "")
    if not code or len(code) > MAX_CODE_LENGTH:
        return _refuse(core, request, "no_code", "OAuthCallback", provider.id)

    try:
        result = yield from provider.complete(
            code=code,
            redirect_uri=f"{core.auth_url}/callback/{provider.id}",
            code_verifier=pending.code_verifier,
            nonce=pending.nonce,
        )
    except Exception as exc:
        code_name = exc.code if isinstance(exc, ProviderError) else "Callback"
        reason = provider_reason(exc) if isinstance(exc, ProviderError) else "provider_error"
        detail = f"completing the sign-in with {provider.name} failed: {exc}"
        return _refuse(core, request, reason, code_name, provider.id, detail, "failed")

    allow = core.config.allow
    if allow is not None:
        failed = allow.denial(core.sessions.token_for(result.user))
        if failed is not None:
            detail = f"outside AuthConfig(allow=...) on {failed}"
            return _refuse(
                core, request, "access_rule", "AccessDenied", provider.id, detail, user=result.user
            )

    sign_in = core.config.callbacks.get("sign_in")
    if sign_in is not None:
        try:
            allowed = yield from call(sign_in, result.user, result.account, result.profile)
        except Exception:
            logger.exception("sign_in callback raised; access denied")
            reason = "sign_in_callback_raised"
            return _refuse(core, request, reason, "AccessDenied", provider.id, None, "failed")
        if isinstance(allowed, str) and allowed:
            target = yield from core.callback_urls.resolve(allowed)
            reason = "sign_in_callback_redirected"
            record(core, request, "signin", reason, "refused", provider=provider.id)
            return core.responses.redirect(request, target)
        if allowed is not True:
            reason = "sign_in_callback_denied"
            return _refuse(core, request, reason, "AccessDenied", provider.id, user=result.user)

    token: Any = core.sessions.token_for(result.user)
    token["provider"] = provider.id  # with ``sub``, the stable key of this person
    jwt = core.config.callbacks.get("jwt")
    if jwt is not None:
        token = yield from call(jwt, token, result.user, result.account, result.profile, False)
        if not isinstance(token, dict) or not isinstance(token.get("sub"), str):
            logger.error("jwt callback must return a dict keeping 'sub'; got %r", type(token))
            record(core, request, "signin", "jwt_callback_invalid", "failed", provider=provider.id)
            return core.responses.error_redirect(request, "Configuration")
    if result.provider_state is not None:
        core.provider_tokens.attach(token, provider.id, result.provider_state)
    try:
        session_cookies = yield from core.sessions.start(token, request.cookies)
    except (SessionTooLarge, TypeError, ValueError) as exc:
        logger.error("cannot store the session: %s", exc)
        record(core, request, "signin", "session_not_stored", "failed", provider=provider.id)
        return core.responses.error_redirect(request, "Configuration")

    record(core, request, "signin", "ok", "success", provider=provider.id, user=result.user)
    yield from fire_event(core, "sign_in", {"user": result.user, "account": result.account})
    target = yield from core.callback_urls.resolve(pending.callback_url)
    response = core.responses.redirect(request, target)
    # A fresh session and a fresh CSRF token: nothing from before the sign-in survives.
    return response.set_cookies([*session_cookies, core.jar.clear("csrf_token")])


def _idp_initiated(
    core: AuthCore, request: AuthRequest, provider: Provider, params: Mapping[str, str]
) -> Flow[AuthResponse]:
    """A callback with a code and no state: an IdP-initiated sign-in (or a forgery).

    It never creates a session by itself. By default it is refused; a provider with
    ``idp_initiated="restart"`` starts a fresh SP-initiated sign-in instead (for WorkOS,
    with the same connection), so the user ends signed in with state and PKCE applied.
    """
    if getattr(provider, "idp_initiated", "refuse") != "restart":
        record(core, request, "signin", "idp_initiated", "refused", provider=provider.id)
        logger.warning(
            "IdP-initiated sign-in to provider %r refused: the callback has a code but no "
            "state. To accept it by restarting the sign-in from this app, set the "
            "provider's idp_initiated='restart'",
            provider.id,
        )
        return core.responses.error_redirect(request, "IdPInitiated")
    code = params.get("code", "")
    if len(code) > MAX_CODE_LENGTH:
        return core.responses.error_redirect(request, "OAuthCallback")
    restart = getattr(provider, "idp_initiated_params", None)
    try:
        if restart is not None:
            authorization = yield from restart(code, params)
        else:
            # As if the user had pressed the provider's button: its default parameters.
            authorization = yield from provider.authorization_params({}, None)
    except Exception as exc:
        logger.warning("IdP-initiated sign-in to %r could not be restarted: %r", provider.id, exc)
        return core.responses.error_redirect(request, "IdPInitiated")
    logger.info("IdP-initiated sign-in to %r: restarting it from this app", provider.id)
    callback_url = yield from core.callback_urls.resolve(core.callback_urls.stored(request.cookies))
    return (yield from _redirect_to_provider(core, request, provider, authorization, callback_url))


def _refuse(
    core: AuthCore,
    request: AuthRequest,
    reason: str,
    code: ErrorCode,
    provider: str,
    detail: str | None = None,
    outcome: Outcome = "refused",
    user: Mapping[str, Any] | None = None,
) -> AuthResponse:
    """One audit record, and the error redirect with ``code``."""
    record(core, request, "signin", reason, outcome, provider=provider, user=user, detail=detail)
    return core.responses.error_redirect(request, code)


def _state_refusal(core: AuthCore, request: AuthRequest, params: Mapping[str, str]) -> str:
    """Why the state check failed, as an audit reason."""
    if not params.get("state"):
        return "state_missing"
    if core.jar.read("state", request.cookies) is None:
        return "state_cookie_missing"
    return "state_invalid"


def fire_event(core: AuthCore, event: str, message: dict[str, Any]) -> Flow[None]:
    """Run an event handler; its failure is logged and changes nothing."""
    function = core.config.events.get(event)
    if function is None:
        return
    try:
        yield from call(function, message)
    except Exception:
        logger.exception("%s event handler failed", event)
