"""Fixtures for the middleware's tests; they and the helpers live in ``tests/support``."""

from __future__ import annotations

from support.adversary import browser, make_browser
from support.emulator import admin
from support.fixtures import (
    adapter,
    client,
    closed_store,
    make_client,
    portal,
    redis_cluster,
    redis_cluster_url,
    redis_server,
    redis_tls_server,
    redis_url,
    workos,
)
from support.matrix import any_entry, entry_point, make_entry

__all__ = [
    "adapter",
    "admin",
    "any_entry",
    "browser",
    "client",
    "closed_store",
    "entry_point",
    "make_browser",
    "make_client",
    "make_entry",
    "portal",
    "redis_cluster",
    "redis_cluster_url",
    "redis_server",
    "redis_tls_server",
    "redis_url",
    "workos",
]
