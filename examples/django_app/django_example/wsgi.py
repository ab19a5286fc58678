"""The WSGI entry point (``gunicorn django_example.wsgi``): plain Django, since the
middleware is in ``settings.MIDDLEWARE``."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_example.settings")

application = get_wsgi_application()
