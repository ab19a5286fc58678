"""Directories, roles and webhook endpoints in the data file and the admin API."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from workos_middleware.emulator import DataError, create_app
from workos_middleware.emulator.datafile import dump_data, load_data, parse_data
from workos_middleware.emulator.defaults import (
    ALICE_DIRECTORY_USER_ID,
    DEFAULT_DATA,
    EXAMPLE_DIRECTORY_ID,
    EXAMPLE_ORG_ID,
)

from emulator_helpers import API_KEY, CLIENT_ID, REDIRECT_URI, choose, token_fields, verify_jwt
from support import FrozenClock

EXAMPLE_FILE = Path(__file__).parents[2] / "examples" / "emulator-data.json"
AUTH = {"Authorization": f"Bearer {API_KEY}"}
BOB = "user_01HVB0B0000000000000000000"


def with_directory(directory: dict[str, Any]) -> dict[str, Any]:
    return {"organizations": [{"name": "Globex", "directories": [directory]}]}


def test_the_example_files_directory_users_are_its_sso_users(clock: FrozenClock) -> None:
    data = dump_data(load_data(EXAMPLE_FILE))
    [globex] = data["organizations"]
    [directory] = globex["directories"]
    sso = {u["email"]: u["idp_id"] for u in globex["connections"][0]["users"]}
    assert {u["email"]: u["idp_id"] for u in directory["users"]} == sso
    assert [u["state"] for u in directory["users"]] == ["active", "inactive"]
    engineering = next(g["id"] for g in directory["groups"] if g["name"] == "Engineering")
    assert directory["users"][0]["groups"] == [engineering]
    assert [w["url"] for w in data["webhooks"]] == [
        "http://127.0.0.1:8000/api/auth/webhooks/workos"
    ]
    assert [r["slug"] for r in data["roles"]] == ["admin", "member"]
    assert parse_data(data) == load_data(EXAMPLE_FILE)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (with_directory({"name": "D", "state": "broken"}), "directories[0].state: expected one"),
        (
            with_directory({"name": "D", "users": [{"email": "a@globex.test", "groups": ["X"]}]}),
            "directories[0].users[0].groups[0]: no group 'X'",
        ),
        (
            with_directory({"name": "D", "users": [{"email": "a@globex.test", "state": "gone"}]}),
            "users[0].state: expected one of active, inactive, suspended",
        ),
        (
            with_directory({"name": "D", "groups": [{"name": "G"}, {"name": "G"}]}),
            "duplicate group 'G'",
        ),
        (with_directory({"name": "D", "colour": "red"}), "unknown field 'colour'"),
        ({"webhooks": [{"url": "localhost:8000/x", "secret": "s"}]}, "webhooks[0].url"),
        ({"webhooks": [{"url": "http://127.0.0.1/x"}]}, "webhooks[0].secret"),
        ({"roles": [{"slug": "admin"}, {"slug": "admin"}]}, "roles[1].slug: duplicate"),
        ({"roles": [{"permissions": ["x"]}]}, "roles[0].slug"),
    ],
)
def test_bad_data_names_the_field(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(DataError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_data(raw)


def test_the_admin_api_adds_a_directory_and_its_users(client: TestClient) -> None:
    directory = {
        "organization_id": EXAMPLE_ORG_ID,
        "name": "Second directory",
        "groups": [{"name": "Ops"}],
    }
    answer = client.put("/_emulator/directories/directory_second", json=directory)
    assert answer.status_code == 200, answer.text
    listed = client.get("/directories", params={"organization_id": EXAMPLE_ORG_ID}, headers=AUTH)
    assert {d["id"] for d in listed.json()["data"]} == {EXAMPLE_DIRECTORY_ID, "directory_second"}
    created = client.put(
        "/_emulator/directories/directory_second/users/directory_user_olga",
        json={"email": "olga@example.com", "groups": ["Ops"]},
    )
    assert created.status_code == 200 and created.json()["event"] == "dsync.user.created"
    renamed = client.put(
        "/_emulator/directories/directory_second/users/directory_user_olga",
        json={"email": "olga@example.com", "first_name": "Olga"},
    )
    event = renamed.json()
    assert event["event"] == "dsync.user.updated"
    assert event["data"]["previous_attributes"] == {"first_name": None, "name": None}
    moved = client.put(
        f"/_emulator/directories/directory_second/users/{ALICE_DIRECTORY_USER_ID}",
        json={"email": "alice@example.com"},
    )
    assert moved.status_code == 400 and "another directory" in moved.json()["message"]
    assert (
        client.put(
            "/_emulator/directories/directory_nope/users/x", json={"email": "x@example.com"}
        ).status_code
        == 404
    )
    assert client.put("/_emulator/directories/d", json={"name": "No org"}).status_code == 400
    assert client.delete("/_emulator/directories/directory_second").status_code == 204
    assert client.delete("/_emulator/directories/directory_second").status_code == 404
    assert client.get("/directory_users/directory_user_olga", headers=AUTH).status_code == 404


def test_deleting_an_organization_deletes_its_directories(client: TestClient) -> None:
    assert client.delete(f"/_emulator/organizations/{EXAMPLE_ORG_ID}").status_code == 204
    assert client.get(f"/directories/{EXAMPLE_DIRECTORY_ID}", headers=AUTH).status_code == 404


def test_the_built_in_data_has_roles_and_directories() -> None:
    roles = {r["slug"]: r["permissions"] for r in DEFAULT_DATA["roles"]}
    assert roles == {
        "admin": ["reports:read", "reports:write", "widgets:manage"],
        "member": ["reports:read"],
    }
    assert DEFAULT_DATA["webhooks"] == []


def test_a_roles_permissions_are_in_the_access_token() -> None:
    """Permissions come from the membership's role; changing the role's permissions through
    the admin API changes the next token's."""
    app = create_app(clock=FrozenClock(time.time()))
    with TestClient(app, base_url="http://emulator.test", follow_redirects=False) as client:

        def claims() -> dict[str, Any]:
            """Bob signs in on AuthKit's hosted page: his access token's claims."""
            params = {
                "client_id": CLIENT_ID,
                "redirect_uri": REDIRECT_URI,
                "response_type": "code",
                "provider": "authkit",
            }
            code = choose(client, "/user_management/authorize", params, user=BOB)["code"]
            body = client.post("/user_management/authenticate", data=token_fields(code)).json()
            return verify_jwt(body["access_token"], client.get(f"/sso/jwks/{CLIENT_ID}").json())

        first = claims()
        assert (first["role"], first["permissions"]) == ("member", ["reports:read"])
        changed = client.put(
            "/_emulator/roles/member", json={"permissions": ["reports:read", "reports:export"]}
        )
        assert changed.status_code == 200
        assert claims()["permissions"] == ["reports:read", "reports:export"]
        assert client.put("/_emulator/roles/member", json={"permissions": "all"}).status_code == 400
        assert client.delete("/_emulator/roles/member").status_code == 204
        assert claims()["permissions"] == []
        assert client.delete("/_emulator/roles/member").status_code == 404
