"""The Events API: what the dashboard and admin API changed, read back with the official SDK
from a cursor, as a cron job without webhooks would."""

from __future__ import annotations

import httpx
import pytest
from starlette.testclient import TestClient
from workos import AuthenticationError, UnprocessableEntityError, WorkOSClient
from workos.common.models.dsync_group_user_removed import DsyncGroupUserRemoved
from workos.common.models.dsync_user_deleted import DsyncUserDeleted
from workos.common.models.dsync_user_updated import DsyncUserUpdated

from workos_middleware.emulator.defaults import (
    ACME_ORG_ID,
    ALICE_DIRECTORY_USER_ID,
    BOB_DIRECTORY_USER_ID,
    CAROL_DIRECTORY_USER_ID,
    EXAMPLE_ORG_ID,
    SALES_GROUP_ID,
)

from emulator_helpers import API_KEY, CLIENT_ID
from support import FrozenClock, LiveServer

DSYNC = ["dsync.user.updated", "dsync.user.deleted", "dsync.group.user_removed"]
AUTH = {"Authorization": f"Bearer {API_KEY}"}


@pytest.fixture
def changed(live: LiveServer) -> list[str]:
    """Four changes, oldest first: Alice deactivated, Bob out of Sales, Bob deleted, Carol
    deactivated (Acme). Their event ids."""
    with httpx.Client(base_url=f"{live.url}/_emulator") as admin:
        answers = [
            admin.post(f"/directory_users/{ALICE_DIRECTORY_USER_ID}/deactivate"),
            admin.delete(f"/directory_users/{BOB_DIRECTORY_USER_ID}/groups/{SALES_GROUP_ID}"),
            admin.delete(f"/directory_users/{BOB_DIRECTORY_USER_ID}"),
            admin.post(f"/directory_users/{CAROL_DIRECTORY_USER_ID}/deactivate"),
        ]
    assert all(a.status_code == 200 for a in answers)
    return [a.json()["id"] for a in answers]


def test_the_sdk_reads_the_events_oldest_first(workos: WorkOSClient, changed: list[str]) -> None:
    page = workos.events.list_events(events=DSYNC)
    assert [e.id for e in page.data] == changed
    alice, removed, deleted, carol = page.data
    assert isinstance(alice, DsyncUserUpdated) and alice.data.state.value == "inactive"
    assert isinstance(removed, DsyncGroupUserRemoved)
    assert removed.data.group.id == SALES_GROUP_ID
    assert isinstance(deleted, DsyncUserDeleted) and deleted.data.id == BOB_DIRECTORY_USER_ID
    assert isinstance(carol, DsyncUserUpdated) and carol.data.organization_id == ACME_ORG_ID
    assert page.list_metadata.after == changed[-1]


def test_a_cursor_reads_only_what_came_after(workos: WorkOSClient, changed: list[str]) -> None:
    first = workos.events.list_events(events=DSYNC, limit=2)
    assert [e.id for e in first.data] == changed[:2]
    assert first.after == changed[1]
    rest = workos.events.list_events(events=DSYNC, after=first.after)
    assert [e.id for e in rest.data] == changed[2:]
    nothing_new = workos.events.list_events(events=DSYNC, after=changed[-1])
    assert (nothing_new.data, nothing_new.after) == ([], None)
    assert [e.id for e in first.auto_paging_iter()] == changed


def test_the_filters(workos: WorkOSClient, changed: list[str]) -> None:
    deleted = workos.events.list_events(events=["dsync.user.deleted"]).data
    assert [e.id for e in deleted] == [changed[2]]
    updated = workos.events.list_events(events=["dsync.user.updated"]).data
    assert [e.id for e in updated] == [changed[0], changed[3]]
    in_acme = workos.events.list_events(events=DSYNC, organization_id=ACME_ORG_ID).data
    assert [e.id for e in in_acme] == [changed[3]]
    in_example = workos.events.list_events(events=DSYNC, organization_id=EXAMPLE_ORG_ID).data
    assert [e.id for e in in_example] == changed[:3]
    newest = workos.events.list_events(events=DSYNC, order="desc", limit=1)
    assert [e.id for e in newest.data] == [changed[3]]
    older = workos.events.list_events(events=DSYNC, order="desc", after=newest.after)
    assert [e.id for e in older.data] == changed[2::-1]
    assert workos.events.list_events(events=["user.created"]).data == []


def test_the_query_string_forms_of_the_type_filter(live: LiveServer, changed: list[str]) -> None:
    for params in (
        [("events", "dsync.user.deleted,dsync.group.user_removed")],
        [("events", "dsync.user.deleted"), ("events", "dsync.group.user_removed")],
        [("events[]", "dsync.user.deleted"), ("events[]", "dsync.group.user_removed")],
    ):
        body = httpx.get(f"{live.url}/events", params=params, headers=AUTH).json()
        assert [e["id"] for e in body["data"]] == changed[1:3]
    everything = httpx.get(f"{live.url}/events", headers=AUTH).json()
    assert [e["id"] for e in everything["data"]] == changed
    assert everything["object"] == "list" and set(everything["list_metadata"]) == {"after"}


def test_bad_requests(workos: WorkOSClient, live: LiveServer) -> None:
    with pytest.raises(UnprocessableEntityError):
        workos.events.list_events(events=DSYNC, limit=1000)
    with pytest.raises(UnprocessableEntityError):
        workos.events.list_events(events=DSYNC, range_start="yesterday")
    with (
        WorkOSClient(
            api_key="sk_wrong", client_id=CLIENT_ID, base_url=live.url, max_retries=0
        ) as wrong,
        pytest.raises(AuthenticationError),
    ):
        wrong.events.list_events(events=DSYNC)


def test_the_time_range_and_reset(client: TestClient, clock: FrozenClock) -> None:
    admin = "/_emulator/directory_users"
    first = client.post(f"{admin}/{ALICE_DIRECTORY_USER_ID}/deactivate").json()
    clock.advance(3600)
    second = client.post(f"{admin}/{BOB_DIRECTORY_USER_ID}/deactivate").json()
    assert first["created_at"] == "2023-11-14T22:13:20.000Z"
    query = {"range_start": "2023-11-14T22:30:00Z"}
    later = client.get("/events", params=query, headers=AUTH).json()["data"]
    assert [e["id"] for e in later] == [second["id"]]
    query = {"range_end": "2023-11-14T22:30:00Z"}
    earlier = client.get("/events", params=query, headers=AUTH).json()["data"]
    assert [e["id"] for e in earlier] == [first["id"]]
    assert client.post("/_emulator/reset").status_code == 200
    assert client.get("/events", headers=AUTH).json()["data"] == []
    assert client.get("/_emulator/events").json() == {"data": []}
    # Ids keep growing after a reset, so an old cursor still reads the new events.
    third = client.post(f"{admin}/{ALICE_DIRECTORY_USER_ID}/deactivate").json()
    after_old = client.get("/events", params={"after": second["id"]}, headers=AUTH).json()
    assert [e["id"] for e in after_old["data"]] == [third["id"]]


def test_events_ids_sort_in_order_on_a_still_clock(client: TestClient) -> None:
    admin = "/_emulator/directory_users"
    ids = [
        client.post(f"{admin}/{ALICE_DIRECTORY_USER_ID}/{action}").json()["id"]
        for action in ("deactivate", "reactivate") * 5
    ]
    assert ids == sorted(ids) and len(set(ids)) == 10
