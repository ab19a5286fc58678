"""A Django project behind workos_middleware: no database, no django.contrib.auth."""
