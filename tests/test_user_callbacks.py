"""User callbacks and events: sign_in, redirect, session, jwt; sign_in and sign_out events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import respx

from support import APP_URL, Client


def test_sign_in_callback_receives_user_account_profile(
    make_client: Callable[..., Client], workos: respx.MockRouter
) -> None:
    seen: list[tuple[Any, ...]] = []

    def sign_in(user: dict[str, Any], account: dict[str, Any], profile: dict[str, Any]) -> bool:
        seen.append((user, account, profile))
        return True

    client = make_client(callbacks={"sign_in": sign_in})
    client.sign_in(workos)
    [(user, account, profile)] = seen
    assert user == {
        "id": "prof_01ALICE",
        "name": "Alice Anderson",
        "email": "alice@example.com",
        "image": None,
        "organization_id": "org_01EXAMPLE",
        "connection_id": "conn_01EXAMPLE",
        "connection_type": "OktaSAML",
        "roles": ["admin"],
        "groups": ["Engineering"],
        "permissions": [],
        "idp_id": "00u1a0ufowBJlzPlk357",
    }
    assert account["provider"] == "workos"
    assert account["providerAccountId"] == "prof_01ALICE"
    assert account["access_token"] == "01DMEK0J53CVMC32CK5SE0KZ8Q"
    assert profile["idp_id"] == "00u1a0ufowBJlzPlk357"


@pytest.mark.parametrize("result", [False, None, 0, "", [], {"ok": True}])
def test_sign_in_callback_denies_unless_true_or_a_url(
    make_client: Callable[..., Client], workos: respx.MockRouter, result: Any
) -> None:
    client = make_client(callbacks={"sign_in": lambda *a: result})
    response = client.sign_in(workos)
    assert response.headers["location"] == f"{APP_URL}/api/auth/error?error=AccessDenied"
    assert client.get("/api/auth/session").json() == {}
    assert client.get(response.headers["location"]).status_code == 403


def test_sign_in_callback_raising_denies(
    make_client: Callable[..., Client], workos: respx.MockRouter
) -> None:
    def sign_in(*args: Any) -> bool:
        raise RuntimeError("boom")

    client = make_client(callbacks={"sign_in": sign_in})
    response = client.sign_in(workos)
    assert response.headers["location"] == f"{APP_URL}/api/auth/error?error=AccessDenied"
    assert client.get("/api/auth/session").json() == {}


def test_sign_in_callback_url_redirects_without_session(
    make_client: Callable[..., Client], workos: respx.MockRouter
) -> None:
    client = make_client(callbacks={"sign_in": lambda *a: "/not-allowed?why=org"})
    response = client.sign_in(workos)
    assert response.headers["location"] == f"{APP_URL}/not-allowed?why=org"
    assert client.get("/api/auth/session").json() == {}


def test_sign_in_callback_foreign_url_goes_through_redirect(
    make_client: Callable[..., Client], workos: respx.MockRouter
) -> None:
    client = make_client(callbacks={"sign_in": lambda *a: "https://evil.test/"})
    assert client.sign_in(workos).headers["location"] == APP_URL


def test_redirect_callback_can_allow_more(
    make_client: Callable[..., Client], workos: respx.MockRouter
) -> None:
    calls: list[tuple[str, str]] = []

    def redirect(url: str, base_url: str) -> str:
        calls.append((url, base_url))
        return url if url.startswith("https://docs.app.test/") else base_url

    client = make_client(callbacks={"redirect": redirect})
    response = client.sign_in(workos, callback_url="https://docs.app.test/page")
    assert response.headers["location"] == "https://docs.app.test/page"
    assert ("https://docs.app.test/page", APP_URL) in calls


@pytest.mark.parametrize("bad", ["https://x.test/\r\nSet-Cookie: a=b", None, 42, "javascript:x"])
def test_redirect_callback_results_are_made_header_safe(
    make_client: Callable[..., Client], workos: respx.MockRouter, bad: Any
) -> None:
    client = make_client(callbacks={"redirect": lambda url, base: bad})
    response = client.sign_in(workos)
    assert response.headers["location"] == APP_URL


def test_raising_redirect_callback_falls_back_to_app_url(
    make_client: Callable[..., Client], workos: respx.MockRouter
) -> None:
    def redirect(url: str, base_url: str) -> str:
        raise RuntimeError("nope")

    client = make_client(callbacks={"redirect": redirect})
    assert client.sign_in(workos).headers["location"] == APP_URL


def test_jwt_callback_shapes_the_token(
    make_client: Callable[..., Client], workos: respx.MockRouter
) -> None:
    seen: list[Any] = []

    def jwt(token: dict[str, Any], user: Any, account: Any, profile: Any, new: bool) -> Any:
        seen.append(new)
        return {**token, "tenant": user["organization_id"]}

    def session(session: dict[str, Any], token: dict[str, Any]) -> dict[str, Any]:
        return {**session, "tenant": token["tenant"]}

    client = make_client(callbacks={"jwt": jwt, "session": session})
    client.sign_in(workos)
    assert client.get("/api/auth/session").json()["tenant"] == "org_01EXAMPLE"
    assert seen == [False]


@pytest.mark.parametrize("bad", [None, "token", {"no": "sub"}])
def test_jwt_callback_returning_garbage_fails_closed(
    make_client: Callable[..., Client], workos: respx.MockRouter, bad: Any
) -> None:
    client = make_client(callbacks={"jwt": lambda *a: bad})
    response = client.sign_in(workos)
    assert "error=" in response.headers["location"]
    assert client.get("/api/auth/session").json() == {}


def test_events_fire_and_their_failures_change_nothing(
    make_client: Callable[..., Client], workos: respx.MockRouter
) -> None:
    fired: list[tuple[str, Any]] = []

    def on_sign_in(message: dict[str, Any]) -> None:
        fired.append(("sign_in", message["user"]["email"]))
        raise RuntimeError("analytics down")

    def on_sign_out(message: dict[str, Any]) -> None:
        fired.append(("sign_out", message["token"]["email"]))

    client = make_client(events={"sign_in": on_sign_in, "sign_out": on_sign_out})
    client.sign_in(workos)
    assert client.get("/api/auth/session").json()["user"]["email"] == "alice@example.com"
    client.post("/api/auth/signout", data={"csrfToken": client.csrf()})
    assert fired == [("sign_in", "alice@example.com"), ("sign_out", "alice@example.com")]


def test_async_callbacks_under_asgi(
    make_client: Callable[..., Client], workos: respx.MockRouter, adapter: str
) -> None:
    if adapter != "asgi":
        pytest.skip("async callbacks are an ASGI feature (WSGI refuses them: test_config)")

    async def sign_in(*args: Any) -> bool:
        return True

    async def session(session: dict[str, Any], token: dict[str, Any]) -> dict[str, Any]:
        return {**session, "async": True}

    async def redirect(url: str, base_url: str) -> str:
        return base_url + "/async-landing"

    client = make_client(callbacks={"sign_in": sign_in, "session": session, "redirect": redirect})
    assert client.sign_in(workos).headers["location"] == f"{APP_URL}/async-landing"
    assert client.get("/api/auth/session").json()["async"] is True
    assert client.get("/").json()["session"]["async"] is True


# -- sign-out ---------------------------------------------------------------------------


def test_signout_clears_the_session(client: Client, workos: respx.MockRouter) -> None:
    client.sign_in(workos)
    response = client.post(
        "/api/auth/signout", data={"csrfToken": client.csrf(), "callbackUrl": "/bye"}
    )
    assert response.status_code == 302
    assert response.headers["location"] == f"{APP_URL}/bye"
    assert client.get("/api/auth/session").json() == {}
    assert client.get("/").json()["authenticated"] is False


def test_signout_without_csrf_leaves_the_session(client: Client, workos: respx.MockRouter) -> None:
    client.sign_in(workos)
    for data in ({}, {"csrfToken": "forged"}):
        response = client.post("/api/auth/signout", data=data)
        assert response.headers["location"] == f"{APP_URL}/api/auth/signout?csrf=true"
        assert client.get("/api/auth/session").json() != {}
    response = client.post(
        "/api/auth/signout",
        data={"csrfToken": client.csrf()},
        headers={"origin": "https://evil.test"},
    )
    assert client.get("/api/auth/session").json() != {}


def test_get_signout_only_shows_a_page(client: Client, workos: respx.MockRouter) -> None:
    client.sign_in(workos)
    assert client.get("/api/auth/signout").status_code == 200
    assert client.get("/api/auth/session").json() != {}


def test_signout_json(client: Client, workos: respx.MockRouter) -> None:
    client.sign_in(workos)
    response = client.post(
        "/api/auth/signout",
        data={"csrfToken": client.csrf(), "callbackUrl": f"{APP_URL}/", "json": "true"},
    )
    assert response.json() == {"url": f"{APP_URL}/"}
    assert client.get("/api/auth/session").json() == {}


def test_sign_in_replaces_a_planted_session(
    make_client: Callable[..., Client], workos: respx.MockRouter
) -> None:
    """No session fixation: whatever session cookie was there, sign-in writes a new one."""
    from support import session_cookie, session_token

    client = make_client()
    planted = session_cookie(session_token(sub="prof_ATTACKER", email="mallory@example.com"))
    client.set_cookie("next-auth.session-token", planted)
    client.sign_in(workos)
    assert client.cookies["next-auth.session-token"] != planted
    assert client.get("/api/auth/session").json()["user"]["email"] == "alice@example.com"
