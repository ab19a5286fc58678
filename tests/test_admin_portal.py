"""``GET /api/auth/admin-portal?intent=...``: a one-time WorkOS Admin Portal link for
the signed-in user's own organization, for those the configured rule allows, through
both adapters (WorkOS mocked with respx)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import respx

from workos_middleware import AccessRule, ConfigurationError
from workos_middleware.testing import session_cookies

from support import API_KEY, APP_URL, Client, make_config

PORTAL = "/api/auth/admin-portal"
BROWSER = {"accept": "text/html", "sec-fetch-mode": "navigate"}
API = {"accept": "application/json"}
LINK = "https://setup.workos.test/portal/launch?secret=s3cr3t"


@pytest.fixture
def portal_api(workos: respx.MockRouter) -> respx.Route:
    return workos.post("/portal/generate_link").respond(200, json={"link": LINK})


def signed_in(client: Client, **user: Any) -> Client:
    for name, value in session_cookies(client.config, **user).items():
        client.set_cookie(name, value)
    return client


def test_nobody_until_configured(
    make_client: Callable[..., Client], portal_api: respx.Route
) -> None:
    client = signed_in(make_client(), organization_id="org_01", roles=["admin"])
    response = client.get(PORTAL, params={"intent": "sso"}, headers=BROWSER)
    assert response.status_code == 403
    assert "administrators" in response.text
    assert not portal_api.called


def test_an_allowed_user_is_sent_to_their_organizations_portal(
    make_client: Callable[..., Client], portal_api: respx.Route
) -> None:
    client = make_client(
        admin_portal=AccessRule(roles=["admin"]), admin_portal_return_path="/settings"
    )
    signed_in(client, organization_id="org_01ADMIN", roles=["admin"])
    for intent in ("sso", "dsync", "domain_verification", "audit_logs", "log_streams"):
        response = client.get(PORTAL, params={"intent": intent}, headers=BROWSER)
        assert response.status_code == 302, response.text
        assert response.headers["location"] == LINK
        assert response.headers["cache-control"] == "no-store"
        sent = portal_api.calls.last.request
        assert sent.headers["authorization"] == f"Bearer {API_KEY}"
        assert json.loads(sent.content) == {
            "organization": "org_01ADMIN",
            "intent": intent,
            "return_url": f"{APP_URL}/settings",
        }


def test_a_user_the_rule_does_not_allow_is_refused(
    make_client: Callable[..., Client], portal_api: respx.Route
) -> None:
    client = make_client(admin_portal=AccessRule(permissions=["settings:manage"]))
    signed_in(client, organization_id="org_01", roles=["admin"], claims={"permissions": ["x"]})
    response = client.get(PORTAL, params={"intent": "sso"}, headers=BROWSER)
    assert response.status_code == 403 and "Access denied" in response.text
    response = client.get(PORTAL, params={"intent": "sso"}, headers=API)
    assert response.status_code == 403 and response.json()["error"] == "Forbidden"
    assert not portal_api.called
    signed_in(client, organization_id="org_01", claims={"permissions": ["settings:manage"]})
    assert client.get(PORTAL, params={"intent": "dsync"}).headers["location"] == LINK


def test_signed_out_goes_to_sign_in_and_comes_back(
    make_client: Callable[..., Client], portal_api: respx.Route
) -> None:
    client = make_client(admin_portal=AccessRule(roles=["admin"]))
    response = client.get(PORTAL, params={"intent": "sso"}, headers=BROWSER)
    assert response.status_code == 302
    assert response.headers["location"] == (
        f"{APP_URL}/api/auth/signin?callbackUrl=%2Fapi%2Fauth%2Fadmin-portal%3Fintent%3Dsso"
    )
    assert client.get(PORTAL, params={"intent": "sso"}, headers=API).status_code == 401
    assert not portal_api.called


@pytest.mark.parametrize("query", [{}, {"intent": ""}, {"intent": "everything"}])
def test_an_unknown_intent_is_400(
    make_client: Callable[..., Client], portal_api: respx.Route, query: dict[str, str]
) -> None:
    client = make_client(admin_portal=AccessRule(roles=["admin"]))
    signed_in(client, organization_id="org_01", roles=["admin"])
    response = client.get(PORTAL, params=query)
    assert response.status_code == 400 and "intent must be one of" in response.json()["error"]
    assert not portal_api.called


def test_a_user_without_an_organization_is_refused(
    make_client: Callable[..., Client], portal_api: respx.Route
) -> None:
    client = make_client(admin_portal=AccessRule(roles=["admin"]))
    signed_in(client, roles=["admin"])
    response = client.get(PORTAL, params={"intent": "sso"}, headers=BROWSER)
    assert response.status_code == 403 and "organization" in response.text
    assert not portal_api.called


@pytest.mark.parametrize(("status", "shown"), [(500, 503), (401, 500)])
def test_workos_failing_is_an_error_page(
    make_client: Callable[..., Client], workos: respx.MockRouter, status: int, shown: int
) -> None:
    workos.post("/portal/generate_link").respond(status, json={"message": "no"})
    client = make_client(admin_portal=AccessRule(roles=["admin"]))
    signed_in(client, organization_id="org_01", roles=["admin"])
    response = client.get(PORTAL, params={"intent": "sso"}, headers=BROWSER)
    assert response.status_code == shown
    assert "Traceback" not in response.text


def test_a_link_that_is_not_a_url_is_refused(
    make_client: Callable[..., Client], workos: respx.MockRouter
) -> None:
    workos.post("/portal/generate_link").respond(200, json={"link": "javascript:alert(1)"})
    client = make_client(admin_portal=AccessRule(roles=["admin"]))
    signed_in(client, organization_id="org_01", roles=["admin"])
    response = client.get(PORTAL, params={"intent": "sso"}, headers=BROWSER)
    assert response.status_code == 500 and "location" not in response.headers


@pytest.mark.parametrize(
    ("options", "setting"),
    [
        ({"admin_portal": {"roles": ["admin"]}}, "admin_portal"),
        ({"admin_portal_return_path": "https://evil.test/"}, "admin_portal_return_path"),
        ({"admin_portal_return_path": "//evil.test/"}, "admin_portal_return_path"),
    ],
)
def test_bad_settings_are_refused(options: dict[str, Any], setting: str) -> None:
    with pytest.raises(ConfigurationError, match=setting):
        make_config(**options)


def test_the_emulators_portal_link(adapter: str, portal: Any) -> None:
    """Against the emulator over loopback: its link opens its portal page."""
    import httpx

    from workos_middleware import AuthConfig, WorkOSProvider
    from workos_middleware.emulator import DEFAULT_API_KEY, DEFAULT_CLIENT_ID, create_app
    from workos_middleware.emulator.defaults import EXAMPLE_ORG_ID

    from support import SECRET, serve

    server = serve(create_app())
    try:
        provider = WorkOSProvider(
            client_id=DEFAULT_CLIENT_ID, client_secret=DEFAULT_API_KEY, base_url=server.url
        )
        config = AuthConfig(
            providers=[provider],
            secret=SECRET,
            url=APP_URL,
            admin_portal=AccessRule(roles=["admin"]),
            admin_portal_return_path="/settings",
        )
        client = signed_in(Client(adapter, config, portal), organization_id=EXAMPLE_ORG_ID)
        assert client.get(PORTAL, params={"intent": "sso"}).status_code == 403
        signed_in(client, organization_id=EXAMPLE_ORG_ID, roles=["admin"])
        response = client.get(PORTAL, params={"intent": "sso"}, headers=BROWSER)
        assert response.status_code == 302
        link = response.headers["location"]
        assert link.startswith(server.url)
        page = httpx.get(link, follow_redirects=True)
        assert page.status_code == 200 and f"{APP_URL}/settings" in page.text
    finally:
        server.stop()
