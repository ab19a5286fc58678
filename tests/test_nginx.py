"""Both examples behind a real nginx under a path prefix, through the whole sign-in
against the WorkOS emulator. (Forward auth behind nginx and Caddy:
``test_proxy_forward_auth.py``.)

The nginx configurations are read from docs/deploy.md (the blocks marked
``<!-- tested: ... -->``), so the documented ones are the tested ones. Servers: nginx
(Debian's package), uvicorn, gunicorn and the emulator, each on a free loopback port and
stopped afterwards. ``WORKOS_MIDDLEWARE_SKIP_NGINX=1`` skips this module; otherwise a
missing nginx is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from support import free_port
from support.proxy import (
    EXAMPLES,
    NGINX,
    SKIP_ENV,
    Server,
    documented,
    example_env,
    form_action,
    form_fields,
    gunicorn,
    sign_in,
    start_emulator,
    start_nginx,
    uvicorn,
)

pytestmark = pytest.mark.skipif(os.environ.get(SKIP_ENV) == "1", reason=f"{SKIP_ENV}=1")


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not Path(NGINX).exists():
        pytest.fail(
            f"nginx is not installed ({NGINX}): apt-get install nginx, or set {SKIP_ENV}=1",
            pytrace=False,
        )
    server = start_emulator(tmp_path_factory.mktemp("emulator"))
    try:
        yield server.url
    finally:
        server.stop()


@pytest.mark.parametrize("example", ["starlette", "flask"])
def test_example_under_a_prefix_behind_nginx(example: str, emulator: str, tmp_path: Path) -> None:
    nginx_port, app_port = free_port(), free_port()
    site = f"http://127.0.0.1:{nginx_port}"
    folder = EXAMPLES / f"{example}_app"
    app: Server
    if example == "starlette":
        # uvicorn is told the prefix; AUTH_URL is the bare origin.
        env = example_env(emulator, AUTH_URL=site)
        app = uvicorn(folder, app_port, tmp_path / "app.log", env, "--root-path", "/keep")
        block = documented("prefix-uvicorn")
    else:
        # gunicorn moves the prefix to SCRIPT_NAME; AUTH_URL in NextAuth's form.
        env = example_env(emulator, AUTH_URL=f"{site}/keep/api/auth", SCRIPT_NAME="/keep")
        app = gunicorn(folder, app_port, tmp_path / "app.log", env)
        block = documented("prefix-gunicorn")
    nginx = start_nginx(
        tmp_path, nginx_port, block.replace("127.0.0.1:8000", f"127.0.0.1:{app_port}")
    )
    try:
        with httpx.Client(timeout=10) as browser:
            providers = browser.get(f"{site}/keep/api/auth/providers").json()
            assert providers["workos"]["callbackUrl"] == f"{site}/keep/api/auth/callback/workos"
            landed = sign_in(browser, site, "/keep/api/auth/signin?callbackUrl=/keep/", "/keep/")
            assert landed.status_code == 302, landed.text
            assert landed.headers["location"] == f"{site}/keep/"
            home = browser.get(f"{site}/keep/")
            assert home.status_code == 200
            assert "Alice" in home.text
            session = browser.get(f"{site}/keep/api/auth/session").json()
            assert session["user"]["email"] == "alice@example.com"
            # The example's own links and forms carry the prefix: dashboard, sign-out.
            assert 'href="/keep/dashboard"' in home.text
            assert browser.get(f"{site}/keep/dashboard").status_code == 200
            action = form_action(home.text)
            assert action == "/keep/api/auth/signout"
            out = browser.post(site + action, data=form_fields(home.text), headers={"origin": site})
            assert out.status_code == 302
            assert out.headers["location"] == f"{site}/keep/"
            assert browser.get(f"{site}/keep/api/auth/session").json() == {}
            miss = browser.get(f"{site}/keep/dashboard", headers={"accept": "text/html"})
            assert miss.status_code == 302
            assert "callbackUrl=%2Fkeep%2Fdashboard" in miss.headers["location"]
    finally:
        nginx.stop()
        app.stop()
