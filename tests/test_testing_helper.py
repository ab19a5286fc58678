"""``workos_middleware.testing``: a session made by the real codec, on both adapters."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest
from anyio.from_thread import BlockingPortal

from workos_middleware.testing import session_cookies, sign_in, sign_out

from support import Client, make_config


def http_of(client: Client) -> Any:
    """The httpx client inside the test facade (what a user's test would hold)."""
    return client._async if client.kind == "asgi" else client._sync


def session_of(client: Client) -> dict[str, Any]:
    body: dict[str, Any] = client.get("/api/auth/session").json()
    return body


def test_signed_in_user_is_seen_by_the_app(client: Client) -> None:
    user = sign_in(
        http_of(client),
        client.config,
        email="alice@example.com",
        name="Alice Anderson",
        id="user_01ALICE",
        organization_id="org_01EXAMPLE",
        roles=["admin"],
        groups=["Engineering"],
    )
    assert user.id == "user_01ALICE"
    assert user.roles == ["admin"]
    session = session_of(client)
    assert session["user"] == {
        "name": "Alice Anderson",
        "email": "alice@example.com",
        "image": None,
    }
    assert session["expires"].endswith("Z")
    assert client.get("/private").text == "secret for alice@example.com"
    home = client.get("/").json()
    assert home["authenticated"] is True
    assert home["display_name"] == "Alice Anderson"


def test_sign_out_removes_the_session(client: Client) -> None:
    sign_in(http_of(client), client.config, email="alice@example.com")
    sign_out(http_of(client), client.config)
    assert session_of(client) == {}
    assert not list(client.cookies.jar)


def test_the_apps_own_sign_out_clears_the_helpers_cookie(client: Client) -> None:
    sign_in(http_of(client), client.config, email="alice@example.com")
    response = client.post("/api/auth/signout", data={"csrfToken": client.csrf()})
    assert response.status_code == 302
    assert session_of(client) == {}


def test_a_large_session_is_chunked_and_read_back(client: Client) -> None:
    # Random, so that compression cannot shrink it under one cookie.
    groups = [secrets.token_urlsafe(30) for _ in range(200)]
    sign_in(http_of(client), client.config, email="alice@example.com", groups=groups)
    names = sorted(cookie.name for cookie in client.cookies.jar)
    assert names[0] == "next-auth.session-token.0" and len(names) >= 2
    assert session_of(client)["user"]["email"] == "alice@example.com"
    # Signing in again with a small session leaves no chunk behind.
    sign_in(http_of(client), client.config, email="bob@example.com")
    assert [cookie.name for cookie in client.cookies.jar] == ["next-auth.session-token"]
    assert session_of(client)["user"]["email"] == "bob@example.com"


def test_claims_reach_the_session_callback(make_client: Any) -> None:
    def session(session: dict[str, Any], token: dict[str, Any]) -> dict[str, Any]:
        return {**session, "plan": token.get("plan")}

    client = make_client(callbacks={"session": session})
    sign_in(http_of(client), client.config, email="a@example.com", claims={"plan": "pro"})
    assert session_of(client)["plan"] == "pro"


def test_a_cookie_signed_with_another_secret_is_not_a_session(client: Client) -> None:
    other = make_config(secret="a-different-secret-0123456789")
    sign_in(http_of(client), other, email="mallory@example.com")
    assert session_of(client) == {}


def test_https_app_with_a_plain_http_test_client(adapter: str, portal: BlockingPortal) -> None:
    config = make_config(url="https://app.test")
    client = Client(adapter, config, portal)
    http = http_of(client)
    http.base_url = "http://app.test"
    sign_in(http, config, email="alice@example.com")
    (cookie,) = list(client.cookies.jar)
    assert cookie.name == "__Secure-next-auth.session-token"
    assert not cookie.secure  # stored so that the plain-http client sends it
    assert session_of(client)["user"]["email"] == "alice@example.com"


def test_https_test_client_keeps_the_secure_cookie(adapter: str, portal: BlockingPortal) -> None:
    config = make_config(url="https://app.test")
    client = Client(adapter, config, portal)
    sign_in(http_of(client), config, email="alice@example.com")
    (cookie,) = list(client.cookies.jar)
    assert cookie.secure
    assert session_of(client)["user"]["email"] == "alice@example.com"


def test_session_cookies_for_any_client(client: Client) -> None:
    cookies = session_cookies(client.config, email="dave@example.com")
    assert list(cookies) == ["next-auth.session-token"]
    header = "; ".join(f"{name}={value}" for name, value in cookies.items())
    response = client.get("/api/auth/session", headers={"cookie": header})
    assert response.json()["user"]["email"] == "dave@example.com"


def test_mistakes_are_clear_errors() -> None:
    config = make_config()
    with pytest.raises(ValueError, match="sub"):
        sign_in(httpx.Client(), config, claims={"sub": "someone-else"})
    with pytest.raises(TypeError, match="session_cookies"):
        sign_in(object(), config)
    with pytest.raises(TypeError, match="AuthConfig"):
        sign_in(httpx.Client(), None)


def test_with_a_server_side_store_the_session_is_created_in_it(make_client: Any) -> None:
    from workos_middleware import MemorySessionStore

    client = make_client(session_store=MemorySessionStore())
    cookies = session_cookies(client.config, email="alice@example.com")
    [value] = cookies.values()
    assert value.count(".") == 2 and "alice" not in value  # an id, not the session
    sign_in(http_of(client), client.config, email="alice@example.com")
    assert session_of(client)["user"]["email"] == "alice@example.com"
    assert client.config.session_store.live_sessions() == 2  # type: ignore[attr-defined]
