"""Django natively: with django.contrib.auth, the signed-in person is request.user for
Django's own login_required, LOGIN_URL, permissions and admin (WorkOSBackend, a User
keyed by provider and subject); without the backend, this package's user; the system
checks fail ``manage.py check`` on a missing or misordered middleware.

The project (tests/django_auth_project) runs in processes of its own: Django's settings
are process-wide and the other Django tests configure a project without a database.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

PROJECT = Path(__file__).resolve().parent / "django_auth_project"
ENV = {
    "WORKOS_CLIENT_ID": "client_01AUTHSITE",
    "WORKOS_API_KEY": "sk_test_authsite",
    "AUTH_SECRET": "authsite-secret-3c7e9a1f5b2d",
    "AUTH_URL": "http://testserver",
}


def run(
    args: list[str], tmp_path: Path, layout: str = "", *, cwd: Path = PROJECT, **env: str
) -> subprocess.CompletedProcess[str]:
    """``python *args`` in a process of its own, the project importable."""
    environ = {
        **os.environ,
        **ENV,
        "AUTHSITE_LAYOUT": layout,
        "AUTHSITE_DB": str(tmp_path / "db.sqlite3"),
        "PYTHONPATH": str(PROJECT),
        **env,
    }
    environ.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def probe(tmp_path: Path, layout: str = "") -> dict[str, Any]:
    done = run(["probe.py"], tmp_path, layout)
    assert done.returncode == 0, done.stderr
    seen: dict[str, Any] = json.loads(done.stdout)
    return seen


@pytest.fixture(scope="module")
def seen(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return probe(tmp_path_factory.mktemp("authsite"))


def test_djangos_login_required_sends_a_signed_out_browser_to_sign_in_and_back(
    seen: dict[str, Any],
) -> None:
    assert seen["anonymous_home"]["body"]["authenticated"] is False
    assert seen["anonymous_dashboard"]["status"] == 302
    assert seen["anonymous_dashboard"]["location"] == "/api/auth/signin?next=/dashboard"
    # The sign-in page takes Django's ?next= as the page to come back to.
    assert seen["signin_page_next"]["status"] == 200
    assert seen["signin_page_next"]["comes_back_to_dashboard"]


def test_signed_in_person_is_a_django_user_keyed_by_provider_and_subject(
    seen: dict[str, Any],
) -> None:
    body = seen["dashboard"]["body"]
    assert seen["dashboard"]["status"] == 200
    assert body["authenticated"] is True
    assert body["username"] == "workos:prof_01ALICE"
    assert (body["email"], body["auth_user"]) == ("alice@example.com", "alice@example.com")
    assert isinstance(body["pk"], int)
    # Profile changes update the same row; the same email under another subject is
    # another person.
    changed = seen["dashboard_after_profile_change"]["body"]
    assert (changed["pk"], changed["email"]) == (body["pk"], "alice@new.example.com")
    assert seen["same_email_other_subject"]["body"]["pk"] != body["pk"]
    assert seen["users"] == [
        ["workos:prof_01ALICE", "alice@new.example.com", "Alice", "Brown"],
        ["workos:prof_01MALLORY", "alice@example.com", "Mallory", ""],
    ]


def test_permissions_and_the_admin_are_djangos(seen: dict[str, Any]) -> None:
    assert seen["users_without_permission"]["status"] == 403
    assert seen["admin_not_staff"]["status"] == 302
    assert seen["admin_not_staff"]["location"].startswith("/admin/login/")
    assert seen["users_with_permission"]["status"] == 200
    assert seen["admin_staff"]["status"] == 200 and seen["admin_staff"]["admin_index"]


def test_without_the_backend_request_user_is_this_packages_user(tmp_path: Path) -> None:
    seen = probe_without_backend(tmp_path)
    assert seen["anonymous_home"]["body"]["authenticated"] is False
    body = seen["dashboard"]["body"]
    assert seen["dashboard"]["status"] == 200
    assert (body["authenticated"], body["class"]) == (True, "DjangoAuthUser")
    assert (body["email"], body["username"], body["pk"]) == (
        "alice@example.com",
        "alice@example.com",
        None,
    )
    assert seen["users_without_permission"]["status"] == 403  # no permissions without a row
    assert seen["admin_not_staff"]["status"] == 302


def probe_without_backend(tmp_path: Path) -> dict[str, Any]:
    done = run(["-c", NO_BACKEND_PROBE], tmp_path, "no-backend")
    assert done.returncode == 0, done.stderr
    seen: dict[str, Any] = json.loads(done.stdout)
    return seen


NO_BACKEND_PROBE = """
import json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "authsite.settings")
import django
django.setup()
from django.core.management import call_command
from django.test import Client
from workos_middleware.testing import sign_in
call_command("migrate", verbosity=0)
client, seen = Client(), {}
def record(name, response):
    json_body = response.get("Content-Type", "").startswith("application/json")
    seen[name] = {"status": response.status_code,
                  "body": json.loads(response.content) if json_body else None}
record("anonymous_home", client.get("/"))
sign_in(client, email="alice@example.com", id="prof_01ALICE")
record("dashboard", client.get("/dashboard"))
record("users_without_permission", client.get("/users"))
record("admin_not_staff", client.get("/admin/"))
json.dump(seen, sys.stdout)
"""


@pytest.mark.parametrize(
    ("layout", "expected"),
    [
        ("missing", "workos_middleware.E001"),
        ("misordered", "workos_middleware.E002"),
    ],
)
def test_manage_py_check_fails_on_a_missing_or_misordered_middleware(
    layout: str, expected: str, tmp_path: Path
) -> None:
    done = run(["manage.py", "check"], tmp_path, layout)
    assert done.returncode != 0
    assert expected in done.stderr
    assert "workos_middleware.integrations.django.AuthMiddleware" in done.stderr
    assert "Traceback" not in done.stderr


def test_manage_py_check_passes_on_the_right_setup(tmp_path: Path) -> None:
    done = run(["manage.py", "check"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "no issues" in done.stdout


def test_the_django_examples_readme_test_runs_under_plain_pytest(tmp_path: Path) -> None:
    """The README's conftest.py and test, as printed, from the example's folder."""
    example = PROJECT.parent.parent / "examples" / "django_app"
    readme = (example / "README.md").read_text()
    blocks = re.findall(r"```python\n# (\S+)\n(.*?)```", readme, flags=re.S)
    files = dict(blocks)
    assert set(files) == {"conftest.py", "test_dashboard.py"}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    pytest_args = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", "pytest.ini"]
    app_url = "http://127.0.0.1:8000"
    done = run(pytest_args, tmp_path, cwd=tmp_path, AUTH_URL=app_url, PYTHONPATH=str(example))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
