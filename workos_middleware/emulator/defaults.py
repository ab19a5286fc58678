"""The built-in test data, read from ``default-data.json`` beside this module (its only copy).

The ids in that file never change between runs; the constants below are looked up in it, for
tests and docs that name a built-in organization, connection, user, directory or group.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DEFAULT_DATA_FILE = Path(__file__).with_name("default-data.json")
DEFAULT_DATA: dict[str, Any] = json.loads(DEFAULT_DATA_FILE.read_text(encoding="utf-8"))


def _organization_id(name: str) -> str:
    return str(next(o["id"] for o in DEFAULT_DATA["organizations"] if o["name"] == name))


def _connections() -> list[dict[str, Any]]:
    nested = [c for o in DEFAULT_DATA["organizations"] for c in o["connections"]]
    return nested + list(DEFAULT_DATA["connections"])


def _connection_id(name: str) -> str:
    return str(next(c["id"] for c in _connections() if c["name"] == name))


def _profile_id(email: str) -> str:
    users = [u for c in _connections() for u in c["users"]]
    return str(next(u["id"] for u in users if u["email"] == email))


EXAMPLE_ORG_ID = _organization_id("Example")
ACME_ORG_ID = _organization_id("Acme")
EXAMPLE_CONNECTION_ID = _connection_id("Example Okta")
ACME_CONNECTION_ID = _connection_id("Acme Entra ID")
GOOGLE_CONNECTION_ID = _connection_id("Google OAuth")
ALICE_ID = _profile_id("alice@example.com")
BOB_ID = _profile_id("bob@example.com")
CAROL_ID = _profile_id("carol@acme.test")
DANA_ID = _profile_id("dana@gmail.com")


def _directories() -> list[dict[str, Any]]:
    return [d for o in DEFAULT_DATA["organizations"] for d in o.get("directories", [])]


def _directory_part(part: str, field: str, value: str) -> str:
    """The id of the directory ``part`` (``users``, ``groups``, or ``""`` for the
    directories themselves) whose ``field`` is ``value``."""
    items = _directories() if part == "" else [x for d in _directories() for x in d[part]]
    return str(next(x["id"] for x in items if x[field] == value))


EXAMPLE_DIRECTORY_ID = _directory_part("", "name", "Example Okta SCIM")
ACME_DIRECTORY_ID = _directory_part("", "name", "Acme Entra ID SCIM")
ALICE_DIRECTORY_USER_ID = _directory_part("users", "email", "alice@example.com")
BOB_DIRECTORY_USER_ID = _directory_part("users", "email", "bob@example.com")
CAROL_DIRECTORY_USER_ID = _directory_part("users", "email", "carol@acme.test")
ENGINEERING_GROUP_ID = _directory_part("groups", "name", "Engineering")
ADMINS_GROUP_ID = _directory_part("groups", "name", "Admins")
SALES_GROUP_ID = _directory_part("groups", "name", "Sales")
FINANCE_GROUP_ID = _directory_part("groups", "name", "Finance")
