"""IdP-initiated sign-in: the IdP's dashboard sends the browser to the app with a code and no
state, and the code is redeemed at /sso/token like any other."""

from __future__ import annotations

from urllib.parse import urljoin

import pytest
from starlette.testclient import TestClient

from workos_middleware.emulator import create_app
from workos_middleware.emulator.defaults import ALICE_ID, BOB_ID, EXAMPLE_CONNECTION_ID

from emulator_helpers import REDIRECT_URI, authorize_params, token_fields
from support import FrozenClock, query_of

DASHBOARD = {"connection": EXAMPLE_CONNECTION_ID, "redirect_uri": REDIRECT_URI}


def test_the_dashboard_opens_the_app_without_state(client: TestClient) -> None:
    page = client.get("/sso/idp_initiated", params=DASHBOARD)
    assert page.status_code == 200
    assert "Open the app as Alice Anderson" in page.text and "no state" in page.text
    done = client.post("/sso/idp_initiated", data={**DASHBOARD, "user": BOB_ID})
    assert done.status_code == 302
    assert done.headers["location"].startswith(REDIRECT_URI + "?")
    query = query_of(done.headers["location"])
    assert set(query) == {"code"}
    profile = client.post("/sso/token", json=token_fields(query["code"])).json()["profile"]
    assert profile["id"] == BOB_ID


def test_the_sp_initiated_page_links_to_the_dashboard(client: TestClient) -> None:
    page = client.get("/sso/authorize", params=authorize_params())
    marker = 'href="'
    start = page.text.index(marker, page.text.index("</form>")) + len(marker)
    link = page.text[start : page.text.index('"', start)].replace("&amp;", "&")
    dashboard = client.get(urljoin(str(page.url), link))
    assert dashboard.status_code == 200 and "Open the app as Bob Brown" in dashboard.text


def test_the_admin_endpoint(client: TestClient) -> None:
    body = {"connection_id": EXAMPLE_CONNECTION_ID, "email": "ALICE@example.com"}
    answer = client.post("/_emulator/idp_initiated", json={**body, "redirect_uri": REDIRECT_URI})
    assert answer.status_code == 200, answer.text
    started = answer.json()
    assert started["url"] == f"{REDIRECT_URI}?code={started['code']}"
    profile = client.post("/sso/token", json=token_fields(started["code"])).json()["profile"]
    assert profile["id"] == ALICE_ID


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"connection_id": "conn_x", "user_id": ALICE_ID}, "connection_id"),
        ({"connection_id": EXAMPLE_CONNECTION_ID, "user_id": "prof_x"}, "user_id"),
        ({"connection_id": EXAMPLE_CONNECTION_ID, "user_id": ALICE_ID}, "redirect_uri"),
        (
            {
                "connection_id": EXAMPLE_CONNECTION_ID,
                "user_id": ALICE_ID,
                "redirect_uri": "https://x.test/",
            },
            "redirect_uri",
        ),
        ([], "object"),
    ],
)
def test_the_admin_endpoint_refuses(client: TestClient, body: object, message: str) -> None:
    response = client.post("/_emulator/idp_initiated", json=body)
    assert response.status_code == 400
    assert message in response.json()["message"]


@pytest.mark.parametrize(
    "params",
    [
        {"connection": "conn_x", "redirect_uri": REDIRECT_URI},
        {"connection": EXAMPLE_CONNECTION_ID, "redirect_uri": "https://x.test/cb"},
    ],
)
def test_bad_dashboard_requests_get_a_page(client: TestClient, params: dict[str, str]) -> None:
    assert client.get("/sso/idp_initiated", params=params).status_code == 400
    assert client.post("/sso/idp_initiated", data={**params, "user": ALICE_ID}).status_code == 400


def test_the_domain_rule_still_applies(client: TestClient) -> None:
    client.put(
        f"/_emulator/connections/{EXAMPLE_CONNECTION_ID}/users/prof_m",
        json={"email": "mallory@outside.test"},
    )
    done = client.post("/sso/idp_initiated", data={**DASHBOARD, "user": "prof_m"})
    assert query_of(done.headers["location"])["error"] == "profile_not_allowed_outside_organization"


def test_the_index_links_each_connection_to_its_dashboard(clock: FrozenClock) -> None:
    app = create_app(
        redirect_uris=["https://app.example.com/api/auth/callback/workos"], clock=clock
    )
    with TestClient(app, base_url="http://emulator.test/") as c:
        html = c.get("/").text
        marker = 'href="sso/idp_initiated?'
        start = html.index(marker) + len('href="')
        link = html[start : html.index('"', start)].replace("&amp;", "&")
        page = c.get("/" + link)
        assert page.status_code == 200 and "Open the app as Alice Anderson" in page.text
    assert marker not in TestClient(create_app(clock=clock)).get("/").text
