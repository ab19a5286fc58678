"""The Admin Portal: the official SDK generates a link, and the link opens a small portal
page once, for five minutes, with a way back to the application."""

from __future__ import annotations

import httpx
import pytest
from starlette.testclient import TestClient
from workos import (
    AuthenticationError,
    NotFoundError,
    UnprocessableEntityError,
    WorkOSClient,
)

from workos_middleware.emulator.defaults import EXAMPLE_ORG_ID

from emulator_helpers import API_KEY, CLIENT_ID
from support import FrozenClock, LiveServer

RETURN_URL = "http://127.0.0.1:8000/settings"
SUCCESS_URL = "http://127.0.0.1:8000/settings?sso=done"
AUTH = {"Authorization": f"Bearer {API_KEY}"}


def test_the_sdk_generates_a_link_that_opens_the_portal_once(
    workos: WorkOSClient, live: LiveServer
) -> None:
    link = workos.admin_portal.generate_link(
        organization=EXAMPLE_ORG_ID, intent="sso", return_url=RETURN_URL, success_url=SUCCESS_URL
    ).link
    assert link.startswith(f"{live.url}/portal/launch?secret=")
    with httpx.Client(follow_redirects=False) as browser:
        opened = browser.get(link)
        assert opened.status_code == 303
        page = browser.get(opened.headers["location"])
        assert page.status_code == 200
        assert "Set up Single Sign-On" in page.text and "Example" in page.text
        assert "Example Okta" in page.text  # the organization's SSO connection
        assert f'href="{RETURN_URL}"' in page.text
        assert f'href="{SUCCESS_URL.replace("&", "&amp;")}"' in page.text
        assert browser.get(opened.headers["location"]).status_code == 200  # a reload works
        again = browser.get(link)
        assert again.status_code == 400 and "expired" in again.text


@pytest.mark.parametrize(
    ("intent", "shown"),
    [
        ("dsync", "Example Okta SCIM"),
        ("domain_verification", "example.com"),
        ("audit_logs", "nothing to set up"),
        (None, "Example Okta SCIM"),
    ],
)
def test_each_intent_shows_its_part(workos: WorkOSClient, intent: str | None, shown: str) -> None:
    link = workos.admin_portal.generate_link(organization=EXAMPLE_ORG_ID, intent=intent).link
    page = httpx.get(link, follow_redirects=True)
    assert page.status_code == 200 and shown in page.text
    assert "Back to the application" not in page.text  # no return_url given


def test_bad_requests(workos: WorkOSClient, live: LiveServer) -> None:
    with pytest.raises(NotFoundError):
        workos.admin_portal.generate_link(organization="org_nope", intent="sso")
    with pytest.raises(UnprocessableEntityError):
        workos.admin_portal.generate_link(organization=EXAMPLE_ORG_ID, intent="everything")
    with pytest.raises(UnprocessableEntityError):
        workos.admin_portal.generate_link(organization=EXAMPLE_ORG_ID, return_url="javascript:x")
    with pytest.raises(UnprocessableEntityError):
        workos.admin_portal.generate_link(organization="")
    with (
        WorkOSClient(
            api_key="sk_wrong", client_id=CLIENT_ID, base_url=live.url, max_retries=0
        ) as wrong,
        pytest.raises(AuthenticationError),
    ):
        wrong.admin_portal.generate_link(organization=EXAMPLE_ORG_ID)
    unknown = httpx.get(f"{live.url}/portal/launch", params={"secret": "nope"})
    assert unknown.status_code == 400 and "expired" in unknown.text
    assert httpx.get(f"{live.url}/portal/sessions/nope").status_code == 404


def test_a_link_lives_five_minutes_and_a_portal_an_hour(
    client: TestClient, clock: FrozenClock
) -> None:
    def link() -> str:
        body = {"organization": EXAMPLE_ORG_ID, "intent": "sso"}
        answer = client.post("/portal/generate_link", json=body, headers=AUTH)
        assert answer.status_code == 200
        url: str = answer.json()["link"]
        assert url.startswith("http://emulator.test/portal/launch?secret=")
        return url.removeprefix("http://emulator.test")

    stale = link()
    clock.advance(301)
    assert client.get(stale).status_code == 400
    opened = client.get(link())
    assert opened.status_code == 303
    portal = opened.headers["location"].removeprefix("http://emulator.test")
    clock.advance(3599)
    assert client.get(portal).status_code == 200
    clock.advance(2)
    assert client.get(portal).status_code == 404
