"""The ASGI entry point (``uvicorn django_example.asgi:application``): plain Django;
the middleware in ``settings.MIDDLEWARE`` runs in async mode here."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_example.settings")

application = get_asgi_application()
