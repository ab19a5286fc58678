"""A Django project in one module for the Django integration's tests.

Django's settings are process-wide: :func:`configure` sets them up once (no database,
no ``django.contrib`` apps), and each test swaps ``WORKOS_AUTH`` with
``override_settings``. This module is also the ``ROOT_URLCONF``.
"""

from __future__ import annotations

import json
from typing import Any

import django
import httpx
from anyio.from_thread import BlockingPortal
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path

from workos_middleware import AccessRule, get_csrf_token
from workos_middleware.integrations.django import login_required

from .client import AppClient

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "workos_middleware.integrations.django.AuthMiddleware",
    "django.middleware.common.CommonMiddleware",
]


def configure() -> None:
    """Configure Django for this process (once)."""
    if settings.configured:
        return
    settings.configure(
        DEBUG=False,
        SECRET_KEY="django-tests-not-secret",
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF=__name__,
        MIDDLEWARE=MIDDLEWARE,
        INSTALLED_APPS=[],
        DATABASES={},
        USE_TZ=True,
        TEMPLATES=[],
    )
    django.setup()


def _who(request: HttpRequest) -> dict[str, Any]:
    user = request.auth_user  # type: ignore[attr-defined]
    return {
        "email": user.email if user is not None else None,
        "session": request.auth_session,  # type: ignore[attr-defined]
    }


def home(request: HttpRequest) -> HttpResponse:
    return JsonResponse(_who(request))


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"<h1>Dashboard of {request.auth_user.email}</h1>")  # type: ignore[attr-defined]


@login_required
def api_me(request: HttpRequest) -> HttpResponse:
    return JsonResponse(_who(request))


@login_required(allow=AccessRule(roles=["admin"]))
def admin(request: HttpRequest) -> HttpResponse:
    return JsonResponse(_who(request))


@login_required(allow=AccessRule(permissions=["reports:read"]))
def reports(request: HttpRequest) -> HttpResponse:
    return JsonResponse(_who(request))


@login_required
async def async_me(request: HttpRequest) -> HttpResponse:
    return JsonResponse(_who(request))


def form(request: HttpRequest) -> HttpResponse:
    return HttpResponse(get_csrf_token(request), content_type="text/plain")


def echo(request: HttpRequest) -> HttpResponse:
    return HttpResponse(json.dumps({"body": request.body.decode()}), content_type="text/plain")


urlpatterns = [
    path("", home),
    path("dashboard", dashboard),
    path("api/me", api_me),
    path("async/me", async_me),
    path("admin", admin),
    path("reports", reports),
    path("form", form),
    path("echo", echo),
]


class Site(AppClient):
    """This project behind httpx, as a WSGI or an ASGI application (after
    :func:`configure`); calling it is a GET."""

    def __init__(self, kind: str, portal: BlockingPortal) -> None:
        from django.core.asgi import get_asgi_application
        from django.core.wsgi import get_wsgi_application

        app = get_asgi_application() if kind == "asgi" else get_wsgi_application()
        super().__init__(app, kind, portal)

    def __call__(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.get(url, **kwargs)
