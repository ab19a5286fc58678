"""Both examples behind a real nginx under a path prefix, and nginx forward-auth
protecting a static folder, through the whole sign-in against the WorkOS emulator.

The nginx configurations are read from docs/deploy.md (the blocks marked
``<!-- tested: ... -->``), so the documented ones are the tested ones. Servers: nginx
(Debian's package), uvicorn, gunicorn and the emulator, each on a free loopback port and
stopped afterwards. ``WORKOS_MIDDLEWARE_SKIP_NGINX=1`` skips this module; otherwise a
missing nginx is a failure.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from workos_middleware.emulator import DEFAULT_API_KEY, DEFAULT_CLIENT_ID
from workos_middleware.emulator.defaults import ALICE_ID

from support import free_port
from support.emulator import pick
from support.proxy import (
    EXAMPLES,
    NGINX,
    REPO_ROOT,
    SKIP_ENV,
    Server,
    app_env,
    form_action,
    form_fields,
    gunicorn,
    start,
    start_nginx,
    uvicorn,
)

pytestmark = pytest.mark.skipif(os.environ.get(SKIP_ENV) == "1", reason=f"{SKIP_ENV}=1")

DEPLOY_DOC = REPO_ROOT / "docs" / "deploy.md"


def documented(name: str) -> str:
    """The nginx block marked ``<!-- tested: name -->`` in docs/deploy.md."""
    text = DEPLOY_DOC.read_text()
    found = re.search(rf"<!-- tested: {name} -->\n```nginx\n(.*?)```", text, re.S)
    assert found is not None, f"docs/deploy.md has no tested block {name!r}"
    return found.group(1)


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not Path(NGINX).exists():
        pytest.fail(
            f"nginx is not installed ({NGINX}): apt-get install nginx, or set {SKIP_ENV}=1",
            pytrace=False,
        )
    port = free_port()
    log = tmp_path_factory.mktemp("emulator") / "emulator.log"
    command = [sys.executable, "-m", "workos_middleware.emulator", "--port", str(port)]
    server = start([*command, "--log-level", "warning"], port, log, REPO_ROOT, dict(os.environ))
    try:
        yield server.url
    finally:
        server.stop()


def example_env(emulator: str, **settings: str) -> dict[str, str]:
    return app_env(
        WORKOS_CLIENT_ID=DEFAULT_CLIENT_ID,
        WORKOS_API_KEY=DEFAULT_API_KEY,
        WORKOS_BASE_URL=emulator,
        **settings,
    )


def sign_in(browser: httpx.Client, site: str, start_path: str, callback_url: str) -> httpx.Response:
    """The whole sign-in as a browser does it, from ``start_path`` on ``site``; returns
    the app's final redirect back to the page it was asked for."""
    response = browser.get(site + start_path)
    while response.status_code == 302 and "/signin" in response.headers["location"]:
        response = browser.get(response.headers["location"])
    assert response.status_code == 200, response.text
    fields = form_fields(response.text)
    assert fields["callbackUrl"] == callback_url
    fields["email"] = "alice@example.com"
    started = browser.post(form_action(response.text), data=fields, headers={"origin": site})
    assert started.status_code == 302, started.text
    authorize = started.headers["location"]
    redirect_uri = parse_qs(urlsplit(authorize).query)["redirect_uri"][0]
    back = pick(browser, authorize, user=ALICE_ID)
    assert back.startswith(redirect_uri + "?")
    return browser.get(back)


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


RAW_TRICKS = [
    "/private/index.html",
    "/private//index.html",
    "//private/index.html",
    "/x/../private/index.html",
    "/private/./index.html",
    "/%70rivate/index.html",
    "/private%2findex.html",
    "/x/%2e%2e/private/index.html",
    "/private/index.html?x=/api/auth/signin",
    "/private/index.html;x=1",
    "/PRIVATE/index.html",
    "/api/auth/../../private/index.html",
]


@pytest.fixture
def static_site(tmp_path: Path) -> Path:
    folder = tmp_path / "private"
    folder.mkdir()
    (folder / "index.html").write_text("<h1>STATIC-SECRET</h1>")
    return folder


def test_forward_auth_protects_a_static_folder(
    emulator: str, tmp_path: Path, static_site: Path
) -> None:
    nginx_port, app_port = free_port(), free_port()
    site = f"http://127.0.0.1:{nginx_port}"
    env = example_env(emulator, AUTH_URL=site)
    app = uvicorn(EXAMPLES / "starlette_app", app_port, tmp_path / "app.log", env)
    block = (
        documented("forward-auth")
        .replace("127.0.0.1:8000", f"127.0.0.1:{app_port}")
        .replace("/srv/private/", f"{static_site}/")
    )
    (tmp_path / "nginx").mkdir()
    nginx = start_nginx(tmp_path / "nginx", nginx_port, block)
    try:
        with httpx.Client(timeout=10) as browser:
            # Anonymous: sent to sign in, the static file never served.
            miss = browser.get(f"{site}/private/index.html")
            assert miss.status_code == 302
            assert miss.headers["location"] == (
                f"{site}/api/auth/signin?callbackUrl=/private/index.html"
            )
            assert "STATIC-SECRET" not in miss.text
            # Spoofed identity and original-URI headers change nothing.
            spoofed = browser.get(
                f"{site}/private/index.html",
                headers={
                    "x-auth-request-user": "root",
                    "x-original-uri": "/",
                    "x-forwarded-uri": "/",
                },
            )
            assert spoofed.status_code == 302 and "STATIC-SECRET" not in spoofed.text
            # Path tricks through nginx stay behind the gate (nginx normalises first).
            for trick in [
                "/private//index.html",
                "/x/../private/index.html",
                "/private/./index.html",
            ]:
                sneaky = browser.get(f"{site}{trick}")
                assert "STATIC-SECRET" not in sneaky.text, trick

            landed = sign_in(
                browser,
                site,
                "/api/auth/signin?callbackUrl=/private/index.html",
                "/private/index.html",
            )
            assert landed.headers["location"] == f"{site}/private/index.html"
            page = browser.get(f"{site}/private/index.html")
            assert page.status_code == 200
            assert "STATIC-SECRET" in page.text
            assert page.headers["x-signed-in-as"] == "alice@example.com"
            # The endpoint itself, as the proxy sees it.
            direct = browser.get(f"{site}/api/auth/forward-auth")
            assert direct.status_code == 200
            assert direct.headers["x-auth-request-email"] == "alice@example.com"
    finally:
        nginx.stop()
        app.stop()
