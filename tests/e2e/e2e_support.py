"""Helpers for the browser tests: the example apps as real servers, and shared steps.

A unique module name (not ``helpers``), so it cannot clash with the other test folders'.
Each example runs as its own server process, from its own folder, in an environment
without WorkOS credentials, so it embeds the local WorkOS emulator (the Starlette and
FastAPI apps mount it at ``/_workos``; the Flask and Django apps serve it on a second
loopback port).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx
from playwright.sync_api import Page, Response, expect

from support import EXAMPLE_SETTINGS, free_port, path_of, query_lists

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = REPO_ROOT / "examples"
SCREENSHOTS = REPO_ROOT / "artifacts" / "screenshots"
DOCS_SIGNIN_PNG = REPO_ROOT / "docs" / "signin.png"

# Debian's Chromium (``playwright install`` is not used); another path may be given in
# WORKOS_MIDDLEWARE_CHROMIUM. A missing browser fails the tests unless SKIP_ENV is "1".
CHROMIUM = Path(os.environ.get("WORKOS_MIDDLEWARE_CHROMIUM") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SKIP_ENV = "WORKOS_MIDDLEWARE_SKIP_BROWSER"

# Settings the examples must NOT see: without them they embed the emulator.
SCRUBBED_ENV = EXAMPLE_SETTINGS
START_TIMEOUT = 20.0

# The Starlette and FastAPI examples mount the emulator in their own uvicorn server, so
# the middleware's pooled httpx client (idle connections kept 5 s, httpx's default) calls
# a server that closes idle connections after 5 s (uvicorn's default). When both clocks
# run out together, the middleware sends a request on a connection uvicorn is closing and
# gets RemoteProtocolError (test_denied_sign_in_shows_the_error[starlette] failed so). A
# server keep-alive well past the client's pool expiry means the client always retires an
# idle connection first. The uvicorn command line reads UVICORN_TIMEOUT_KEEP_ALIVE, so
# every example started below shares this without changing the documented command.
SERVER_KEEP_ALIVE_S = 75

NOT_SIGNED_IN = "Not signed in"
SSO_BUTTON = "Sign in with SSO"
DENIED_MESSAGE = "The sign-in was cancelled. Sign in again when you are ready."
NO_CONNECTION_MESSAGE = (
    "Single sign-on is not set up for that email address. "
    "Check the address, or ask your administrator."
)


@dataclass(frozen=True)
class Example:
    """What the tests need to know about one example app."""

    name: str
    signin_path: str  # where the sign-in page is rendered
    email_label: str  # the accessible name of its email field
    custom_signin_page: bool
    mounts_emulator: bool  # ASGI: at /_workos; WSGI: a second port (WORKOS_EMULATOR_PORT)

    @property
    def folder(self) -> Path:
        return EXAMPLES / f"{self.name}_app"

    def command(self, port: int) -> list[str]:
        """The documented way to run it, from its folder, with the tests' Python."""
        listen = ["--host", "127.0.0.1", "--port", str(port)]
        if self.name in ("starlette", "fastapi"):
            return [sys.executable, "-m", "uvicorn", "app:app", *listen]
        if self.name == "django":
            return [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
        return [sys.executable, "-m", "flask", "--app", "app", "run", *listen]


BUILT_IN_PAGE = "/api/auth/signin"
EXAMPLES_UNDER_TEST = {
    "starlette": Example("starlette", "/auth/signin", "Email", True, mounts_emulator=True),
    "flask": Example("flask", BUILT_IN_PAGE, "Work email", False, mounts_emulator=False),
    "fastapi": Example("fastapi", BUILT_IN_PAGE, "Work email", False, mounts_emulator=True),
    "django": Example("django", BUILT_IN_PAGE, "Work email", False, mounts_emulator=False),
}


@dataclass
class RunningExample:
    """An example app serving on loopback, with the emulator it embeds."""

    example: Example
    base_url: str
    emulator_url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    log_file: IO[bytes] = field(repr=False)

    @property
    def name(self) -> str:
        return self.example.name

    @property
    def callback_url(self) -> str:
        return f"{self.base_url}/api/auth/callback/workos"

    def url(self, path: str) -> str:
        return self.base_url + path

    def log_tail(self, lines: int = 40) -> str:
        self.log_file.flush()
        text = self.log_path.read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """Terminate the server's whole process group; kill it if it lingers."""
        try:
            if self.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGTERM)
                try:
                    self.process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(self.process.pid, signal.SIGKILL)
                    self.process.wait(timeout=5)
        finally:
            self.log_file.close()


def start_example(example: Example, log_dir: Path) -> RunningExample:
    """Start ``example`` as a server process and wait until it answers HTTP."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
    env.update(
        AUTH_URL=base_url,
        AUTH_SECRET=secrets.token_urlsafe(32),
        PYTHONUNBUFFERED="1",
        NO_COLOR="1",
        UVICORN_TIMEOUT_KEEP_ALIVE=str(SERVER_KEEP_ALIVE_S),
    )
    if not example.mounts_emulator:
        emulator_port = free_port()
        env["WORKOS_EMULATOR_PORT"] = str(emulator_port)
        emulator_url = f"http://127.0.0.1:{emulator_port}"
    else:
        emulator_url = f"{base_url}/_workos"
    log_path = log_dir / f"{example.name}.log"
    log_file = log_path.open("wb")
    process = subprocess.Popen(
        example.command(port),
        cwd=example.folder,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stop() ends any child too
    )
    running = RunningExample(example, base_url, emulator_url, process, log_path, log_file)
    try:
        wait_until_serving(running)
    except BaseException:
        running.stop()
        raise
    return running


def wait_until_serving(running: RunningExample) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if running.process.poll() is not None:
            raise RuntimeError(
                f"the {running.name} example exited with code {running.process.returncode}:\n"
                + running.log_tail()
            )
        try:
            httpx.get(running.url("/"), timeout=1.0)
        except httpx.TransportError:
            pass
        else:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"the {running.name} example did not answer at {running.base_url} within "
                f"{START_TIMEOUT:.0f} s:\n" + running.log_tail()
            )
        time.sleep(0.1)


# -- pages and steps ----------------------------------------------------------------


def screenshot(page: Page, example: str, name: str) -> Path:
    """A full-page PNG at ``artifacts/screenshots/<example>/<name>.png``."""
    path = SCREENSHOTS / example / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


def open_signin_page(page: Page, app: RunningExample) -> None:
    """From the anonymous home page, follow its "Sign in" link to the sign-in page."""
    page.goto(app.url("/"))
    expect(page.get_by_role("heading", name=NOT_SIGNED_IN)).to_be_visible()
    page.get_by_role("link", name="Sign in", exact=True).click()
    page.wait_for_url(lambda url: path_of(url) == app.example.signin_path)
    expect(page.get_by_role("button", name=SSO_BUTTON)).to_be_visible()


def submit_email(page: Page, app: RunningExample, email: str) -> None:
    """Type ``email`` on the sign-in page and press "Sign in with SSO".

    Returns once the browser is on the emulator's IdP page or back on the sign-in page.
    A sign-in form refused as a CSRF failure fails the test with what happened.
    """
    page.get_by_role("textbox", name=app.example.email_label, exact=True).fill(email)
    form_url = page.url
    with page.expect_request(
        lambda r: r.method == "POST" and path_of(r.url) == "/api/auth/signin/workos"
    ) as posted:
        page.get_by_role("button", name=SSO_BUTTON).click()
    origin = posted.value.all_headers().get("origin")
    page.wait_for_url(
        lambda url: (
            url.startswith(app.emulator_url + "/sso/authorize")
            or (url != form_url and path_of(url) == app.example.signin_path)
        )
    )
    page.wait_for_load_state()
    assert "csrf" not in query_lists(page.url), (
        f"the sign-in form's POST to /api/auth/signin/workos was refused as a CSRF failure "
        f"({page.url}) although it carried the page's own CSRF token: a real browser cannot "
        f"sign in. The browser sent Origin: {origin!r}. "
        f"Page says: {page.locator('main').inner_text()!r}"
    )


def sign_in_as_alice(page: Page, app: RunningExample) -> None:
    """The whole sign-in, without screenshots (for tests about what comes after)."""
    open_signin_page(page, app)
    submit_email(page, app, "alice@example.com")
    page.get_by_role("button", name="Sign in as Alice Anderson").click()
    page.wait_for_url(app.url("/"))
    expect(page.get_by_role("heading", name="Signed in")).to_be_visible()


def session_of(page: Page, app: RunningExample) -> object:
    """``GET /api/auth/session`` with the browser context's cookies."""
    response = page.request.get(app.url("/api/auth/session"))
    assert response.status == 200, response.text()
    return response.json()


def redirects_from(responses: list[Response], url_prefix: str) -> list[tuple[str, str]]:
    """``(request URL, Location)`` of every redirect answered under ``url_prefix``."""
    return [
        (response.url, response.headers.get("location", ""))
        for response in responses
        if response.url.startswith(url_prefix) and 300 <= response.status < 400
    ]
