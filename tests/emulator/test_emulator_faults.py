"""Faults on demand: each kind, one-shot against sticky, and their validation."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from workos_middleware.emulator.defaults import ALICE_ID

from emulator_helpers import API_KEY, sign_in, token_fields
from support import LiveServer


def add_fault(http: TestClient | httpx.Client, **fault: object) -> dict[str, object]:
    response = http.post("/_emulator/faults", json=fault)
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def exchange(client: TestClient) -> Any:
    return client.post("/sso/token", json=token_fields(sign_in(client, ALICE_ID)["code"]))


def test_a_status_fault_is_one_shot_by_default(client: TestClient) -> None:
    add_fault(client, endpoint="token", kind="status", status=503)
    response = exchange(client)
    assert response.status_code == 503
    assert "message" in response.json()
    assert exchange(client).status_code == 200
    assert client.get("/_emulator/faults").json() == {"data": []}


def test_a_sticky_fault_lasts_until_cleared(client: TestClient) -> None:
    add_fault(client, endpoint="token", kind="status", status=500, sticky=True)
    assert exchange(client).status_code == 500
    assert exchange(client).status_code == 500
    assert client.delete("/_emulator/faults").status_code == 204
    assert exchange(client).status_code == 200


def test_reset_clears_sticky_faults(client: TestClient) -> None:
    add_fault(client, endpoint="profile", kind="status", status=502, sticky=True)
    client.post("/_emulator/reset")
    assert client.get("/sso/profile").status_code == 401


def test_one_shot_faults_come_before_sticky_ones(client: TestClient) -> None:
    add_fault(client, endpoint="token", kind="status", status=500, sticky=True)
    add_fault(client, endpoint="token", kind="status", status=429)
    first = exchange(client)
    assert first.status_code == 429
    assert first.headers["retry-after"] == "1"
    assert exchange(client).status_code == 500


def test_faults_are_per_endpoint(client: TestClient) -> None:
    add_fault(client, endpoint="profile", kind="status", status=503)
    token = exchange(client)
    assert token.status_code == 200
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    assert client.get("/sso/profile", headers=bearer).status_code == 503
    assert client.get("/sso/profile", headers=bearer).status_code == 200


def test_a_status_fault_may_carry_a_body(client: TestClient) -> None:
    body = {"error": "server_error", "error_description": "Try later."}
    add_fault(client, endpoint="token", kind="status", status=400, body=body)
    response = exchange(client)
    assert (response.status_code, response.json()) == (400, body)


def test_a_401_on_profile_has_the_profile_shape(client: TestClient) -> None:
    add_fault(client, endpoint="profile", kind="status", status=401)
    assert client.get("/sso/profile").json() == {"error": "Unauthorized"}


def test_malformed_json(client: TestClient) -> None:
    add_fault(client, endpoint="token", kind="malformed_json")
    response = exchange(client)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)
    assert exchange(client).status_code == 200


def test_invalid_grant_leaves_the_code_usable(client: TestClient) -> None:
    add_fault(client, endpoint="token", kind="invalid_grant")
    code = sign_in(client, ALICE_ID)["code"]
    response = client.post("/sso/token", json=token_fields(code))
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_grant",
        "error_description": "The code has expired or has already been used.",
    }
    assert client.post("/sso/token", json=token_fields(code)).status_code == 200


def test_organizations_faults(client: TestClient) -> None:
    add_fault(client, endpoint="organizations", kind="status", status=504)
    auth = {"Authorization": f"Bearer {API_KEY}"}
    assert client.get("/organizations", headers=auth).status_code == 504
    assert client.get("/organizations", headers=auth).status_code == 200


def test_huge_body_in_process(client: TestClient) -> None:
    add_fault(client, endpoint="profile", kind="huge_body", bytes=200_000, chunked=True)
    response = client.get("/sso/profile")
    assert response.status_code == 200
    assert "content-length" not in response.headers
    assert len(response.content) == 200_000
    assert json.loads(response.content)["padding"] == "x" * (200_000 - 15)


def test_latency_delays_the_real_answer(client: TestClient) -> None:
    add_fault(client, endpoint="token", kind="latency", seconds=0.2)
    started = time.monotonic()
    response = exchange(client)
    assert time.monotonic() - started >= 0.2
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ({"endpoint": "authorize", "kind": "status"}, "endpoint"),
        ({"endpoint": "token", "kind": "explode"}, "kind"),
        ({"endpoint": "profile", "kind": "invalid_grant"}, "token endpoint"),
        ({"endpoint": "google.userinfo", "kind": "invalid_grant"}, "token endpoint"),
        ({"endpoint": "nobody.token", "kind": "status"}, "endpoint"),
        ({"endpoint": "token", "kind": "token_defect", "defect": "expired"}, "token_defect"),
        ({"endpoint": "github.token", "kind": "token_defect", "defect": "expired"}, "token_defect"),
        ({"endpoint": "authenticate", "kind": "token_defect", "defect": "ugly"}, "defect"),
        ({"endpoint": "authenticate", "kind": "status", "defect": "expired"}, "defect"),
        ({"endpoint": "token", "kind": "status", "status": 99}, "status"),
        ({"endpoint": "token", "kind": "latency", "seconds": -1}, "seconds"),
        ({"endpoint": "token", "kind": "huge_body", "bytes": 3}, "bytes"),
        ({"endpoint": "token", "kind": "status", "sticky": "yes"}, "sticky"),
        ({"endpoint": "token", "kind": "status", "colour": "red"}, "colour"),
        ({"endpoint": "token", "kind": "status", "retry_after": 1.5}, "retry_after"),
    ],
)
def test_bad_faults_are_refused(client: TestClient, fault: dict[str, object], message: str) -> None:
    response = client.post("/_emulator/faults", json=fault)
    assert response.status_code == 400
    assert message in response.json()["message"]


def test_faults_are_listed(client: TestClient) -> None:
    first = add_fault(client, endpoint="token", kind="latency")
    assert first == {
        "id": "fault_1",
        "endpoint": "token",
        "kind": "latency",
        "status": 200,
        "seconds": 2.0,
        "sticky": False,
    }
    add_fault(client, endpoint="profile", kind="huge_body", sticky=True)
    listed = client.get("/_emulator/faults").json()["data"]
    assert [f["id"] for f in listed] == ["fault_1", "fault_2"]
    assert listed[1]["bytes"] == 50_000_000


# -- on a real server ----------------------------------------------------------------------


def test_latency_does_not_block_other_requests(live: LiveServer) -> None:
    with httpx.Client(base_url=live.url) as http:
        add_fault(http, endpoint="profile", kind="latency", seconds=1.0)
        slow: dict[str, float] = {}

        def call_profile() -> None:
            started = time.monotonic()
            http.get("/sso/profile")
            slow["elapsed"] = time.monotonic() - started

        thread = threading.Thread(target=call_profile)
        thread.start()
        time.sleep(0.1)
        started = time.monotonic()
        assert http.get("/_emulator/health").status_code == 200
        assert time.monotonic() - started < 0.5
        thread.join()
        assert slow["elapsed"] >= 1.0


def test_a_huge_body_is_streamed(live: LiveServer) -> None:
    size = 5_000_000
    with httpx.Client(base_url=live.url) as http:
        add_fault(http, endpoint="token", kind="huge_body", bytes=size)
        with http.stream("POST", "/sso/token", json={}) as response:
            assert response.status_code == 200
            assert response.headers["content-length"] == str(size)
            chunks = [len(chunk) for chunk in response.iter_raw()]
        assert sum(chunks) == size
        assert len(chunks) > 1
