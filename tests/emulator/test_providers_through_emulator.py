"""The middleware's GitHub, Google and AuthKit providers and WorkOS IdP-initiated sign-in,
end to end against a real emulator over loopback HTTP, on both adapters. Nothing is mocked: the
middleware's clients call the emulator, and an httpx client plays the browser."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from anyio.from_thread import BlockingPortal

from workos_middleware.emulator import DEFAULT_API_KEY, DEFAULT_CLIENT_ID, create_app
from workos_middleware.emulator.defaults import ALICE_ID, EXAMPLE_CONNECTION_ID
from workos_middleware.emulator.embedded import emulated_providers
from workos_middleware.providers import (
    AuthKitProvider,
    GitHubProvider,
    GoogleProvider,
    WorkOSProvider,
)

from support import APP_URL, Client, make_config, query_of, serve
from support.emulator import pick
from support.idp import session_user


@pytest.fixture(scope="module")
def emulator_url() -> Iterator[str]:
    callbacks = [f"{APP_URL}/api/auth/callback/{p}" for p in ("workos", "github", "google")]
    server = serve(create_app(redirect_uris=callbacks))
    yield server.url
    server.stop()


@pytest.fixture
def app(
    adapter: str, portal: BlockingPortal, emulator_url: str, admin: httpx.Client
) -> Callable[..., Client]:
    settings = emulated_providers(emulator_url)
    github, google = settings["github"], settings["google"]
    root = github["authorization_url"].removesuffix("/login/oauth/authorize")

    def make(**workos: Any) -> Client:
        providers = [
            WorkOSProvider(
                client_id=DEFAULT_CLIENT_ID,
                client_secret=DEFAULT_API_KEY,
                base_url=emulator_url,
                **workos,
            ),
            GitHubProvider(
                client_id=github["client_id"],
                client_secret=github["client_secret"],
                base_url=root,
                api_url=root,
            ),
            GoogleProvider(
                client_id=google["client_id"],
                client_secret=google["client_secret"],
                issuer=google["issuer"],
            ),
        ]
        return Client(adapter, make_config(providers=providers), portal)

    return make


def sign_in_with(client: Client, provider: str, user: str) -> httpx.Response:
    started = client.post(f"/api/auth/signin/{provider}", data={"csrfToken": client.csrf()})
    assert started.status_code == 302, started.text
    with httpx.Client() as browser:
        back = pick(browser, started.headers["location"], user=user)
    assert back.startswith(f"{APP_URL}/api/auth/callback/{provider}?")
    return client.get(back)


def test_google_signs_in_and_survives_a_key_rotation(
    app: Callable[..., Client], admin: httpx.Client
) -> None:
    client = app()
    done = sign_in_with(client, "google", "108234567890123456789")
    assert done.status_code == 302 and "error" not in done.headers["location"]
    user = session_user(client)
    assert user is not None and user["email"] == "dana@gmail.com"
    # A new key: the middleware's cached JWKS lacks its kid, refetches, and verifies.
    admin.post("/_emulator/keys/rotate", json={"issuer": "google"}).raise_for_status()
    again = app()
    sign_in_with(again, "google", "108234567890123456789")
    assert session_user(again) is not None


@pytest.mark.parametrize("defect", ["bad_signature", "wrong_audience", "expired", "wrong_nonce"])
def test_google_refuses_a_bad_id_token(
    app: Callable[..., Client], admin: httpx.Client, defect: str
) -> None:
    fault = {"endpoint": "google.token", "kind": "token_defect", "defect": defect}
    admin.post("/_emulator/faults", json=fault).raise_for_status()
    client = app()
    done = sign_in_with(client, "google", "108234567890123456789")
    assert "/api/auth/error" in done.headers["location"] or "error=" in done.headers["location"]
    assert session_user(client) is None


def test_github_finds_the_primary_verified_email(app: Callable[..., Client]) -> None:
    client = app()
    sign_in_with(client, "github", "1002")  # Hal: no public email
    user = session_user(client)
    assert user is not None and user["email"] == "hal@discovery.test"


def test_workos_idp_initiated_is_refused_or_restarted(
    app: Callable[..., Client], admin: httpx.Client
) -> None:
    start = {"connection_id": EXAMPLE_CONNECTION_ID, "user_id": ALICE_ID}
    refused = app()
    url = admin.post(
        "/_emulator/idp_initiated",
        json={**start, "redirect_uri": f"{APP_URL}/api/auth/callback/workos"},
    ).json()["url"]
    response = refused.get(url)
    assert "error=IdPInitiated" in response.headers["location"]
    assert session_user(refused) is None

    restarting = app(idp_initiated="restart")
    url = admin.post(
        "/_emulator/idp_initiated",
        json={**start, "redirect_uri": f"{APP_URL}/api/auth/callback/workos"},
    ).json()["url"]
    again = restarting.get(url)
    authorize = again.headers["location"]
    assert query_of(authorize)["connection"] == EXAMPLE_CONNECTION_ID
    with httpx.Client() as browser:
        back = pick(browser, authorize, user=ALICE_ID)
    restarting.get(back)
    user = session_user(restarting)
    assert user is not None and user["email"] == "alice@example.com"


# -- AuthKit ----------------------------------------------------------------------------------


class SharedClock:
    """Real time plus an offset, for the emulator, the provider and the session alike."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@pytest.fixture(scope="module")
def shared_clock() -> SharedClock:
    return SharedClock()


@pytest.fixture(scope="module")
def authkit_emulator(shared_clock: SharedClock) -> Iterator[str]:
    server = serve(
        create_app(redirect_uris=[f"{APP_URL}/api/auth/callback/authkit"], clock=shared_clock)
    )
    yield server.url
    server.stop()


def test_authkit_signs_in_refreshes_and_signs_out_through_workos(
    adapter: str, portal: BlockingPortal, authkit_emulator: str, shared_clock: SharedClock
) -> None:
    shared_clock.offset = 0.0
    admin = httpx.Client(base_url=authkit_emulator)
    admin.post("/_emulator/reset").raise_for_status()
    provider = AuthKitProvider(
        client_id=DEFAULT_CLIENT_ID,
        client_secret=DEFAULT_API_KEY,
        base_url=authkit_emulator,
        clock=shared_clock,
    )
    client = Client(adapter, make_config(providers=[provider], clock=shared_clock), portal)
    sign_in_with(client, "authkit", "user_01HVA1CE000000000000000000")
    user = session_user(client)
    assert user is not None and user["email"] == "alice@example.com"

    # 250 s later the 300 s access token is due: the middleware refreshes it at WorkOS.
    shared_clock.offset = 250
    assert session_user(client) is not None
    calls = [e["path"] for e in admin.get("/_emulator/requests").json()["data"]]
    assert calls.count("/user_management/authenticate") == 2

    out = client.post("/api/auth/signout", data={"csrfToken": client.csrf()})
    logout = out.headers["location"]
    assert logout.startswith(f"{authkit_emulator}/user_management/sessions/logout?")
    with httpx.Client() as browser:
        back = browser.get(logout)
    assert back.status_code == 302, (logout, back.text[:3000])
    assert back.headers["location"].startswith(APP_URL)
    [session] = admin.get("/_emulator/sessions").json()["data"]
    assert session["ended"] is True
    assert session_user(client) is None
    admin.close()
