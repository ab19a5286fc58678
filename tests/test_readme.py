"""The README's front door: the install line, its links and its code, run as printed.

Each framework's snippet is executed as it stands in README.md with the four variables
set, and must send a signed-out browser to the sign-in page (302, back to the page
afterwards), answer a script with 401, and greet a signed-in user. Django's snippet runs
in a process of its own (Django's settings are process-wide), as a settings module and a
views module, through Django's test client.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from importlib.metadata import metadata
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.testclient import TestClient

from workos_middleware.testing import sign_in

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
METADATA = metadata("workos-middleware")  # what the package index shows
URLS = dict(entry.split(", ", 1) for entry in METADATA.get_all("Project-URL") or [])
REPOSITORY = URLS["Repository"]
ENV = {
    "WORKOS_CLIENT_ID": "client_01README",
    "WORKOS_API_KEY": "sk_test_readme",
    "AUTH_SECRET": "readme-secret-4f9c2a7e1b8d3c6f",
    "AUTH_URL": "http://testserver",
}


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README, flags=re.S)


def snippet(marker: str) -> str:
    found = [block for block in python_blocks() if marker in block]
    assert len(found) == 1, f"one README snippet with {marker!r}"
    return found[0]


def test_install_line_is_on_the_first_screen() -> None:
    first = "\n".join(README.splitlines()[:40])
    assert "pip install workos-middleware" in first
    extras = set(METADATA.get_all("Provides-Extra") or [])
    named = set(re.findall(r"pip install 'workos-middleware\[([a-z,]+)\]'", README))
    for group in named:
        assert set(group.split(",")) <= extras, group
    assert {"fastapi", "flask", "django", "emulator"} <= {
        extra for group in named for extra in group.split(",")
    }


def test_links_point_at_files_of_this_repository() -> None:
    links = re.findall(r"\]\((https://[^)]+)\)", README)
    assert links
    for link in links:
        for prefix in (f"{REPOSITORY}/blob/main/", f"{REPOSITORY}/raw/main/"):
            if link.startswith(prefix):
                assert (ROOT / link.removeprefix(prefix)).is_file(), link
                break
        else:
            raw = REPOSITORY.replace("https://github.com/", "https://raw.githubusercontent.com/")
            assert link.startswith(f"{raw}/main/"), link
            assert (ROOT / link.removeprefix(f"{raw}/main/")).is_file(), link
    # No relative link: a package index page cannot follow one.
    assert not re.findall(r"\]\((?!https://|#)[^)]+\)", README)


def test_readme_names_the_version() -> None:
    assert f"Version {METADATA['Version']}" in README
    assert "0.1 " not in README


def run_snippet(code: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    namespace: dict[str, Any] = {"__name__": "readme_snippet"}
    exec(compile(code, "README.md", "exec"), namespace)
    return namespace


def config_of(app: Any) -> Any:
    """The AuthConfig the snippet built, found on its middleware."""
    from workos_middleware import AuthConfig

    for middleware in getattr(app, "user_middleware", []):
        if isinstance(middleware.kwargs.get("config"), AuthConfig):
            return middleware.kwargs["config"]
    wrapped = getattr(app, "wsgi_app", None)
    return wrapped.config


@pytest.mark.parametrize("marker", ["from starlette", "from fastapi", "from flask"])
def test_each_snippet_protects_its_route(marker: str, monkeypatch: pytest.MonkeyPatch) -> None:
    app = run_snippet(snippet(marker), monkeypatch)["app"]
    if marker == "from flask":
        client: Any = app.test_client()
    else:
        client = TestClient(app, base_url=ENV["AUTH_URL"], follow_redirects=False)
        app.build_middleware_stack()  # what the first request does: add_middleware's list
    page = client.get("/dashboard", headers={"Accept": "text/html"})
    assert page.status_code == 302
    target = urlsplit(page.headers["location"])
    assert target.path == "/api/auth/signin"
    assert parse_qs(target.query)["callbackUrl"] == ["/dashboard"]
    assert client.get("/dashboard", headers={"Accept": "application/json"}).status_code == 401
    sign_in(client, config_of(app), email="alice@example.com")
    signed_in = client.get("/dashboard")
    assert signed_in.status_code == 200
    assert "alice@example.com" in signed_in.text


# What the Django snippet leaves to the project: a key, the host, the URL of its view.
DJANGO_PROJECT_SETTINGS = """\
SECRET_KEY = "readme-django-not-secret"
ALLOWED_HOSTS = ["testserver"]
ROOT_URLCONF = "readme_urls"
USE_TZ = True
"""
DJANGO_URLS = """\
from django.urls import path

from readme_views import dashboard

urlpatterns = [path("dashboard", dashboard)]
"""
# Django's start-up checks on the settings, then HTTP in and out through its test client.
DJANGO_DRIVER = """\
import json
import os
import sys

os.environ["DJANGO_SETTINGS_MODULE"] = "readme_settings"
import django

django.setup()
from django.core.management import call_command
from django.test import Client

from workos_middleware.testing import sign_in

call_command("check", fail_level="WARNING", stdout=sys.stderr)  # stdout: the JSON
client = Client()
seen = {}


def record(name, response):
    seen[name] = {
        "status": response.status_code,
        "location": response.get("Location"),
        "content_type": response.get("Content-Type"),
        "text": response.content.decode(),
    }


record("browser", client.get("/dashboard", HTTP_ACCEPT="text/html"))
record("script", client.get("/dashboard", HTTP_ACCEPT="application/json"))
sign_in(client, email="alice@example.com")
record("signed_in", client.get("/dashboard"))
print(json.dumps(seen))
"""


def django_snippet_as_project(folder: Path) -> None:
    """The README's Django snippet as the two modules it names, ``...`` left empty."""
    settings_part, views_part = snippet("workos_middleware.integrations.django").split(
        "# views.py\n"
    )
    # "[..., name]" stands for the project's other entries: this project has none.
    settings_part = settings_part.replace("...,", "")
    (folder / "readme_settings.py").write_text(DJANGO_PROJECT_SETTINGS + settings_part)
    (folder / "readme_views.py").write_text(views_part)
    (folder / "readme_urls.py").write_text(DJANGO_URLS)
    (folder / "drive.py").write_text(DJANGO_DRIVER)


def test_django_snippet_protects_its_view(tmp_path: Path) -> None:
    django_snippet_as_project(tmp_path)
    environ = {**os.environ, **ENV}
    environ.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [sys.executable, "drive.py"],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)

    assert seen["browser"]["status"] == 302
    target = urlsplit(seen["browser"]["location"])
    assert target.path == "/api/auth/signin"
    assert parse_qs(target.query)["callbackUrl"] == ["/dashboard"]
    assert seen["script"]["status"] == 401
    assert seen["script"]["content_type"].startswith("application/json")
    assert seen["signed_in"]["status"] == 200
    assert seen["signed_in"]["text"] == "Hello alice@example.com"
