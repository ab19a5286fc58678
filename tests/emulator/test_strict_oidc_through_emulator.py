"""OpenID Connect as strict providers expect it, end to end against the emulator's strict
OIDC mode over loopback HTTP, on both adapters: profile claims only from userinfo, RFC
9207's ``iss`` in the redirect (and promised by discovery), ``email_verified: false``
users, and RP-initiated logout that ends the provider's own session."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import pytest
from anyio.from_thread import BlockingPortal

from workos_middleware import AccessRule
from workos_middleware.emulator import create_app
from workos_middleware.providers import OIDCProvider

from support import APP_URL, Client, make_config, query_of, serve
from support.emulator import pick
from support.idp import session_user

CLIENT_ID = "strict-client"
SECRET = "strict-secret"
OLIVIA = {"sub": "olivia-1", "email": "olivia@example.com", "name": "Olivia Ortiz"}
MALLORY = {
    "sub": "mallory-1",
    "email": "mallory@example.com",
    "email_verified": False,
    "name": "Mallory Mole",
}
DATA = {
    "providers": [
        {
            "id": "strict",
            "kind": "oidc",
            "name": "Strict OIDC",
            "client_id": CLIENT_ID,
            "client_secret": SECRET,
            "strict": True,
            "users": [OLIVIA, MALLORY],
        }
    ]
}
CALLBACK = f"{APP_URL}/api/auth/callback/strict"


@pytest.fixture(scope="module")
def emulator_url() -> Iterator[str]:
    server = serve(create_app(data=DATA, redirect_uris=[CALLBACK, APP_URL, f"{APP_URL}/"]))
    yield server.url
    server.stop()


@pytest.fixture
def app(
    adapter: str, portal: BlockingPortal, emulator_url: str, admin: httpx.Client
) -> Callable[..., Client]:
    def make(provider_options: dict[str, Any] | None = None, **options: Any) -> Client:
        provider = OIDCProvider(
            id="strict",
            name="Strict OIDC",
            issuer=f"{emulator_url}/oidc/strict",
            client_id=CLIENT_ID,
            client_secret=SECRET,
            **(provider_options or {}),  # none: the default options
        )
        return Client(adapter, make_config(providers=[provider], **options), portal)

    return make


def start(client: Client) -> str:
    """The sign-in's redirect to the provider."""
    started = client.post("/api/auth/signin/strict", data={"csrfToken": client.csrf()})
    assert started.status_code == 302, started.text
    location: str = started.headers["location"]
    return location


def sign_in(client: Client, browser: httpx.Client, sub: str) -> httpx.Response:
    back = pick(browser, start(client), user=sub)
    assert back.startswith(f"{CALLBACK}?")
    return client.get(back)


def test_a_userinfo_only_provider_gives_the_user_email_and_name(
    app: Callable[..., Client], admin: httpx.Client
) -> None:
    client = app()
    with httpx.Client() as browser:
        done = sign_in(client, browser, OLIVIA["sub"])
    assert done.headers["location"] == f"{APP_URL}/"
    user = session_user(client)
    assert user is not None
    assert (user["email"], user["name"]) == ("olivia@example.com", "Olivia Ortiz")
    paths = [e["path"] for e in admin.get("/_emulator/requests").json()["data"]]
    assert "/oidc/strict/userinfo" in paths  # the ID token alone had neither


def test_the_redirect_carries_iss_and_discovery_promises_it(
    emulator_url: str, app: Callable[..., Client]
) -> None:
    document = httpx.get(f"{emulator_url}/oidc/strict/.well-known/openid-configuration").json()
    assert document["authorization_response_iss_parameter_supported"] is True
    with httpx.Client() as browser:
        back = pick(browser, start(app()), user=OLIVIA["sub"])
    assert query_of(back)["iss"] == f"{emulator_url}/oidc/strict"


def _with_iss(url: str, iss: str | None) -> str:
    query = {k: v for k, v in query_of(url).items() if k != "iss"}
    if iss is not None:
        query["iss"] = iss
    return f"{url.split('?', 1)[0]}?{urlencode(query)}"


@pytest.mark.parametrize("iss", ["https://attacker.example/oidc", None], ids=["other", "missing"])
def test_a_callback_whose_iss_is_not_the_issuer_is_refused(
    app: Callable[..., Client], iss: str | None
) -> None:
    """A mix-up attack: the authorization response came from another server (or, with
    discovery promising ``iss``, says nothing of where it came from)."""
    client = app()
    with httpx.Client() as browser:
        back = pick(browser, start(client), user=OLIVIA["sub"])
    done = client.get(_with_iss(back, iss))
    assert done.status_code == 302
    assert done.headers["location"] == f"{APP_URL}/api/auth/error?error=OAuthCallback"
    assert session_user(client) is None


def test_sign_out_ends_the_providers_session_so_the_next_sign_in_asks_again(
    app: Callable[..., Client], admin: httpx.Client, emulator_url: str
) -> None:
    client = app()
    with httpx.Client() as browser:
        sign_in(client, browser, OLIVIA["sub"])
        assert session_user(client) is not None
        # The provider's session is alive: a second sign-in skips its page.
        again = browser.get(start(client))
        assert again.status_code == 302 and again.headers["location"].startswith(CALLBACK)
        client.get(again.headers["location"])

        out = client.post("/api/auth/signout", data={"csrfToken": client.csrf()})
        logout = out.headers["location"]
        assert logout.startswith(f"{emulator_url}/oidc/strict/end_session?")
        query = query_of(logout)
        assert query["post_logout_redirect_uri"].startswith(APP_URL)
        assert query["id_token_hint"].count(".") == 2 and query["client_id"] == CLIENT_ID
        assert session_user(client) is None
        # The ID token rode sealed in the session cookie, never readable there.
        assert query["id_token_hint"].split(".")[1] not in str(client.cookies)
        back = browser.get(logout)
        assert back.status_code == 302, back.text
        assert urlsplit(back.headers["location"]).netloc == urlsplit(APP_URL).netloc

        page = browser.get(start(client))
        assert page.status_code == 200 and "Olivia Ortiz" in page.text  # asks again


def test_an_unverified_email_is_not_used_for_access(
    app: Callable[..., Client], caplog: pytest.LogCaptureFixture
) -> None:
    client = app(allow=AccessRule(domains=["example.com"]))
    with httpx.Client() as browser:
        done = sign_in(client, browser, MALLORY["sub"])
    assert done.headers["location"] == f"{APP_URL}/api/auth/error?error=AccessDenied"
    assert session_user(client) is None
    # Olivia's verified example.com address passes the same rule.
    with httpx.Client() as browser:
        sign_in(client, browser, OLIVIA["sub"])
    user = session_user(client)
    assert user is not None and user["email"] == "olivia@example.com"


def test_without_a_rule_the_unverified_user_signs_in_without_an_email(
    app: Callable[..., Client],
) -> None:
    client = app()
    with httpx.Client() as browser:
        sign_in(client, browser, MALLORY["sub"])
    user = session_user(client)
    assert user is not None and user["email"] is None and user["name"] == "Mallory Mole"


def test_the_options_turn_userinfo_and_logout_off(app: Callable[..., Client]) -> None:
    client = app({"userinfo": False, "logout": False})
    with httpx.Client() as browser:
        sign_in(client, browser, OLIVIA["sub"])
    user = session_user(client)
    assert user is not None and user["email"] is None and user["name"] is None
    out = client.post("/api/auth/signout", data={"csrfToken": client.csrf()})
    assert out.headers["location"].startswith(APP_URL)  # not to the provider
