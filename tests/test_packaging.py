"""What ``pip install workos-middleware`` gets: the sdist and the wheel, built as a release
builds them (``python -m build``: the sdist, then the wheel from the unpacked sdist), carry
the type marker, the built-in pages' templates and the emulator; a fresh virtualenv with
only the wheel and its dependencies imports the package, builds the middleware and serves
the sign-in page and the emulator's home page from the installed templates.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "workos_middleware"
ENV = {
    "WORKOS_CLIENT_ID": "client_01PACKAGING",
    "WORKOS_API_KEY": "sk_test_packaging",
    "AUTH_SECRET": "packaging-secret-8d2f6b1e9a4c7035",
    "AUTH_URL": "http://testserver",
}

# Run by the fresh virtualenv's Python, outside the repository: HTTP in, facts out.
PROBE = """\
import asyncio
import json

import httpx

import workos_middleware
from workos_middleware import AuthConfig, AuthMiddleware
from workos_middleware.emulator import create_app


async def app(scope, receive, send):
    await send({"type": "http.response.start", "status": 404, "headers": []})
    await send({"type": "http.response.body", "body": b""})


async def get(asgi_app, path):
    transport = httpx.ASGITransport(app=asgi_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return await client.get(path)


middleware = AuthMiddleware(app, config=AuthConfig.from_env())
signin = asyncio.run(get(middleware, "/api/auth/signin"))
emulator = asyncio.run(get(create_app(), "/"))
print(json.dumps({
    "file": workos_middleware.__file__,
    "signin": [signin.status_code, signin.headers["content-type"], signin.text],
    "emulator": [emulator.status_code, emulator.headers["content-type"], emulator.text],
}))
"""


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = subprocess.run(
        args, cwd=cwd, env={**environ, **env}, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"{args}:\n{done.stdout}\n{done.stderr}"
    return done


def package_files(*parts: str) -> set[str]:
    """The files under ``workos_middleware/<parts>`` in the source tree, as archive paths."""
    folder = PACKAGE.joinpath(*parts)
    return {
        path.relative_to(ROOT).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


# What the installed package reads at run time, besides its modules.
REQUIRED = {
    "workos_middleware/py.typed",
    *package_files("_pages", "templates"),
    *package_files("emulator"),
}


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)], cwd=out)
    return out


def only(folder: Path, pattern: str) -> Path:
    found = list(folder.glob(pattern))
    assert len(found) == 1, found
    return found[0]


def test_the_templates_and_the_emulator_are_in_the_source_tree() -> None:
    # The lists checked below are not empty, so the checks below can fail.
    assert any(name.endswith("/signin.html") for name in REQUIRED)
    assert any(name.endswith("/emulator/templates/index.html") for name in REQUIRED)
    assert "workos_middleware/emulator/default-data.json" in REQUIRED


def test_sdist_carries_the_package_data(dist: Path) -> None:
    with tarfile.open(only(dist, "workos_middleware-*.tar.gz")) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert not REQUIRED - names, sorted(REQUIRED - names)
    assert not [name for name in names if "__pycache__" in name or name.startswith(".venv/")]


def test_wheel_carries_the_package_data(dist: Path) -> None:
    with zipfile.ZipFile(only(dist, "workos_middleware-*-py3-none-any.whl")) as wheel:
        names = set(wheel.namelist())
    assert not REQUIRED - names, sorted(REQUIRED - names)
    assert not [name for name in names if not name.startswith("workos_middleware")]


def test_a_fresh_virtualenv_with_the_wheel_serves_the_pages(dist: Path, tmp_path: Path) -> None:
    wheel = only(dist, "workos_middleware-*-py3-none-any.whl")
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp_path)
    python = venv / "bin" / "python"
    run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", str(wheel)],
        cwd=tmp_path,
    )
    (tmp_path / "probe.py").write_text(PROBE)
    seen = json.loads(run([str(python), "probe.py"], cwd=tmp_path, **ENV).stdout)

    assert Path(seen["file"]).is_relative_to(venv), seen["file"]
    status, content_type, page = seen["signin"]
    assert (status, content_type) == (200, "text/html; charset=utf-8")
    assert "<form" in page and 'name="csrfToken"' in page
    status, content_type, page = seen["emulator"]
    assert (status, content_type) == (200, "text/html; charset=utf-8")
    assert "<html" in page
