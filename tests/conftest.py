"""Fixtures for the middleware's tests; they and the helpers live in ``tests/support``."""

from __future__ import annotations

from support.emulator import admin
from support.fixtures import (
    adapter,
    client,
    make_client,
    portal,
    redis_cluster,
    redis_cluster_url,
    redis_server,
    redis_tls_server,
    redis_url,
    workos,
)

__all__ = [
    "adapter",
    "admin",
    "client",
    "make_client",
    "portal",
    "redis_cluster",
    "redis_cluster_url",
    "redis_server",
    "redis_tls_server",
    "redis_url",
    "workos",
]
