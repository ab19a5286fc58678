"""The path-bypass list against real servers: uvicorn (ASGI) and gunicorn (WSGI), each
request sent raw over a socket, so the server's own parsing and decoding is in the way
exactly as in production. None may reach the protected content without a session."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import free_port
from support.proxy import Server, app_env, raw_get, start

BYPASS_FILE = Path(__file__).parent / "data" / "protect-bypass.txt"
BYPASS_PATHS = [
    line for line in BYPASS_FILE.read_text().splitlines() if line and not line.startswith("#")
]
CONTENT = b"PROTECTED-CONTENT"

APP_MODULE = """
from workos_middleware import AuthConfig, AuthMiddleware, WorkOSProvider, WSGIAuthMiddleware

config = AuthConfig(
    providers=[WorkOSProvider(client_id="client_1", client_secret="sk_1")],
    secret="server-test-secret-0123456789",
    url="http://127.0.0.1",
    protect=["/admin/**", "/dashboard", "/orgs/*/settings"],
    public=["/public/**", "/static/**"],
)


async def echo(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"PROTECTED-CONTENT"})


def echo_wsgi(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"PROTECTED-CONTENT"]


asgi = AuthMiddleware(echo, config)
wsgi = WSGIAuthMiddleware(echo_wsgi, config)
"""


@pytest.fixture(scope="module", params=["uvicorn", "gunicorn"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("bypass")
    (folder / "protected_app.py").write_text(APP_MODULE)
    port = free_port()
    env = app_env(PYTHONPATH=os.pathsep.join([str(folder), *sys.path]))
    if request.param == "uvicorn":
        command = [sys.executable, "-m", "uvicorn", "protected_app:asgi", "--port", str(port)]
    else:
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "-b",
            f"127.0.0.1:{port}",
            "protected_app:wsgi",
        ]
    running = start(command, port, folder / "server.log", folder, env)
    try:
        yield running
    finally:
        running.stop()


def test_every_bypass_attempt_is_stopped_by_a_real_server(server: Server) -> None:
    reached = []
    for raw_path in BYPASS_PATHS:
        status, body = raw_get(server.port, raw_path)
        if CONTENT in body:
            reached.append((raw_path, status))
    assert reached == []
    # And the content is there for a path no rule protects: the test can fail.
    status, body = raw_get(server.port, "/public/x")
    assert status == 200 and CONTENT in body
