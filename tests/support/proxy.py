"""Real servers for the proxy tests: nginx from a temporary config, app servers, the
emulator, and the documented configurations read from docs/deploy.md.

nginx is Debian's package (``make test`` installs it when missing, as root); each
fixture writes a config into a temporary folder, starts nginx on a free loopback port
in the foreground and stops it afterwards. The app servers are the documented
commands (uvicorn, gunicorn) run from the example's folder. (Caddy: ``caddy.py``.)
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

from workos_middleware.emulator import DEFAULT_API_KEY, DEFAULT_CLIENT_ID
from workos_middleware.emulator.defaults import ALICE_ID

from .emulator import pick
from .live import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = REPO_ROOT / "examples"
DEPLOY_DOC = REPO_ROOT / "docs" / "deploy.md"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SKIP_ENV = "WORKOS_MIDDLEWARE_SKIP_NGINX"
START_TIMEOUT = 20.0


def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port} after {START_TIMEOUT}s:\n{log.read_text()}")


@dataclass
class Server:
    """A server process in its own process group, and its log."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)


def start(command: list[str], port: int, log: Path, cwd: Path, env: dict[str, str]) -> Server:
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Server(process, port, log)
    try:
        wait_for_port(port, process, log)
    except Exception:
        server.stop()
        raise
    return server


def nginx_config(folder: Path, port: int, server_block: str) -> Path:
    """A complete nginx.conf: one server on ``port`` with ``server_block`` inside."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / name).mkdir(exist_ok=True)
    user = "user root root;\n" if os.geteuid() == 0 else ""
    conf = folder / "nginx.conf"
    conf.write_text(
        f"""{user}daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log {folder}/access.log;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    server {{
        listen 127.0.0.1:{port};
{server_block}
    }}
}}
"""
    )
    return conf


def start_nginx(folder: Path, port: int, server_block: str) -> Server:
    conf = nginx_config(folder, port, server_block)
    check = subprocess.run(
        [NGINX, "-t", "-p", str(folder), "-c", str(conf)], capture_output=True, text=True
    )
    if check.returncode != 0:
        raise RuntimeError(f"nginx rejects the config:\n{check.stderr}\n{conf.read_text()}")
    return start(
        [NGINX, "-p", str(folder), "-c", str(conf)], port, folder / "nginx.log", folder, {}
    )


def app_env(**settings: str) -> dict[str, str]:
    """The environment of an example server: this one, minus every auth setting."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("WORKOS_", "AUTH_", "NEXTAUTH_", "FLASK_", "SCRIPT_NAME"))
    }
    env["AUTH_SECRET"] = secrets.token_urlsafe(32)
    env.update(settings)
    return env


def uvicorn(
    folder: Path, port: int, log: Path, env: dict[str, str], *extra: str, app: str = "app:app"
) -> Server:
    command = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1"]
    return start([*command, "--port", str(port), *extra], port, log, folder, env)


def gunicorn(folder: Path, port: int, log: Path, env: dict[str, str]) -> Server:
    command = [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind"]
    return start([*command, f"127.0.0.1:{port}", "app:app"], port, log, folder, env)


def raw_get(port: int, raw_target: str) -> tuple[int, bytes]:
    """GET ``raw_target`` exactly as written (no client normalises it): status, body."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        request = f"GET {raw_target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        sock.sendall((request + "Connection: close\r\n\r\n").encode("latin-1"))
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    data = b"".join(chunks)
    status = int(data.split(b" ", 2)[1])
    return status, data.partition(b"\r\n\r\n")[2]


def form_fields(html: str) -> dict[str, str]:
    """The ``name="..." value="..."`` pairs of a page's inputs (enough for our forms)."""
    import re
    from html import unescape

    fields: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            fields[name.group(1)] = unescape(value.group(1)) if value else ""
    return fields


def form_action(html: str) -> str:
    import re
    from html import unescape

    found = re.search(r'<form[^>]*method="post"[^>]*action="([^"]*)"', html)
    assert found is not None, html
    return unescape(found.group(1))


def documented(name: str, language: str = "nginx") -> str:
    """The ``language`` block marked ``<!-- tested: name -->`` in docs/deploy.md: the
    documented configuration is the tested one."""
    text = DEPLOY_DOC.read_text()
    found = re.search(rf"<!-- tested: {name} -->\n```{language}\n(.*?)```", text, re.S)
    assert found is not None, f"docs/deploy.md has no tested {language} block {name!r}"
    return found.group(1)


def start_emulator(folder: Path) -> Server:
    """The WorkOS emulator as its own server (``python -m workos_middleware.emulator``)."""
    port = free_port()
    command = [sys.executable, "-m", "workos_middleware.emulator", "--port", str(port)]
    command += ["--log-level", "warning"]
    return start(command, port, folder / "emulator.log", REPO_ROOT, dict(os.environ))


def example_env(emulator: str, **settings: str) -> dict[str, str]:
    """An app server's environment pointing at the emulator with its demo credentials."""
    return app_env(
        WORKOS_CLIENT_ID=DEFAULT_CLIENT_ID,
        WORKOS_API_KEY=DEFAULT_API_KEY,
        WORKOS_BASE_URL=emulator,
        **settings,
    )


def sign_in(
    browser: httpx.Client,
    site: str,
    start_path: str,
    callback_url: str,
    user: str = ALICE_ID,
    email: str = "alice@example.com",
) -> httpx.Response:
    """The whole sign-in as a browser does it, from ``start_path`` on ``site``; returns
    the app's final redirect back to the page it was asked for."""
    response = browser.get(site + start_path)
    while response.status_code == 302 and "/signin" in response.headers["location"]:
        response = browser.get(response.headers["location"])
    assert response.status_code == 200, response.text
    fields = form_fields(response.text)
    assert fields["callbackUrl"] == callback_url
    fields["email"] = email
    started = browser.post(form_action(response.text), data=fields, headers={"origin": site})
    assert started.status_code == 302, started.text
    authorize = started.headers["location"]
    redirect_uri = parse_qs(urlsplit(authorize).query)["redirect_uri"][0]
    back = pick(browser, authorize, user=user)
    assert back.startswith(redirect_uri + "?")
    return browser.get(back)
