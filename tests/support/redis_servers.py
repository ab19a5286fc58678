"""Real Redis servers for the tests: one ``redis-server``, or a six-node Redis Cluster.

Debian's ``redis-server`` and ``redis-cli`` (``make test`` installs them when missing).
Each server listens on a free loopback port, keeps its files in a temporary folder and
is stopped by the fixture that started it. With ``WORKOS_MIDDLEWARE_SKIP_REDIS=1`` the
tests that need one are skipped; otherwise a missing ``redis-server`` is a failure.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest

from .live import free_port

SKIP_ENV = "WORKOS_MIDDLEWARE_SKIP_REDIS"
REDIS_SERVER = os.environ.get("WORKOS_MIDDLEWARE_REDIS_SERVER", "redis-server")
REDIS_CLI = os.environ.get("WORKOS_MIDDLEWARE_REDIS_CLI", "redis-cli")


def require_redis() -> None:
    if os.environ.get(SKIP_ENV) == "1":
        pytest.skip(f"Redis tests skipped: {SKIP_ENV}=1")
    if shutil.which(REDIS_SERVER) is None or shutil.which(REDIS_CLI) is None:
        pytest.fail(
            "redis-server is not installed: run `make test` as root, or "
            f"`sudo apt-get install -y redis-server`, or set {SKIP_ENV}=1 to skip these tests"
        )


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_cluster_port() -> int:
    """A free port whose cluster bus port (10000 higher) is free too, both at most 65535."""
    import random

    for _ in range(200):
        port = random.randrange(20000, 55000)
        if _bindable(port) and _bindable(port + 10000):
            return port
    raise RuntimeError("no free port pair for a Redis Cluster node")


def _ping(port: int, ca_file: Path | None = None) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as raw:
            sock = raw
            if ca_file is not None:
                context = ssl.create_default_context(cafile=str(ca_file))
                sock = context.wrap_socket(raw, server_hostname="127.0.0.1")
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key (PEM files in ``folder``)."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


class RedisServer:
    """One ``redis-server`` process on ``127.0.0.1:<port>`` with its files in ``folder``."""

    def __init__(
        self, folder: Path, *extra: str, port: int | None = None, tls: bool = False
    ) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.extra = extra
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None
        # With tls, the only port speaks TLS (a self-signed certificate for 127.0.0.1).
        self.ca_file: Path | None = None
        if tls:
            self.ca_file, key_file = self_signed_certificate(folder)
            self.extra = (
                "--port", "0", "--tls-port", str(self.port),
                "--tls-cert-file", str(self.ca_file), "--tls-key-file", str(key_file),
                "--tls-ca-cert-file", str(self.ca_file), "--tls-auth-clients", "no",
                *extra,
            )  # fmt: skip

    @property
    def url(self) -> str:
        scheme = "rediss" if self.ca_file is not None else "redis"
        return f"{scheme}://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        command = [
            REDIS_SERVER,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(self.folder),
            "--save", "",
            "--daemonize", "no",
            "--loglevel", "warning",
            "--logfile", str(self.folder / "redis.log"),
            *self.extra,
        ]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while not _ping(self.port, self.ca_file):
            if self.process.poll() is not None or time.monotonic() > deadline:
                log = (self.folder / "redis.log").read_text(errors="replace")[-2000:]
                self.stop()
                raise RuntimeError(f"redis-server did not start on port {self.port}: {log}")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        """Stop the server as an operator would (SIGTERM: it saves, if configured to)."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stderr is not None:
            process.stderr.close()

    def kill(self) -> None:
        """Kill the server as a crash would (SIGKILL: nothing saved, no goodbye)."""
        process, self.process = self.process, None
        if process is not None:
            process.kill()
            process.wait()
            if process.stderr is not None:
                process.stderr.close()

    def cli(self, *args: str) -> str:
        tls = ["--tls", "--cacert", str(self.ca_file)] if self.ca_file is not None else []
        result = subprocess.run(
            [REDIS_CLI, "-p", str(self.port), *tls, *args],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        return result.stdout


class RedisCluster:
    """A Redis Cluster on loopback ports: ``masters`` masters, each with ``replicas``
    replicas (three and one: six nodes, as a production cluster that survives losing a
    master). Nodes keep an append-only file, so a node stopped and started again comes
    back with its data, as a production node does; the node timeout is short (1 s), so a
    replica takes over a killed master within a few seconds."""

    def __init__(self, folder: Path, masters: int = 3, replicas: int = 1) -> None:
        self.replicas = replicas
        self.nodes = [
            RedisServer(
                folder / f"node{i}",
                "--cluster-enabled", "yes",
                "--cluster-config-file", "nodes.conf",
                "--cluster-node-timeout", "1000",
                "--appendonly", "yes",
                "--appendfsync", "always",
                port=free_cluster_port(),
            )
            for i in range(masters * (1 + replicas))
        ]  # fmt: skip

    @property
    def url(self) -> str:
        return f"redis+cluster://127.0.0.1:{self.nodes[0].port}"

    def start(self) -> RedisCluster:
        try:
            for node in self.nodes:
                node.start()
            addresses = [f"127.0.0.1:{node.port}" for node in self.nodes]
            create = [REDIS_CLI, "--cluster", "create", *addresses]
            subprocess.run(
                [*create, "--cluster-replicas", str(self.replicas), "--cluster-yes"],
                capture_output=True,
                text=True,
                timeout=60,
                check=True,
            )
            self.wait_ok()
        except BaseException:
            self.stop()
            raise
        return self

    def wait_ok(self, timeout: float = 30) -> None:
        """Wait until every running node says ``cluster_state:ok`` and knows every
        replica is attached (after a start, a restart or a failover)."""
        deadline = time.monotonic() + timeout
        while True:
            running = [n for n in self.nodes if n.process is not None]
            try:
                ready = all("cluster_state:ok" in n.cli("cluster", "info") for n in running)
                ready = ready and len(self.masters()) * (1 + self.replicas) == len(running)
            except subprocess.CalledProcessError:
                ready = False
            if ready:
                return
            if time.monotonic() > deadline:
                raise RuntimeError("the Redis Cluster did not reach cluster_state:ok")
            time.sleep(0.1)

    def _table(self) -> list[list[str]]:
        node = next(n for n in self.nodes if n.process is not None)
        return [line.split() for line in node.cli("cluster", "nodes").splitlines() if line]

    def masters(self) -> list[RedisServer]:
        """The nodes that serve slots now (masters that are not marked failed)."""
        ports = {
            int(row[1].split("@")[0].rsplit(":", 1)[1])
            for row in self._table()
            if "master" in row[2] and "fail" not in row[2] and len(row) > 8
        }
        return [n for n in self.nodes if n.port in ports]

    def master_of(self, key: str) -> RedisServer:
        """The node serving ``key``'s slot now."""
        slot = int(self.masters()[0].cli("cluster", "keyslot", key))
        for row in self._table():
            if "master" not in row[2] or "fail" in row[2]:
                continue
            for spec in row[8:]:
                low, _, high = spec.partition("-")
                if not spec.startswith("[") and int(low) <= slot <= int(high or low):
                    port = int(row[1].split("@")[0].rsplit(":", 1)[1])
                    return next(n for n in self.nodes if n.port == port)
        raise LookupError(f"no master serves slot {slot}")

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()

    def flush(self) -> None:
        for node in self.masters():
            node.cli("flushall")
