"""Django: a native middleware for ``settings.MIDDLEWARE`` and a ``login_required``.

In ``settings.py``::

    from workos_middleware import AuthConfig

    WORKOS_AUTH = AuthConfig.from_env()          # every option, protect=[...] included
    MIDDLEWARE = [
        "django.middleware.security.SecurityMiddleware",
        "workos_middleware.integrations.django.AuthMiddleware",
        ...                                      # everything that reads the user after it
    ]

and in views::

    from workos_middleware.integrations.django import login_required

    @login_required                              # 302 to sign-in, or 401 JSON
    def dashboard(request):
        return render(request, "dashboard.html", {"user": request.auth_user})

The middleware answers ``/api/auth/*`` itself and sets ``request.auth_user`` (an
:class:`~workos_middleware.AuthUser`, or ``None``) and ``request.auth_session`` (what
``GET /api/auth/session`` returns, or ``None``) on every other request; the package's
``get_session(request)`` and ``get_csrf_token(request)`` work on Django requests too. It
runs in sync and async mode (WSGI and ASGI) and needs neither ``django.contrib.auth``
nor a database; ``request.user`` is left to Django.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

import httpx
from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.http import HttpRequest, HttpResponse, HttpResponseBase

from .._adapters.drivers import async_clients, new_client, run_async, run_sync
from .._adapters.views import guarded_miss, is_allowed
from .._adapters.wsgi import set_identity_environ
from .._base.effects import Flow
from .._base.errors import ConfigurationError, MiddlewareNotInstalled
from .._config.config import AuthConfig
from .._config.core import AuthCore
from .._passthrough.decision import Admission, Decision, Refusal, decide, identity_environ_keys
from .._request.state import SESSION_KEY, STATE_KEY, USER_KEY, RequestAuth, current_user
from .._request.user import AuthUser
from .._routes.handlers import handle
from ._django_checks import check_setup
from ._django_http import add_set_cookie, auth_request, passthrough_request, to_response
from ._django_user import attach_user

if TYPE_CHECKING:
    from ._django_backend import WorkOSBackend

__all__ = [
    "SETTING",
    "AuthAppConfig",
    "AuthMiddleware",
    "MiddlewareNotInstalled",
    "WorkOSBackend",
    "current_user",
    "login_required",
    "to_response",
]

SETTING = "WORKOS_AUTH"

View = TypeVar("View", bound=Callable[..., Any])
GetResponse = Callable[[HttpRequest], Any]


# -- the middleware -------------------------------------------------------------------


class AuthMiddleware:
    """workos_middleware as a Django middleware; configured by ``settings.WORKOS_AUTH``."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: GetResponse) -> None:
        config = getattr(settings, SETTING, None)
        if not isinstance(config, AuthConfig):
            raise ConfigurationError(
                f"set {SETTING} = AuthConfig.from_env() (or AuthConfig(...)) in your Django "
                "settings for workos_middleware.integrations.django.AuthMiddleware; "
                f"got {type(config).__name__}"
            )
        self.get_response = get_response
        self.config = config
        self.core = AuthCore.build(config)
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)
        else:
            asynchronous = config.async_functions()
            if asynchronous:
                raise ConfigurationError(
                    "async callbacks need Django in async mode (ASGI, async-capable "
                    f"middleware); make these plain functions: {', '.join(asynchronous)}"
                )
        self._client: httpx.Client | None = None
        # Async views may run in a new event loop each (async_to_sync): one client each.
        self.async_http_clients = async_clients(config.http_timeout)

    @property
    def http_client(self) -> httpx.Client:
        if self._client is None:
            self._client = new_client(self.config.http_timeout)
        return self._client

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self._acall(request)
        core = self._core_of(request)
        if core.is_auth_path(request.path_info or "/"):
            asked = auth_request(request)
            answer = run_sync(handle(core, asked), self.http_client)
            return to_response(answer, asked.method)
        state = self._known_state(request)
        if state is not None:
            self._expose(request, state)
            return self.get_response(request)  # the outer middleware sends its cookies
        decision = self._decide(core, request)
        if not isinstance(decision, (Admission, Refusal)):  # the store, renewal, callback
            decision = run_sync(decision, self.http_client)
        if isinstance(decision, Refusal):
            return to_response(decision.response, request.method or "GET")
        state = self._admit(core, request, decision)
        response: HttpResponseBase = self.get_response(request)
        return self._with_cookies(response, state)

    async def _acall(self, request: HttpRequest) -> HttpResponseBase:
        core = self._core_of(request)
        if core.is_auth_path(request.path_info or "/"):
            asked = auth_request(request)
            answer = await run_async(handle(core, asked), self.async_http_clients)
            return to_response(answer, asked.method)
        get_response = cast(Callable[[HttpRequest], Awaitable[HttpResponseBase]], self.get_response)
        state = self._known_state(request)
        if state is not None:
            self._expose(request, state)
            return await get_response(request)  # the outer middleware sends its cookies
        decision = self._decide(core, request)
        if not isinstance(decision, (Admission, Refusal)):  # the store, renewal, callback
            decision = await run_async(decision, self.async_http_clients)
        if isinstance(decision, Refusal):
            return to_response(decision.response, request.method or "GET")
        state = self._admit(core, request, decision)
        response = await get_response(request)
        return self._with_cookies(response, state)

    def _core_of(self, request: HttpRequest) -> AuthCore:
        """The core whose URLs carry the request's mount prefix (``SCRIPT_NAME``)."""
        script_name = request.META.get("SCRIPT_NAME", "")
        return self.core.mounted(script_name) if script_name else self.core

    def _decide(self, core: AuthCore, request: HttpRequest) -> Decision | Flow[Decision]:
        """The core's passthrough decision, from what the request carries."""
        return decide(
            core,
            request.method or "GET",
            request.path_info or "/",
            request.META.get("HTTP_COOKIE", ""),
            bool(identity_environ_keys(request.META)),
            passthrough_request,
            request,
        )

    def _admit(self, core: AuthCore, request: HttpRequest, admission: Admission) -> RequestAuth:
        """Apply an admission: the identity-header edit on ``META``, the state attached."""
        if admission.headers is not None:
            spoofed = identity_environ_keys(request.META)
            set_identity_environ(request.META, spoofed, admission.headers)
            request.__dict__.pop("headers", None)  # Django caches request.headers
        state = RequestAuth(core, admission.identity, request.META.get("HTTP_COOKIE", ""))
        request.META[STATE_KEY] = state
        request.META[SESSION_KEY] = state.session
        request.META[USER_KEY] = state.user
        self._expose(request, state)
        return state

    @staticmethod
    def _known_state(request: HttpRequest) -> RequestAuth | None:
        """The state of the WSGI/ASGI middleware, when that wraps the project too."""
        found = request.META.get(STATE_KEY)
        return found if isinstance(found, RequestAuth) else None

    @staticmethod
    def _expose(request: HttpRequest, state: RequestAuth) -> None:
        user = state.user
        signed_in = user if isinstance(user, AuthUser) else None
        request.auth_user = signed_in  # type: ignore[attr-defined]
        request.auth_session = state.session  # type: ignore[attr-defined]
        attach_user(request, signed_in, next(iter(state.core.config.providers)))

    def _with_cookies(self, response: HttpResponseBase, state: RequestAuth) -> HttpResponseBase:
        for header in state.set_cookies:
            add_set_cookie(response, header)
        return response


# -- the decorator --------------------------------------------------------------------


def denial(request: HttpRequest, allow: Any = None) -> HttpResponse | None:
    """The guarded miss for this request, or ``None`` when the user may go on."""
    method = (request.method or "GET").upper()
    if current_user(request) is None:
        return to_response(guarded_miss(request), method)
    if allow is not None and not is_allowed(request, allow):
        return to_response(guarded_miss(request, forbidden=True), method)
    return None


def login_required(view: View | None = None, *, allow: Any = None) -> Any:
    """Decorate a view (sync or async): signed-out visitors get the guarded miss (302 to
    sign-in, or 401 JSON); with ``allow=AccessRule(...)``, users outside it get 403.
    For class-based views: ``method_decorator(login_required, name="dispatch")``."""

    def decorate(function: View) -> View:
        if iscoroutinefunction(function):

            @functools.wraps(function)
            async def async_wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
                refused = denial(request, allow)
                if refused is not None:
                    return refused
                return await function(request, *args, **kwargs)

            return cast(View, async_wrapper)

        @functools.wraps(function)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            refused = denial(request, allow)
            return refused if refused is not None else function(request, *args, **kwargs)

        return cast(View, wrapper)

    return decorate if view is None else decorate(view)


# -- Django's own machinery: the app (system checks) and the authentication backend --------


class AuthAppConfig(AppConfig):
    """``INSTALLED_APPS += ["workos_middleware.integrations.django"]``: the system checks
    run at start-up even when the middleware is missing from ``MIDDLEWARE``."""

    name = "workos_middleware.integrations.django"
    label = "workos_middleware"
    verbose_name = "WorkOS sign-in"
    default = True


checks.register(check_setup, "workos_middleware")


def __getattr__(name: str) -> Any:
    """``WorkOSBackend``, imported when Django loads ``AUTHENTICATION_BACKENDS`` (it needs
    ``django.contrib.auth``, which this module must not import: the middleware works
    without it)."""
    if name == "WorkOSBackend":
        from ._django_backend import WorkOSBackend

        return WorkOSBackend
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
