"""AuthKit end to end against the real emulator over loopback HTTP, on both adapters:
hosted sign-in, access tokens checked against the emulator's JWKS, transparent refresh
with single-use refresh tokens, organization switching and WorkOS logout. Nothing is
mocked: the middleware's clients call the emulator; an httpx client plays the browser."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from anyio.from_thread import BlockingPortal

from workos_middleware import AccessRule, AuthConfig, AuthKitProvider, Rule
from workos_middleware.emulator import DEFAULT_API_KEY, DEFAULT_CLIENT_ID, create_app

from support import APP_URL, SECRET, Client, FakeClock, query_of, serve
from support.emulator import pick
from support.idp import session_user

ALICE = "user_01HVA1CE000000000000000000"
EXAMPLE_ORG = "org_01HVEXAMP0RG00000000000000"
ACME_ORG = "org_01HVACME0RG000000000000000"
RETURN_TO = f"{APP_URL}/bye"


# One clock for the emulator and the middleware, moved by the tests.
CLOCK = FakeClock()


@pytest.fixture(scope="module")
def emulator_url() -> Iterator[str]:
    registered = [f"{APP_URL}/api/auth/callback/authkit", RETURN_TO]
    server = serve(create_app(redirect_uris=registered, clock=CLOCK))
    yield server.url
    server.stop()


@pytest.fixture
def clock() -> FakeClock:
    CLOCK.offset = 0.0
    return CLOCK


@pytest.fixture
def app(
    adapter: str, portal: BlockingPortal, emulator_url: str, admin: httpx.Client, clock: FakeClock
) -> Callable[..., Client]:
    def make(**options: Any) -> Client:
        provider = AuthKitProvider(
            client_id=DEFAULT_CLIENT_ID,
            client_secret=DEFAULT_API_KEY,
            base_url=emulator_url,
            clock=clock,
            jwks_min_refetch_interval=0,
        )
        config = AuthConfig(
            providers=[provider], secret=SECRET, url=APP_URL, clock=clock, **options
        )
        return Client(adapter, config, portal)

    return make


def sign_in(client: Client, user: str = ALICE) -> httpx.Response:
    started = client.post("/api/auth/signin/authkit", data={"csrfToken": client.csrf()})
    authorize = started.headers["location"]
    assert query_of(authorize)["provider"] == "authkit"
    with httpx.Client() as browser:
        back = pick(browser, authorize, user=user)
    assert back.startswith(f"{APP_URL}/api/auth/callback/authkit?")
    return client.get(back)


def token_of(client: Client) -> dict[str, object]:
    """The session token in the browser's cookie, read by the middleware's own codec."""
    raw = client.cookies.get("next-auth.session-token")
    assert raw is not None
    keys = client.middleware.core.sessions.keys
    decoded = keys.format.lookup(raw, keys.clock())
    assert decoded is not None
    return dict(decoded.token())


def test_hosted_sign_in_refresh_and_organization_switch(
    app: Callable[[], Client], clock: FakeClock
) -> None:
    client = app()
    done = sign_in(client)
    assert done.headers["location"] == f"{APP_URL}/"
    user = session_user(client)
    assert user == {"name": "Alice Anderson", "email": "alice@example.com", "image": None}
    assert token_of(client)["organization_id"] == EXAMPLE_ORG
    assert token_of(client)["roles"] == ["admin"]

    # 250 s later the access token (300 s) is within the 60 s margin: refreshed in passing.
    stale = dict(client.cookies.items())
    clock.offset += 250
    response = client.get("/")
    assert response.json()["authenticated"] is True
    assert client.cookies.get("next-auth.session-token") != stale["next-auth.session-token"]
    # ...and again later, with the rotated refresh token.
    clock.offset += 250
    assert session_user(client) is not None

    switched = client.post(
        "/api/auth/organization",
        data={"csrfToken": client.csrf(), "organization_id": ACME_ORG, "callbackUrl": "/dashboard"},
    )
    assert switched.headers["location"] == f"{APP_URL}/dashboard"
    assert token_of(client)["organization_id"] == ACME_ORG
    assert token_of(client)["roles"] == ["member"]

    refused = client.post(
        "/api/auth/organization",
        data={"csrfToken": client.csrf(), "organization_id": "org_01NOTAMEMBER00000000000000"},
    )
    assert refused.headers["location"] == f"{APP_URL}/api/auth/error?error=AccessDenied"
    assert token_of(client)["organization_id"] == ACME_ORG


def test_sign_out_ends_the_workos_session(app: Callable[[], Client], clock: FakeClock) -> None:
    client = app()
    sign_in(client)
    copy = app()  # the same session in another browser (a stolen or stale cookie)
    for name, value in client.cookies.items():
        copy.set_cookie(name, value)
    out = client.post("/api/auth/signout", data={"csrfToken": client.csrf(), "callbackUrl": "/bye"})
    logout = out.headers["location"]
    assert "/user_management/sessions/logout?" in logout
    with httpx.Client() as browser:
        back = browser.get(logout)
    assert back.status_code == 302 and back.headers["location"] == RETURN_TO
    assert session_user(client) is None
    # WorkOS ended the session: the copy cannot refresh, and is signed out at expiry.
    clock.offset += 250
    assert session_user(copy) is not None
    clock.offset += 100
    assert session_user(copy) is None


@pytest.mark.parametrize("defect", ["bad_signature", "unknown_kid", "expired"])
def test_a_bad_access_token_creates_no_session(
    app: Callable[[], Client], admin: httpx.Client, defect: str
) -> None:
    fault = {"endpoint": "authenticate", "kind": "token_defect", "defect": defect}
    admin.post("/_emulator/faults", json=fault).raise_for_status()
    client = app()
    done = sign_in(client)
    assert done.headers["location"] == f"{APP_URL}/api/auth/error?error=Callback"
    assert session_user(client) is None


def test_the_roles_permissions_decide_a_protected_path(app: Callable[..., Client]) -> None:
    """The emulator's roles carry permissions (admin: reports:write; member: reports:read
    only), in the access token of the user's organization."""
    writers = Rule("/dashboard", allow=AccessRule(permissions=["reports:write"]))
    client = app(protect=[writers])
    sign_in(client)
    assert "reports:write" in token_of(client)["permissions"]  # type: ignore[operator]
    assert client.get("/dashboard").status_code == 200
    switched = client.post(
        "/api/auth/organization",
        data={"csrfToken": client.csrf(), "organization_id": ACME_ORG, "callbackUrl": "/"},
    )
    assert switched.status_code == 302
    assert token_of(client)["permissions"] == ["reports:read"]
    assert client.get("/dashboard", headers={"accept": "application/json"}).status_code == 403
