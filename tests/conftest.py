"""Fixtures for the middleware's tests; they and the helpers live in ``tests/support``."""

from __future__ import annotations

from support.fixtures import adapter, client, make_client, portal, workos

__all__ = ["adapter", "client", "make_client", "portal", "workos"]
