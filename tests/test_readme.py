"""The README's front door: the install line, its links and its code, run as printed.

Each framework's snippet is executed as it stands in README.md with the four variables
set, and must send a signed-out browser to the sign-in page (302, back to the page
afterwards), answer a script with 401, and greet a signed-in user.
"""

from __future__ import annotations

import re
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
