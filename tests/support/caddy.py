"""A real Caddy for the proxy tests: Debian's ``caddy`` package (``make test`` installs it
when missing, as root), run in the foreground from a temporary Caddyfile on a free
loopback port, with no admin endpoint and no automatic HTTPS, stopped afterwards."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from .proxy import Server, start

CADDY = shutil.which("caddy") or "/usr/bin/caddy"
SKIP_ENV = "WORKOS_MIDDLEWARE_SKIP_CADDY"


def caddyfile(port: int, site_block: str) -> str:
    """A whole Caddyfile: one plain-HTTP site on ``port`` with ``site_block`` inside."""
    return f"{{\n\tadmin off\n\tauto_https off\n}}\nhttp://127.0.0.1:{port} {{\n{site_block}}}\n"


def start_caddy(folder: Path, port: int, site_block: str) -> Server:
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "Caddyfile"
    config.write_text(caddyfile(port, site_block))
    # Caddy keeps its state under XDG folders: the temporary one, not the user's.
    env = {"XDG_CONFIG_HOME": str(folder / "config"), "XDG_DATA_HOME": str(folder / "data")}
    check = subprocess.run(
        [CADDY, "validate", "--config", str(config), "--adapter", "caddyfile"],
        capture_output=True,
        text=True,
        env=env,
    )
    if check.returncode != 0:
        raise RuntimeError(f"caddy rejects the config:\n{check.stderr}\n{config.read_text()}")
    command = [CADDY, "run", "--config", str(config), "--adapter", "caddyfile"]
    return start(command, port, folder / "caddy.log", folder, env)
