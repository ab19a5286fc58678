"""A Django project as most are: django.contrib.auth, sessions, the admin, a database;
workos_middleware's middleware, app (system checks) and backend added.

``AUTHSITE_LAYOUT`` bends it for the tests: ``missing`` (no middleware), ``misordered``
(before Django's AuthenticationMiddleware), ``no-backend`` (no WorkOSBackend).
"""

from __future__ import annotations

import os

from workos_middleware import AuthConfig

LAYOUT = os.environ.get("AUTHSITE_LAYOUT", "")

WORKOS_AUTH = AuthConfig.from_env()
SECRET_KEY = "authsite-django-key-not-a-secret-9f2c"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1"]
ROOT_URLCONF = "authsite.urls"
USE_TZ = True
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "workos_middleware.integrations.django",  # the system checks
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("AUTHSITE_DB", ":memory:"),
    }
}
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "workos_middleware.integrations.django.AuthMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
if LAYOUT == "missing":
    MIDDLEWARE.remove("workos_middleware.integrations.django.AuthMiddleware")
elif LAYOUT == "misordered":
    MIDDLEWARE.remove("workos_middleware.integrations.django.AuthMiddleware")
    MIDDLEWARE.insert(1, "workos_middleware.integrations.django.AuthMiddleware")
AUTHENTICATION_BACKENDS = [
    "workos_middleware.integrations.django.WorkOSBackend",
    "django.contrib.auth.backends.ModelBackend",
]
if LAYOUT == "no-backend":
    AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "/api/auth/signin"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
