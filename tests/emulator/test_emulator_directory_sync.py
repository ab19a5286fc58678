"""Directory Sync: the official ``workos`` SDK lists and reads the emulator's directories,
users and groups; the seeded directory users are the people who sign in through SSO."""

from __future__ import annotations

import httpx
import pytest
from starlette.testclient import TestClient
from workos import AuthenticationError, NotFoundError, UnprocessableEntityError, WorkOSClient

from workos_middleware.emulator.defaults import (
    ACME_DIRECTORY_ID,
    ACME_ORG_ID,
    ADMINS_GROUP_ID,
    ALICE_DIRECTORY_USER_ID,
    ALICE_ID,
    BOB_DIRECTORY_USER_ID,
    CAROL_DIRECTORY_USER_ID,
    ENGINEERING_GROUP_ID,
    EXAMPLE_DIRECTORY_ID,
    EXAMPLE_ORG_ID,
    SALES_GROUP_ID,
)

from emulator_helpers import API_KEY, CLIENT_ID, sign_in, token_fields
from support import LiveServer

AUTH = {"Authorization": f"Bearer {API_KEY}"}


def test_the_sdk_lists_directories(workos: WorkOSClient) -> None:
    directories = workos.directory_sync.list_directories().data
    assert [d.id for d in directories] == [ACME_DIRECTORY_ID, EXAMPLE_DIRECTORY_ID]
    [example] = workos.directory_sync.list_directories(organization_id=EXAMPLE_ORG_ID).data
    assert (example.name, example.organization_id) == ("Example Okta SCIM", EXAMPLE_ORG_ID)
    assert (example.type.value, example.state.value) == ("okta scim v2.0", "linked")
    assert example.metadata is not None
    assert (example.metadata.users.active, example.metadata.users.inactive) == (2, 0)
    assert example.metadata.groups == 3
    assert workos.directory_sync.get_directory(ACME_DIRECTORY_ID).organization_id == ACME_ORG_ID


def test_the_sdk_lists_and_reads_directory_users(workos: WorkOSClient) -> None:
    users = workos.directory_sync.list_users(directory=EXAMPLE_DIRECTORY_ID, order="asc").data
    assert [u.id for u in users] == sorted([ALICE_DIRECTORY_USER_ID, BOB_DIRECTORY_USER_ID])
    alice = workos.directory_sync.get_user(ALICE_DIRECTORY_USER_ID)
    assert alice.object == "directory_user"
    assert (alice.email, alice.first_name, alice.last_name) == (
        "alice@example.com",
        "Alice",
        "Anderson",
    )
    assert alice.state.value == "active"
    assert (alice.directory_id, alice.organization_id) == (EXAMPLE_DIRECTORY_ID, EXAMPLE_ORG_ID)
    assert alice.emails is not None
    assert [(e.value, e.primary) for e in alice.emails] == [("alice@example.com", True)]
    assert alice.groups is not None
    assert {g.name for g in alice.groups} == {"Engineering", "Admins"}
    assert alice.custom_attributes == {"department": "Engineering"}
    assert alice.role is not None and alice.role.slug == "admin"
    assert alice.created_at.year == 2024


def test_the_user_filters(workos: WorkOSClient) -> None:
    sync = workos.directory_sync
    [bob] = sync.list_users(group=SALES_GROUP_ID).data
    assert bob.id == BOB_DIRECTORY_USER_ID
    [carol] = sync.list_users(directory=ACME_DIRECTORY_ID, email="CAROL@acme.test").data
    assert carol.id == CAROL_DIRECTORY_USER_ID
    [alice] = sync.list_users(directory=EXAMPLE_DIRECTORY_ID, idp_id="00u1a1ce0examp1e0001").data
    assert alice.id == ALICE_DIRECTORY_USER_ID
    assert sync.list_users(directory=ACME_DIRECTORY_ID, group=SALES_GROUP_ID).data == []


def test_the_sdk_lists_and_reads_groups(workos: WorkOSClient) -> None:
    sync = workos.directory_sync
    groups = sync.list_groups(directory=EXAMPLE_DIRECTORY_ID).data
    assert {g.name for g in groups} == {"Engineering", "Admins", "Sales"}
    assert {g.id for g in sync.list_groups(user=ALICE_DIRECTORY_USER_ID).data} == {
        ENGINEERING_GROUP_ID,
        ADMINS_GROUP_ID,
    }
    admins = sync.get_group(ADMINS_GROUP_ID)
    assert (admins.object, admins.name, admins.directory_id, admins.organization_id) == (
        "directory_group",
        "Admins",
        EXAMPLE_DIRECTORY_ID,
        EXAMPLE_ORG_ID,
    )


def test_pages_follow_the_cursor(workos: WorkOSClient) -> None:
    first = workos.directory_sync.list_groups(directory=EXAMPLE_DIRECTORY_ID, limit=1)
    assert len(first.data) == 1 and first.has_more()
    names = [g.name for g in first.auto_paging_iter()]
    assert sorted(names) == ["Admins", "Engineering", "Sales"]
    assert len(names) == 3


def test_unknown_ids_and_a_bad_key(workos: WorkOSClient, live: LiveServer) -> None:
    with pytest.raises(NotFoundError):
        workos.directory_sync.get_user("directory_user_missing")
    with pytest.raises(NotFoundError):
        workos.directory_sync.get_group("directory_group_missing")
    with pytest.raises(NotFoundError):
        workos.directory_sync.list_users(directory="directory_missing")
    with pytest.raises(UnprocessableEntityError):
        workos.directory_sync.list_users()
    with (
        WorkOSClient(
            api_key="sk_wrong", client_id=CLIENT_ID, base_url=live.url, max_retries=0
        ) as wrong,
        pytest.raises(AuthenticationError),
    ):
        wrong.directory_sync.list_directories()


@pytest.mark.parametrize(
    "query",
    [
        {"directory": EXAMPLE_DIRECTORY_ID, "limit": "0"},
        {"directory": EXAMPLE_DIRECTORY_ID, "limit": "many"},
        {"directory": EXAMPLE_DIRECTORY_ID, "order": "sideways"},
    ],
)
def test_bad_paging_is_a_422(live: LiveServer, query: dict[str, str]) -> None:
    answer = httpx.get(f"{live.url}/directory_users", params=query, headers=AUTH)
    assert answer.status_code == 422
    assert "message" in answer.json()


def test_seeded_directory_users_are_the_people_who_sign_in(client: TestClient) -> None:
    """Alice's SSO profile and her directory user share the IdP's id and organization, so
    deprovisioning her in the directory names the person signed in."""
    code = sign_in(client, ALICE_ID)["code"]
    profile = client.post("/sso/token", data=token_fields(code)).json()["profile"]
    user = client.get(f"/directory_users/{ALICE_DIRECTORY_USER_ID}", headers=AUTH).json()
    assert (user["idp_id"], user["organization_id"], user["email"]) == (
        profile["idp_id"],
        profile["organization_id"],
        profile["email"],
    )
