"""Django system checks (``manage.py check``, and ``runserver`` at start-up): the
middleware present, placed where it sees every request and where Django's own
``AuthenticationMiddleware`` cannot overwrite ``request.user``; ``WORKOS_AUTH`` set;
the backend usable; ``LOGIN_URL`` pointing at the sign-in page.

Registered when ``workos_middleware.integrations.django`` is imported: list
``"workos_middleware.integrations.django"`` in ``INSTALLED_APPS`` so that it is imported
before the checks run, even when the middleware is missing.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import checks

__all__ = ["check_setup"]

MIDDLEWARE_PATH = "workos_middleware.integrations.django.AuthMiddleware"
BACKEND_PATH = "workos_middleware.integrations.django.WorkOSBackend"
DJANGO_AUTH_MIDDLEWARE = "django.contrib.auth.middleware.AuthenticationMiddleware"
DEFAULT_LOGIN_URL = "/accounts/login/"


def check_setup(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from .._config.config import AuthConfig

    found: list[checks.CheckMessage] = []
    middleware = list(getattr(settings, "MIDDLEWARE", None) or [])
    if MIDDLEWARE_PATH not in middleware:
        found.append(
            checks.Error(
                f"{MIDDLEWARE_PATH} is not in settings.MIDDLEWARE: no page can see who is "
                "signed in, and /api/auth/* is not answered.",
                hint=f'Add "{MIDDLEWARE_PATH}" to MIDDLEWARE, after '
                f'"{DJANGO_AUTH_MIDDLEWARE}" when you use it, before every middleware that '
                "reads the user.",
                id="workos_middleware.E001",
            )
        )
    elif DJANGO_AUTH_MIDDLEWARE in middleware and middleware.index(
        DJANGO_AUTH_MIDDLEWARE
    ) > middleware.index(MIDDLEWARE_PATH):
        found.append(
            checks.Error(
                f"{MIDDLEWARE_PATH} comes before {DJANGO_AUTH_MIDDLEWARE} in "
                "settings.MIDDLEWARE, which then replaces request.user: signed-in people "
                "look signed out to login_required, permissions and the admin.",
                hint=f'Move "{MIDDLEWARE_PATH}" to just after "{DJANGO_AUTH_MIDDLEWARE}".',
                id="workos_middleware.E002",
            )
        )
    if not isinstance(getattr(settings, "WORKOS_AUTH", None), AuthConfig):
        found.append(
            checks.Error(
                "settings.WORKOS_AUTH is not an AuthConfig.",
                hint="Set WORKOS_AUTH = AuthConfig.from_env() (from workos_middleware) in "
                "your settings.",
                id="workos_middleware.E003",
            )
        )
    backends = list(getattr(settings, "AUTHENTICATION_BACKENDS", None) or [])
    if BACKEND_PATH in backends:
        if not apps.is_installed("django.contrib.auth"):
            found.append(
                checks.Error(
                    f"{BACKEND_PATH} needs django.contrib.auth (and contenttypes) in "
                    "INSTALLED_APPS.",
                    hint="Add them, or remove the backend: without it request.user is "
                    "this package's user.",
                    id="workos_middleware.E004",
                )
            )
        if str(getattr(settings, "LOGIN_URL", DEFAULT_LOGIN_URL)) == DEFAULT_LOGIN_URL:
            found.append(
                checks.Warning(
                    f"LOGIN_URL is Django's default {DEFAULT_LOGIN_URL}: Django's "
                    "login_required sends signed-out visitors there.",
                    hint='Set LOGIN_URL = "/api/auth/signin" (the sign-in page; it reads '
                    "?next= as the page to come back to).",
                    id="workos_middleware.W001",
                )
            )
    return found
