"""Flask helpers over the WSGI :class:`~workos_middleware.WSGIAuthMiddleware`, in the
manner of Flask-Login::

    from workos_middleware.integrations.flask import current_user, init_app, login_required

    init_app(app, config)                # wraps app.wsgi_app; current_user in templates

    @app.get("/dashboard")
    @login_required                      # 302 to sign-in (browser) or 401 JSON (API)
    def dashboard():
        return f"Hello {current_user.email}"

``current_user`` is the signed-in :class:`~workos_middleware.AuthUser`, or an anonymous
user whose ``is_authenticated`` is ``False`` (and which is falsy);
``get_current_user()`` returns the user or ``None``.
``login_required(allow=AccessRule(roles=["admin"]))`` also requires the rule (403).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from flask import Flask, Response, before_render_template, request
from jinja2 import Template
from werkzeug.local import LocalProxy

from .._adapters.views import guarded_miss, is_allowed
from .._adapters.wsgi import WSGIAuthMiddleware
from .._base.errors import MiddlewareNotInstalled
from .._base.messages import AuthResponse
from .._config.config import AuthConfig
from .._request.state import current_user as _current_user
from .._request.state import get_user
from .._request.user import AuthUser

__all__ = [
    "MiddlewareNotInstalled",
    "current_user",
    "get_current_user",
    "init_app",
    "login_required",
    "to_response",
]

View = TypeVar("View", bound=Callable[..., Any])
EXTENSION = "workos_middleware"
INIT_APP_HELP = (
    "workos_middleware has not run for this request: call init_app(app, config) "
    "(from workos_middleware.integrations.flask) where the Flask app is created, before "
    "it serves requests; it wraps app.wsgi_app in WSGIAuthMiddleware and gives templates "
    "current_user. Wrapping by hand: app.wsgi_app = WSGIAuthMiddleware(app.wsgi_app, "
    "config), as the last (outermost) WSGI wrapper"
)


def _read(reader: Callable[[Any], Any]) -> Any:
    """``reader(request)``; where the middleware did not run, the error names init_app."""
    try:
        return reader(request)
    except MiddlewareNotInstalled as exc:
        raise MiddlewareNotInstalled(INIT_APP_HELP) from exc


def get_current_user() -> AuthUser | None:
    """The signed-in user of the current request, or ``None``."""
    return cast("AuthUser | None", _read(_current_user))


def _user_or_anonymous() -> Any:
    return _read(get_user)


if TYPE_CHECKING:
    current_user: AuthUser
else:
    current_user = LocalProxy(_user_or_anonymous)
    """The current request's user (``AuthUser``, or an anonymous user)."""


def to_response(answer: AuthResponse) -> Response:
    """The core's response as a Flask ``Response`` (repeated headers kept)."""
    return Response(answer.body, status=answer.status, headers=answer.headers)


def denial(allow: Any = None) -> Response | None:
    """The guarded miss for the current request, or ``None`` when the user may go on."""
    if get_current_user() is None:
        return to_response(guarded_miss(request))
    if allow is not None and not is_allowed(request, allow):
        return to_response(guarded_miss(request, forbidden=True))
    return None


def login_required(view: View | None = None, *, allow: Any = None) -> Any:
    """Decorate a view: signed-out visitors get the guarded miss (302 to sign-in, or 401
    JSON); with ``allow=AccessRule(...)``, signed-in users outside it get 403."""

    def decorate(function: View) -> View:
        if inspect.iscoroutinefunction(function):

            @functools.wraps(function)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                refused = denial(allow)
                return refused if refused is not None else await function(*args, **kwargs)

            return cast(View, async_wrapper)

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            refused = denial(allow)
            return refused if refused is not None else function(*args, **kwargs)

        return cast(View, wrapper)

    return decorate if view is None else decorate(view)


def init_app(app: Flask, config: AuthConfig, **options: Any) -> WSGIAuthMiddleware:
    """Wrap ``app.wsgi_app`` in the middleware and give templates ``current_user``.

    ``options`` go to :class:`~workos_middleware.WSGIAuthMiddleware`; the middleware is
    returned (and kept in ``app.extensions["workos_middleware"]``).
    """
    middleware = WSGIAuthMiddleware(app.wsgi_app, config, **options)
    app.wsgi_app = middleware  # type: ignore[method-assign]
    app.extensions[EXTENSION] = middleware
    # The same object as the Python-side proxy: the user, or the (falsy) anonymous user.
    app.context_processor(lambda: {"current_user": _user_or_anonymous()})
    return middleware


# -- templates of an app without init_app -----------------------------------------------


def _current_user_in_every_template(
    sender: Flask, template: Template, context: dict[str, Any], **_: Any
) -> None:
    """Templates of an app without ``init_app`` get ``current_user`` too: the user when
    the middleware wraps the app by hand, else an error naming ``init_app`` as soon as
    the template reads it (instead of Jinja's silent empty string)."""
    if EXTENSION not in sender.extensions:
        context.setdefault("current_user", current_user)


before_render_template.connect(_current_user_in_every_template)
