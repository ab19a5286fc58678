"""Settings of the Django example; every workos_middleware setting comes from the
environment (see README.md).

The two lines that matter are ``WORKOS_AUTH`` (the middleware's configuration) and the
middleware's place in ``MIDDLEWARE``. No database and no ``django.contrib`` app is
needed: the session is a signed cookie and the user is ``request.auth_user``.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from workos_middleware import AuthConfig
from workos_middleware.emulator import create_app as create_emulator
from workos_middleware.emulator.embedded import (
    BANNER,
    announce,
    embedded_origin,
    emulator_environ,
    serve_in_thread,
)

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[1] / "shared"  # style.css, the four examples' one stylesheet

environ = dict(os.environ)
EXAMPLE_BANNER = ""
app_url = environ.get("AUTH_URL") or environ.get("NEXTAUTH_URL") or ""
origin = embedded_origin(environ)
if origin is not None:
    # No WorkOS credentials and a loopback AUTH_URL (or WORKOS_EMULATOR=1): serve the
    # local WorkOS emulator on a second loopback port (WORKOS_EMULATOR_PORT, default: any
    # free one) and point the middleware at it. With WORKOS_API_KEY set, nothing of this
    # runs; without it on any other address, the app stops here naming WORKOS_API_KEY.
    emulator = create_emulator(redirect_uris=[f"{origin}/api/auth/callback/workos"])
    emulator_url = serve_in_thread(emulator, port=int(environ.get("WORKOS_EMULATOR_PORT", "0")))
    environ = emulator_environ(environ, emulator_url)
    EXAMPLE_BANNER = BANNER
    announce(emulator_url)

# The middleware's configuration: AuthConfig.from_env() raises a ConfigurationError
# naming any missing setting, so a misconfigured project does not start.
# workos=...: one GET /organizations/{id} per sign-in, for the organization's name.
WORKOS_AUTH = AuthConfig.from_env(environ, workos={"organization_names": True})

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Early, before anything that reads request.auth_user; it answers /api/auth/* itself.
    "workos_middleware.integrations.django.AuthMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# Django's own signing key; this example signs nothing with it (the middleware uses
# AUTH_SECRET), but Django refuses to start without one.
SECRET_KEY = environ.get("DJANGO_SECRET_KEY") or "django-insecure-example-only"
DEBUG = environ.get("DJANGO_DEBUG") == "1"
ALLOWED_HOSTS = [urlsplit(app_url).hostname or "127.0.0.1"]
ROOT_URLCONF = "django_example.urls"
WSGI_APPLICATION = "django_example.wsgi.application"
# Only for the system checks: manage.py check names a missing or misplaced middleware.
INSTALLED_APPS = ["workos_middleware.integrations.django"]
DATABASES: dict[str, object] = {}
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [HERE / "templates", SHARED],
        "OPTIONS": {"context_processors": []},
    }
]
USE_TZ = True
