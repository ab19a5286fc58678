"""Drive the project through Django's test Client and print what each step saw, as JSON
(run by tests/test_django_native.py in a process of its own: Django's settings are
process-wide). The database is AUTHSITE_DB, migrated here."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "authsite.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Permission  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from workos_middleware.testing import sign_in  # noqa: E402

call_command("migrate", verbosity=0)
seen: dict[str, Any] = {}
browser = {"HTTP_ACCEPT": "text/html"}


def record(name: str, response: Any) -> None:
    text = response.content.decode()
    json_body = response.get("Content-Type", "").startswith("application/json")
    seen[name] = {
        "status": response.status_code,
        "location": response.get("Location"),
        "body": json.loads(text) if json_body else None,
        "comes_back_to_dashboard": 'name="callbackUrl" value="/dashboard"' in text,
        "admin_index": "Site administration" in text,
    }


client = Client()
record("anonymous_home", client.get("/"))
record("anonymous_dashboard", client.get("/dashboard", **browser))
record("signin_page_next", client.get("/api/auth/signin?next=/dashboard"))
sign_in(client, email="alice@example.com", id="prof_01ALICE", name="Alice Anderson")
record("dashboard", client.get("/dashboard"))
record("users_without_permission", client.get("/users"))
record("admin_not_staff", client.get("/admin/"))
model = get_user_model()
alice = model.objects.get(username="workos:prof_01ALICE")
alice.user_permissions.add(Permission.objects.get(codename="view_user"))
alice.is_staff = alice.is_superuser = True
alice.save()
record("users_with_permission", client.get("/users"))
record("admin_staff", client.get("/admin/"))
# The same person under a new email: the same row, updated; another person with the
# first one's email: another row (the key is provider and subject, never the email).
sign_in(client, email="alice@new.example.com", id="prof_01ALICE", name="Alice Brown")
record("dashboard_after_profile_change", client.get("/dashboard"))
sign_in(client, email="alice@example.com", id="prof_01MALLORY", name="Mallory")
record("same_email_other_subject", client.get("/dashboard"))
seen["users"] = sorted(
    (u.username, u.email, u.first_name, u.last_name) for u in model.objects.all()
)
json.dump(seen, sys.stdout)
