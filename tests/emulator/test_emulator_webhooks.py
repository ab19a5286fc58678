"""Directory changes made on the dashboard or through the admin API are sent as signed
webhooks to a real HTTP receiver, and the official SDK's verification accepts them."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient
from workos import WorkOSClient
from workos.common.models.dsync_group_user_added import DsyncGroupUserAdded
from workos.common.models.dsync_group_user_removed import DsyncGroupUserRemoved
from workos.common.models.dsync_user_created import DsyncUserCreated
from workos.common.models.dsync_user_deleted import DsyncUserDeleted
from workos.common.models.dsync_user_updated import DsyncUserUpdated
from workos.webhooks._verification import verify_header

from workos_middleware.emulator import create_app
from workos_middleware.emulator.defaults import (
    ALICE_DIRECTORY_USER_ID,
    BOB_DIRECTORY_USER_ID,
    EXAMPLE_DIRECTORY_ID,
    EXAMPLE_ORG_ID,
    SALES_GROUP_ID,
)

from emulator_helpers import WebhookReceiver, wait_for_delivery
from support import FrozenClock, LiveServer

SECRET = "whsec_emulator_test"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
"""What a browser sends for the dashboard's forms (they have no fields but the button)."""


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    running = WebhookReceiver()
    yield running
    running.stop()


@pytest.fixture
def admin(live: LiveServer, receiver: WebhookReceiver) -> Iterator[httpx.Client]:
    """The live emulator's admin API, with the receiver registered as an endpoint."""
    with httpx.Client(base_url=live.url) as http:
        created = http.post("/_emulator/webhooks", json={"url": receiver.url, "secret": SECRET})
        assert created.status_code == 201, created.text
        assert created.json()["id"].startswith("we_")
        yield http


def verified(workos: WorkOSClient, headers: dict[str, str], body: bytes) -> Any:
    """The event the SDK reads from a webhook, after checking its signature."""
    return workos.webhooks.verify_event(
        event_body=body, event_signature=headers["WorkOS-Signature"], secret=SECRET
    )


def test_deactivating_a_user_sends_a_signed_dsync_user_updated(
    admin: httpx.Client, receiver: WebhookReceiver, workos: WorkOSClient
) -> None:
    answer = admin.post(f"/_emulator/directory_users/{ALICE_DIRECTORY_USER_ID}/deactivate")
    assert answer.status_code == 200, answer.text
    sent = answer.json()
    assert sent["id"].startswith("event_")
    [delivery] = wait_for_delivery(admin, sent["id"])
    assert [a["status"] for a in delivery["attempts"]] == [200]
    [(headers, body)] = receiver.wait_for(1)
    assert headers["Content-Type"] == "application/json"
    event = verified(workos, headers, body)
    assert isinstance(event, DsyncUserUpdated)
    assert (event.id, event.event) == (sent["id"], "dsync.user.updated")
    assert event.data.id == ALICE_DIRECTORY_USER_ID
    assert event.data.state.value == "inactive"
    assert (event.data.idp_id, event.data.organization_id) == (
        "00u1a1ce0examp1e0001",
        EXAMPLE_ORG_ID,
    )
    assert event.data.previous_attributes == {"state": "active"}
    # The directory API now says the same.
    assert workos.directory_sync.get_user(ALICE_DIRECTORY_USER_ID).state.value == "inactive"
    again = admin.post(f"/_emulator/directory_users/{ALICE_DIRECTORY_USER_ID}/reactivate")
    wait_for_delivery(admin, again.json()["id"])
    [_, (headers, body)] = receiver.wait_for(2)
    assert verified(workos, headers, body).data.state.value == "active"


def test_every_directory_change_has_its_event(
    admin: httpx.Client, receiver: WebhookReceiver, workos: WorkOSClient
) -> None:
    user = f"/_emulator/directory_users/{BOB_DIRECTORY_USER_ID}"
    removed = admin.delete(f"{user}/groups/{SALES_GROUP_ID}")
    added = admin.post(f"{user}/groups", json={"group_id": SALES_GROUP_ID})
    created = admin.put(
        f"/_emulator/directories/{EXAMPLE_DIRECTORY_ID}/users/directory_user_dave",
        json={"email": "dave@example.com", "first_name": "Dave", "groups": ["Sales"]},
    )
    deleted = admin.delete(user)
    for answer in (removed, added, created, deleted):
        assert answer.status_code == 200, answer.text
        wait_for_delivery(admin, answer.json()["id"])
    events = [verified(workos, h, b) for h, b in receiver.wait_for(4)]
    kinds = [type(e) for e in events]
    assert kinds == [DsyncGroupUserRemoved, DsyncGroupUserAdded, DsyncUserCreated, DsyncUserDeleted]
    for grouped in events[:2]:
        assert grouped.data.directory_id == EXAMPLE_DIRECTORY_ID
        assert (grouped.data.user.id, grouped.data.group.id) == (
            BOB_DIRECTORY_USER_ID,
            SALES_GROUP_ID,
        )
        assert grouped.data.group.name == "Sales"
    assert (events[2].data.id, events[2].data.email) == ("directory_user_dave", "dave@example.com")
    assert events[3].data.id == BOB_DIRECTORY_USER_ID
    assert events[3].data.state.value == "inactive"
    assert [e.id for e in events] == sorted(e.id for e in events)


def test_an_unchanged_or_unknown_user_is_refused_and_sends_nothing(admin: httpx.Client) -> None:
    user = f"/_emulator/directory_users/{ALICE_DIRECTORY_USER_ID}"
    assert admin.post(f"{user}/reactivate").status_code == 409
    assert (
        admin.post(f"{user}/groups", json={"group_id": "directory_group_nope"}).status_code == 404
    )
    assert admin.delete(f"{user}/groups/{SALES_GROUP_ID}").status_code == 409
    assert (
        admin.post("/_emulator/directory_users/directory_user_nope/deactivate").status_code == 404
    )
    assert admin.post(f"{user}/groups", json={"group": 1}).status_code == 400
    assert admin.get("/_emulator/events").json() == {"data": []}
    assert admin.get("/_emulator/webhooks/deliveries").json() == {"data": []}


def test_the_dashboard_buttons_change_the_directory_and_send_webhooks(
    admin: httpx.Client, receiver: WebhookReceiver, workos: WorkOSClient, live: LiveServer
) -> None:
    page = admin.get("/")
    assert page.status_code == 200
    action = f"_emulator/directory_users/{ALICE_DIRECTORY_USER_ID}/deactivate"
    assert f'action="{action}"' in page.text
    done = admin.post(f"/{action}", content=b"", headers=FORM)
    assert done.status_code == 303
    assert done.headers["location"] == f"{live.url}/#directories"
    [(headers, body)] = receiver.wait_for(1)
    assert verified(workos, headers, body).data.state.value == "inactive"
    page = admin.get("/")
    assert "dsync.user.updated" in page.text  # the recent events, with their deliveries
    assert f"_emulator/directory_users/{ALICE_DIRECTORY_USER_ID}/reactivate" in page.text


def test_another_sites_form_is_refused(admin: httpx.Client, workos: WorkOSClient) -> None:
    refused = admin.post(
        f"/_emulator/directory_users/{ALICE_DIRECTORY_USER_ID}/deactivate",
        content=b"",
        headers={**FORM, "Origin": "https://evil.example"},
    )
    assert refused.status_code == 403
    refused = admin.post(
        f"/_emulator/directory_users/{ALICE_DIRECTORY_USER_ID}/deactivate",
        content=b"",
        headers={**FORM, "Sec-Fetch-Site": "cross-site", "Origin": "null"},
    )
    assert refused.status_code == 403
    assert workos.directory_sync.get_user(ALICE_DIRECTORY_USER_ID).state.value == "active"


def test_a_slow_receiver_does_not_hold_the_dashboard(
    admin: httpx.Client, receiver: WebhookReceiver
) -> None:
    receiver.hold = threading.Event()
    answer = admin.post(f"/_emulator/directory_users/{ALICE_DIRECTORY_USER_ID}/deactivate")
    assert answer.status_code == 200
    receiver.wait_for(1)  # the webhook is in flight, held by the receiver...
    [delivery] = admin.get("/_emulator/webhooks/deliveries").json()["data"]
    assert delivery["state"] == "pending"  # ...and the admin call has already answered
    receiver.hold.set()
    wait_for_delivery(admin, answer.json()["id"])


def test_a_failed_attempt_is_retried(live: LiveServer) -> None:
    flaky = WebhookReceiver(statuses=(500, 200))
    try:
        with httpx.Client(base_url=live.url) as admin:
            admin.post("/_emulator/webhooks", json={"url": flaky.url, "secret": SECRET})
            sent = admin.post(f"/_emulator/directory_users/{ALICE_DIRECTORY_USER_ID}/deactivate")
            [delivery] = wait_for_delivery(admin, sent.json()["id"])
        assert [a["status"] for a in delivery["attempts"]] == [500, 200]
        (first_headers, first_body), (second_headers, second_body) = flaky.wait_for(2)
        assert first_body == second_body
        for headers, body in ((first_headers, first_body), (second_headers, second_body)):
            verify_header(
                event_body=body, event_signature=headers["WorkOS-Signature"], secret=SECRET
            )
    finally:
        flaky.stop()


def test_an_unreachable_endpoint_records_the_error(live: LiveServer) -> None:
    nobody = WebhookReceiver()
    url = nobody.url
    nobody.stop()  # nothing listens there any more
    with httpx.Client(base_url=live.url) as admin:
        admin.post("/_emulator/webhooks", json={"url": url, "secret": SECRET})
        admin.post(f"/_emulator/directory_users/{ALICE_DIRECTORY_USER_ID}/deactivate")
        for _ in range(1000):
            [delivery] = admin.get("/_emulator/webhooks/deliveries").json()["data"]
            if delivery["attempts"]:
                break
            threading.Event().wait(0.02)
    first = delivery["attempts"][0]
    assert first["status"] is None
    assert "Connect" in first["error"]


def test_endpoints_get_only_the_events_they_subscribe_to(
    live: LiveServer, receiver: WebhookReceiver, workos: WorkOSClient
) -> None:
    with httpx.Client(base_url=live.url) as admin:
        admin.post(
            "/_emulator/webhooks",
            json={"url": receiver.url, "secret": SECRET, "events": ["dsync.user.deleted"]},
        )
        updated = admin.post(f"/_emulator/directory_users/{BOB_DIRECTORY_USER_ID}/deactivate")
        deleted = admin.delete(f"/_emulator/directory_users/{BOB_DIRECTORY_USER_ID}")
        assert admin.get(
            "/_emulator/webhooks/deliveries", params={"event_id": updated.json()["id"]}
        ).json() == {"data": []}
        wait_for_delivery(admin, deleted.json()["id"])
    [(headers, body)] = receiver.wait_for(1)
    assert isinstance(verified(workos, headers, body), DsyncUserDeleted)


def test_redelivery_sends_the_same_event_freshly_signed(
    admin: httpx.Client, receiver: WebhookReceiver, workos: WorkOSClient
) -> None:
    sent = admin.post(f"/_emulator/directory_users/{ALICE_DIRECTORY_USER_ID}/deactivate").json()
    wait_for_delivery(admin, sent["id"])
    again = admin.post(f"/_emulator/events/{sent['id']}/redeliver")
    assert again.status_code == 202
    assert len(wait_for_delivery(admin, sent["id"])) == 2
    first, second = receiver.wait_for(2)
    assert first[1] == second[1]
    assert verified(workos, *second).id == sent["id"]
    assert admin.post("/_emulator/events/event_nope/redeliver").status_code == 404


def test_a_custom_event_is_recorded_and_sent(
    admin: httpx.Client, receiver: WebhookReceiver, workos: WorkOSClient
) -> None:
    answer = admin.post(
        "/_emulator/events", json={"event": "connection.activated.someday", "data": {"x": 1}}
    )
    assert answer.status_code == 201
    wait_for_delivery(admin, answer.json()["id"])
    [(headers, body)] = receiver.wait_for(1)
    assert json.loads(body)["data"] == {"x": 1}
    unknown = verified(workos, headers, body)  # a type the SDK does not know: kept raw
    assert unknown.raw_data["id"] == answer.json()["id"]
    assert admin.post("/_emulator/events", json={"event": "", "data": {}}).status_code == 400
    assert admin.post("/_emulator/events", json={"event": "x.y", "data": []}).status_code == 400


def test_webhook_endpoints_are_data(admin: httpx.Client, receiver: WebhookReceiver) -> None:
    [endpoint] = admin.get("/_emulator/webhooks").json()["data"]
    assert (endpoint["url"], endpoint["secret"], endpoint["events"]) == (receiver.url, SECRET, [])
    assert admin.get("/_emulator/data").json()["webhooks"] == [endpoint]
    bad = admin.post("/_emulator/webhooks", json={"url": "ftp://x", "secret": SECRET})
    assert bad.status_code == 400 and "url" in bad.json()["message"]
    assert admin.post("/_emulator/webhooks", json={"url": receiver.url}).status_code == 400
    assert admin.delete(f"/_emulator/webhooks/{endpoint['id']}").status_code == 204
    assert admin.get("/_emulator/webhooks").json() == {"data": []}
    assert admin.delete(f"/_emulator/webhooks/{endpoint['id']}").status_code == 404


def test_the_signature_is_stamped_with_the_emulators_clock(receiver: WebhookReceiver) -> None:
    """A test that moves the emulator's clock gets webhooks signed at that time: the SDK
    refuses one signed outside its tolerance, and accepts its body and signature else."""
    clock = FrozenClock(start=1_700_000_000.0)
    app = create_app(clock=clock, data={"webhooks": [{"url": receiver.url, "secret": SECRET}]})
    with TestClient(app) as client:
        client.post("/_emulator/events", json={"event": "dsync.user.deleted", "data": {}})
    [(headers, body)] = receiver.wait_for(1)
    assert headers["WorkOS-Signature"].startswith("t=1700000000000, v1=")
    with pytest.raises(ValueError, match="tolerance"):
        verify_header(event_body=body, event_signature=headers["WorkOS-Signature"], secret=SECRET)
    with pytest.raises(ValueError, match="Signature hash"):
        verify_header(
            event_body=body + b" ",
            event_signature=headers["WorkOS-Signature"],
            secret=SECRET,
            tolerance=10**10,
        )
    verify_header(
        event_body=body,
        event_signature=headers["WorkOS-Signature"],
        secret=SECRET,
        tolerance=10**10,
    )
