"""The /_emulator/ admin API and the data-file shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from workos_middleware.emulator import DataError, create_app
from workos_middleware.emulator.datafile import dump_data, load_data, parse_data
from workos_middleware.emulator.defaults import (
    ACME_ORG_ID,
    ALICE_ID,
    DEFAULT_DATA,
    DEFAULT_DATA_FILE,
    EXAMPLE_CONNECTION_ID,
    EXAMPLE_ORG_ID,
)

from emulator_helpers import authorize_params, sign_in, token_fields
from support import FrozenClock

EXAMPLE_FILE = Path(__file__).parents[2] / "examples" / "emulator-data.json"

NEW_ORG = {
    "name": "Globex",
    "domains": ["globex.test"],
    "connections": [
        {
            "id": "conn_globex",
            "connection_type": "OktaSAML",
            "users": [{"email": "gina@globex.test", "first_name": "Gina", "last_name": "Gray"}],
        }
    ],
}


def test_health(client: TestClient) -> None:
    assert client.get("/_emulator/health").json() == {"ok": True}


def test_the_data_round_trips(client: TestClient) -> None:
    assert client.get("/_emulator/data").json() == DEFAULT_DATA
    assert dump_data(parse_data(DEFAULT_DATA)) == DEFAULT_DATA


def test_the_built_in_data_is_the_packaged_file_in_full() -> None:
    assert json.loads(DEFAULT_DATA_FILE.read_text()) == DEFAULT_DATA
    assert dump_data(load_data(None)) == DEFAULT_DATA
    assert dump_data(load_data(DEFAULT_DATA_FILE)) == DEFAULT_DATA


def test_the_example_file_is_a_short_custom_data_set(clock: FrozenClock) -> None:
    raw = json.loads(EXAMPLE_FILE.read_text())
    assert "$comment" in raw
    data = dump_data(load_data(EXAMPLE_FILE))
    [globex] = data["organizations"]
    assert globex["id"].startswith("org_01")
    assert [d["state"] for d in globex["domains"]] == ["verified", "pending"]
    [gina, hank] = globex["connections"][0]["users"]
    assert (gina["name"], gina["roles"], hank["role"]) == ("Gina Gray", ["admin"], "member")
    with TestClient(create_app(data=EXAMPLE_FILE, clock=clock), follow_redirects=False) as c:
        query = sign_in(c, gina["id"], organization=globex["id"])
        profile = c.post("/sso/token", json=token_fields(query["code"])).json()["profile"]
        assert profile["email"] == "gina@globex.test"


def test_put_data_replaces_everything_and_reset_restores(client: TestClient) -> None:
    response = client.put("/_emulator/data", json={"organizations": [NEW_ORG]})
    assert response.status_code == 200
    orgs = client.get("/organizations", headers={"Authorization": "Bearer sk_test_emulator"})
    assert [o["name"] for o in orgs.json()["data"]] == ["Globex"]
    assert client.post("/_emulator/reset").status_code == 200
    assert client.get("/_emulator/data").json() == DEFAULT_DATA


def test_reset_forgets_codes_and_tokens(client: TestClient) -> None:
    code = sign_in(client, ALICE_ID)["code"]
    other = sign_in(client, ALICE_ID)["code"]
    token = client.post("/sso/token", json=token_fields(code)).json()["access_token"]
    client.post("/_emulator/reset")
    assert client.post("/sso/token", json=token_fields(other)).status_code == 400
    profile = client.get("/sso/profile", headers={"Authorization": f"Bearer {token}"})
    assert profile.status_code == 401


def test_put_organization_adds_one_with_derived_ids(client: TestClient) -> None:
    response = client.put("/_emulator/organizations/org_globex", json=NEW_ORG)
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == "org_globex"
    user = body["connections"][0]["users"][0]
    assert user["id"].startswith("prof_01") and len(user["id"]) == len("prof_") + 26
    assert user["name"] == "Gina Gray"
    query = sign_in(client, user["id"], organization="org_globex")
    profile = client.post("/sso/token", json=token_fields(query["code"])).json()["profile"]
    assert profile["email"] == "gina@globex.test"
    assert profile["organization_id"] == "org_globex"


def test_put_organization_without_connections_keeps_them(client: TestClient) -> None:
    body = {"name": "Example Renamed", "domains": ["example.com", "example.org"]}
    assert client.put(f"/_emulator/organizations/{EXAMPLE_ORG_ID}", json=body).status_code == 200
    page = client.get("/sso/authorize", params=authorize_params())
    assert "sign in to Example Renamed" in page.text
    assert "Sign in as Alice Anderson" in page.text


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/_emulator/organizations/org_x", {"id": "org_y", "name": "Y"}, "differs"),
        ("/_emulator/organizations/org_x", {"name": ""}, "name"),
        ("/_emulator/organizations/org_x", {"name": "X", "domains": [{"domain": 5}]}, "domain"),
        ("/_emulator/organizations/org_x", {"name": "X", "colour": "red"}, "colour"),
        ("/_emulator/organizations/org_x", {"name": "X", "created_at": "May"}, "created_at"),
        (
            "/_emulator/connections/conn_x",
            {"connection_type": "OktaSAML", "organization_id": "o"},
            "o",
        ),
        ("/_emulator/connections/conn_x", {"name": "no type"}, "connection_type"),
        ("/_emulator/data", {"organizations": [{"name": "A"}, {"name": "A"}]}, "duplicate"),
        ("/_emulator/data", [], "object"),
    ],
)
def test_bad_data_is_a_400_naming_the_field(
    client: TestClient, path: str, body: object, message: str
) -> None:
    response = client.put(path, json=body)
    assert response.status_code == 400
    assert message in response.json()["message"]


def test_bad_json_is_a_400(client: TestClient) -> None:
    response = client.put("/_emulator/data", content=b"{oops")
    assert response.status_code == 400


def test_delete_organization_removes_its_connections(client: TestClient) -> None:
    assert client.delete(f"/_emulator/organizations/{ACME_ORG_ID}").status_code == 204
    assert client.delete(f"/_emulator/organizations/{ACME_ORG_ID}").status_code == 404
    data = client.get("/_emulator/data").json()
    assert [o["name"] for o in data["organizations"]] == ["Example"]


def test_connections_and_users(client: TestClient) -> None:
    body = {"name": "GitHub", "connection_type": "GitHubOAuth", "users": []}
    assert client.put("/_emulator/connections/conn_gh", json=body).status_code == 200
    user = {"email": "hal@users.noreply.test", "name": "Hal"}
    assert client.put("/_emulator/connections/conn_gh/users/prof_hal", json=user).status_code == 200
    page = client.get(
        "/sso/authorize", params=authorize_params(organization=None, provider="GitHubOAuth")
    )
    assert "Sign in as Hal" in page.text
    assert client.delete("/_emulator/connections/conn_gh/users/prof_hal").status_code == 204
    assert client.delete("/_emulator/connections/conn_gh/users/prof_hal").status_code == 404
    assert client.delete("/_emulator/connections/conn_gh").status_code == 204
    assert client.delete("/_emulator/connections/conn_gh").status_code == 404
    assert client.put("/_emulator/connections/conn_gh/users/u", json=user).status_code == 404


def test_replacing_a_connection_keeps_its_organization(client: TestClient) -> None:
    body = {"name": "Example Okta", "connection_type": "OktaSAML", "users": []}
    response = client.put(f"/_emulator/connections/{EXAMPLE_CONNECTION_ID}", json=body)
    assert response.json()["organization_id"] == EXAMPLE_ORG_ID
    page = client.get("/sso/authorize", params=authorize_params())
    assert "no test users" in page.text


def test_the_request_log(client: TestClient) -> None:
    code = sign_in(client, ALICE_ID)["code"]
    client.post("/sso/token", data=token_fields(code))
    log = client.get("/_emulator/requests").json()["data"]
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("GET", "/sso/authorize", 200),
        ("POST", "/sso/authorize/complete", 302),
        ("POST", "/sso/token", 200),
    ]
    assert log[2]["content_type"] == "application/x-www-form-urlencoded"
    assert client.delete("/_emulator/requests").status_code == 204
    assert client.get("/_emulator/requests").json()["data"] == []


def test_the_index_page_lists_the_data(client: TestClient) -> None:
    html = client.get("/").text
    for text in ("client_emulator", "Example", "Acme", "dana@gmail.com", EXAMPLE_ORG_ID, "Erin"):
        assert text in html


def test_load_data_reports_bad_files(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"missing\.json"):
        load_data(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    with pytest.raises(DataError, match="not valid JSON"):
        load_data(bad)
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"organizations": [{"name": "A", "domains": [{"state": "x"}]}]}))
    with pytest.raises(DataError, match=r"organizations\[0\]\.domains\[0\]"):
        load_data(wrong)


def test_derived_ids_are_stable() -> None:
    one = dump_data(load_data({"organizations": [NEW_ORG]}))
    two = dump_data(load_data({"organizations": [NEW_ORG]}))
    assert one == two


def test_create_app_takes_a_path(tmp_path: Path, clock: FrozenClock) -> None:
    path = tmp_path / "data.json"
    path.write_text(json.dumps({"organizations": [NEW_ORG]}))
    with TestClient(create_app(data=str(path), clock=clock)) as c:
        assert [o["name"] for o in c.get("/_emulator/data").json()["organizations"]] == ["Globex"]


def test_authkit_users_and_providers(client: TestClient) -> None:
    user = {"email": "zoe@example.com", "memberships": [{"organization_id": EXAMPLE_ORG_ID}]}
    created = client.put("/_emulator/users/user_zoe", json=user)
    assert created.status_code == 200, created.text
    assert created.json()["memberships"][0]["role"] == "member"
    assert created.json()["memberships"][0]["id"].startswith("om_01")
    taken = client.put("/_emulator/users/user_other", json={"email": "zoe@example.com"})
    assert "another user's" in taken.json()["message"]
    foreign = {"email": "y@y.test", "memberships": [{"organization_id": "org_nope"}]}
    assert client.put("/_emulator/users/user_y", json=foreign).status_code == 400
    assert client.delete("/_emulator/users/user_zoe").status_code == 204
    assert client.delete("/_emulator/users/user_zoe").status_code == 404

    provider = {"kind": "github", "users": [{"login": "kim", "emails": [{"email": "k@k.test"}]}]}
    added = client.put("/_emulator/providers/gitea", json=provider).json()
    assert (added["client_id"], added["users"][0]["email"]) == ("gitea-client-emulator", None)
    assert added["users"][0]["sub"].isdigit()
    assert client.put("/_emulator/providers/Bad-Name", json={}).status_code == 400
    assert client.put("/_emulator/providers/x", json={"kind": "saml"}).status_code == 400
    fault = {"endpoint": "gitea.user", "kind": "status"}
    assert client.post("/_emulator/faults", json=fault).status_code == 201


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"issuer": "github"}, "issuer"),
        ({"issuer": "nobody"}, "issuer"),
        ({"keep_previous": "no"}, "keep_previous"),
    ],
)
def test_key_rotation_refuses(client: TestClient, body: object, message: str) -> None:
    response = client.post("/_emulator/keys/rotate", json=body)
    assert response.status_code == 400
    assert message in response.json()["message"]


def test_keys_and_sessions_are_listed(client: TestClient) -> None:
    keys = client.get("/_emulator/keys").json()
    assert set(keys) == {"workos", "google"} and all(len(k) == 1 for k in keys.values())
    assert client.post("/_emulator/keys/rotate").json()["issuer"] == "workos"
    assert client.get("/_emulator/sessions").json() == {"data": []}
