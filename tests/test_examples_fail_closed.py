"""The examples fail closed: started as their READMEs say, without ``WORKOS_API_KEY``,
they embed the WorkOS emulator only on a loopback ``AUTH_URL`` (or with
``WORKOS_EMULATOR=1``); on any other address they exit at start-up, naming the setting.
Each example runs as a real server process, stopped by its PID."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from workos_middleware.emulator.embedded import BANNER, embedded_origin

from support import EXAMPLE_SETTINGS, free_port

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
BIN = Path(sys.executable).parent
SECRET = "examples-secret-0123456789abcdef"


def command(example: str, port: int) -> tuple[list[str], Path]:
    """The start command of the example's README, on ``port``, and where it runs."""
    if example == "django":
        folder = EXAMPLES / "django_app"
        return [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"], folder
    folder = EXAMPLES / f"{example}_app"
    if example == "flask":
        return [str(BIN / "flask"), "--app", "app", "run", "--port", str(port)], folder
    return [str(BIN / "uvicorn"), "app:app", "--port", str(port)], folder


def start(example: str, port: int, **settings: str) -> subprocess.Popen[str]:
    environ = {k: v for k, v in os.environ.items() if k not in EXAMPLE_SETTINGS}
    environ.update(AUTH_SECRET=SECRET, **settings)
    argv, folder = command(example, port)
    return subprocess.Popen(
        argv,
        cwd=folder,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()


def home_page(process: subprocess.Popen[str], url: str) -> httpx.Response:
    """``GET url`` once the server answers (60 s at most: a loaded machine is slow)."""
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            pytest.fail(f"the example exited ({process.returncode}): {process.stderr.read()}")  # type: ignore[union-attr]
        try:
            return httpx.get(url, timeout=5)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


EXAMPLE_NAMES = ["starlette", "fastapi", "flask", "django"]


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_without_the_key_on_a_public_address_the_example_exits_naming_it(example: str) -> None:
    process = start(example, free_port(), AUTH_URL="https://demo.example.com")
    try:
        _, err = process.communicate(timeout=90)
    finally:
        stop(process)
    assert process.returncode != 0
    assert "WORKOS_API_KEY is not set" in err, err
    assert "Traceback" not in err, err


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_on_loopback_the_example_embeds_the_emulator_as_before(example: str) -> None:
    port = free_port()
    process = start(example, port, AUTH_URL=f"http://127.0.0.1:{port}")
    try:
        page = home_page(process, f"http://127.0.0.1:{port}/")
        assert page.status_code == 200
        assert BANNER in page.text  # the offline demo, signed in through the emulator
    finally:
        stop(process)


def test_the_opt_in_embeds_the_emulator_on_any_address() -> None:
    port = free_port()
    process = start(
        "starlette", port, AUTH_URL=f"http://127.0.0.1.nip.invalid:{port}", WORKOS_EMULATOR="1"
    )
    try:
        page = home_page(process, f"http://127.0.0.1:{port}/")
        assert BANNER in page.text
    finally:
        stop(process)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000",
        "http://127.9.8.7",
        "http://localhost:3000/app",
        "http://[::1]:8000",
    ],
)
def test_loopback_addresses_embed(url: str) -> None:
    assert embedded_origin({"AUTH_URL": url}) == url.split("/app")[0]


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com",
        "http://10.0.0.8:8000",
        "http://0.0.0.0:8000",
        "http://localhost.example.com",
        "http://127.0.0.1.nip.io",
        "http://[fe80::1]",
    ],
)
def test_other_addresses_refuse_to_start(url: str) -> None:
    with pytest.raises(SystemExit, match="WORKOS_API_KEY is not set"):
        embedded_origin({"AUTH_URL": url})
    assert embedded_origin({"AUTH_URL": url, "WORKOS_API_KEY": "sk_live"}) is None
    assert embedded_origin({"AUTH_URL": url, "WORKOS_EMULATOR": "1"}) is not None
