"""The whole sign-in over real loopback HTTP: both adapters against the local emulator.

Unlike the respx tests, nothing here is mocked: the middleware's own pooled httpx
clients talk to a real emulator server, and an httpx client plays the browser on the
emulator's IdP page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from anyio.from_thread import BlockingPortal

from workos_middleware import WorkOSProvider
from workos_middleware.emulator import DEFAULT_API_KEY, DEFAULT_CLIENT_ID, create_app
from workos_middleware.emulator.defaults import ALICE_ID, BOB_ID, EXAMPLE_ORG_ID

from support import APP_URL, Client, make_config, query_lists, query_of, serve
from support.emulator import pick


@pytest.fixture(scope="module")
def emulator_url() -> Iterator[str]:
    server = serve(create_app(redirect_uris=[f"{APP_URL}/api/auth/callback/workos"]))
    yield server.url
    server.stop()


@pytest.fixture
def live_client(
    adapter: str, portal: BlockingPortal, emulator_url: str, admin: httpx.Client
) -> Callable[..., Client]:
    def make(**overrides: Any) -> Client:
        provider = WorkOSProvider(
            client_id=DEFAULT_CLIENT_ID, client_secret=DEFAULT_API_KEY, base_url=emulator_url
        )
        return Client(adapter, make_config(providers=[provider], **overrides), portal)

    return make


def idp_choose(authorize_url: str, user_id: str | None) -> str:
    """Play the user on the emulator's IdP page: pick ``user_id`` (or deny).
    Returns the Location the emulator sends the browser back to."""
    form = {"user": user_id} if user_id else {"action": "deny"}
    with httpx.Client() as browser:
        return pick(browser, authorize_url, **form)


def start(client: Client, email: str) -> str:
    data = {"csrfToken": client.csrf(), "callbackUrl": "/dashboard", "email": email}
    response = client.post("/api/auth/signin/workos", data=data)
    assert response.status_code == 302
    location: str = response.headers["location"]
    return location


def back_to_app(client: Client, location: str) -> httpx.Response:
    assert location.startswith(f"{APP_URL}/api/auth/callback/workos?")
    return client.get(location)


def test_sign_in_through_the_emulator(live_client: Callable[..., Client]) -> None:
    client = live_client()
    authorize = start(client, "alice@example.com")
    query = query_lists(authorize)
    assert query["organization"] == [EXAMPLE_ORG_ID]  # looked up by the email's domain
    response = back_to_app(client, idp_choose(authorize, ALICE_ID))
    assert response.headers["location"] == f"{APP_URL}/dashboard"
    home = client.get("/").json()
    assert home["display_name"] == "Alice Anderson"
    assert home["session"]["user"]["email"] == "alice@example.com"


def test_another_user_of_the_organization(live_client: Callable[..., Client]) -> None:
    client = live_client()
    back_to_app(client, idp_choose(start(client, "bob@example.com"), BOB_ID))
    assert client.get("/api/auth/session").json()["user"]["name"] == "Bob Brown"


def test_deny_ends_in_the_error_flow(live_client: Callable[..., Client]) -> None:
    client = live_client()
    response = back_to_app(client, idp_choose(start(client, "alice@example.com"), None))
    assert response.headers["location"] == f"{APP_URL}/api/auth/error?error=Cancelled"
    assert client.get("/api/auth/session").json() == {}


def test_unknown_domain_gets_no_connection(live_client: Callable[..., Client]) -> None:
    client = live_client()
    authorize = start(client, "nobody@unknown.test")
    assert query_lists(authorize)["domain"] == ["unknown.test"]
    with httpx.Client() as browser:
        back = browser.get(authorize)
    assert back.status_code == 302
    response = back_to_app(client, back.headers["location"])
    assert response.headers["location"] == f"{APP_URL}/api/auth/error?error=NoConnection"
    page = client.get("/api/auth/signin?error=NoConnection")
    assert "Single sign-on is not set up for that email address" in page.text


def token_calls(admin: httpx.Client) -> int:
    """Token calls the emulator saw; a slow one is logged when it ends, so wait for it."""
    import time

    deadline = time.monotonic() + 6
    while True:
        log = admin.get("/_emulator/requests").json()["data"]
        count = sum(1 for entry in log if entry["path"].endswith("/sso/token"))
        if count or time.monotonic() > deadline:
            return count
        time.sleep(0.1)


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "status", "status": 503},
        {"kind": "status", "status": 500},
        {"kind": "invalid_grant"},
        {"kind": "malformed_json"},
        {"kind": "huge_body", "bytes": 5_000_000},
        {"kind": "latency", "seconds": 3},
    ],
    ids=["503", "500", "invalid_grant", "malformed_json", "huge_body", "timeout"],
)
def test_token_faults_over_http(
    live_client: Callable[..., Client], admin: httpx.Client, fault: dict[str, Any]
) -> None:
    client = live_client(http_timeout=1.0)
    authorize = start(client, "alice@example.com")
    location = idp_choose(authorize, ALICE_ID)
    admin.post("/_emulator/faults", json={"endpoint": "token", **fault}).raise_for_status()
    response = back_to_app(client, location)
    # An outage (5xx, timeout) says WorkOS could not be reached; the rest, this sign-in.
    code = "ProviderUnavailable" if fault["kind"] in ("status", "latency") else "Callback"
    assert response.headers["location"] == f"{APP_URL}/api/auth/error?error={code}"
    assert client.get("/api/auth/session").json() == {}
    assert token_calls(admin) == 1  # never retried


def test_a_used_code_is_refused_by_the_emulator(live_client: Callable[..., Client]) -> None:
    """The attacker's replay: a code already exchanged, with a fresh state of the
    victim's own, is refused by WorkOS and ends in the error flow."""
    client = live_client()
    location = idp_choose(start(client, "alice@example.com"), ALICE_ID)
    code = query_of(location)["code"]
    back_to_app(client, location)
    victim = live_client()
    state = query_of(start(victim, "bob@example.com"))["state"]
    response = victim.callback({"code": code, "state": state})
    assert response.headers["location"] == f"{APP_URL}/api/auth/error?error=Callback"
    assert victim.get("/api/auth/session").json() == {}
