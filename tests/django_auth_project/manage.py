"""manage.py of the Django project with django.contrib.auth (tests/test_django_native.py)."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "authsite.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
