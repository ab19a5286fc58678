"""The plain routes: providers, csrf, session, unknown actions, methods, limits."""

from __future__ import annotations

from support import APP_URL, Client, set_cookie_headers


def test_providers_lists_workos_with_absolute_urls(client: Client) -> None:
    response = client.get("/api/auth/providers")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.json() == {
        "workos": {
            "id": "workos",
            "name": "WorkOS",
            "type": "oauth",
            "signinUrl": f"{APP_URL}/api/auth/signin/workos",
            "callbackUrl": f"{APP_URL}/api/auth/callback/workos",
        }
    }


def test_csrf_sets_cookie_once_and_reuses_it(client: Client) -> None:
    first = client.get("/api/auth/csrf")
    assert first.status_code == 200
    token = first.json()["csrfToken"]
    assert len(token) == 64
    [cookie] = set_cookie_headers(first)
    assert cookie.startswith("next-auth.csrf-token=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    second = client.get("/api/auth/csrf")
    assert second.json()["csrfToken"] == token
    assert set_cookie_headers(second) == []


def test_csrf_replaces_a_forged_cookie(client: Client) -> None:
    client.set_cookie("next-auth.csrf-token", "a" * 64 + "|" + "0" * 64)
    response = client.get("/api/auth/csrf")
    assert response.json()["csrfToken"] != "a" * 64
    assert set_cookie_headers(response)


def test_session_is_empty_object_when_signed_out(client: Client) -> None:
    response = client.get("/api/auth/session")
    assert response.status_code == 200
    assert response.json() == {}
    assert response.headers["vary"] == "Cookie"
    assert response.headers["cache-control"] == "no-store"


def test_unknown_action_is_404_json(client: Client) -> None:
    for path in ("/api/auth/nope", "/api/auth", "/api/auth/providers/x", "/api/auth/signin/a/b"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json() == {"error": "Not found"}


def test_wrong_method_is_405_with_allow(client: Client) -> None:
    response = client.request("DELETE", "/api/auth/session")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    response = client.request("PUT", "/api/auth/signin/workos")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"


def test_head_answers_like_get_without_body(client: Client) -> None:
    response = client.request("HEAD", "/api/auth/providers")
    assert response.status_code == 200
    assert response.content == b""


def test_oversized_query_body_and_cookies_are_refused_early(client: Client) -> None:
    assert client.get("/api/auth/session", params={"q": "x" * 9000}).status_code == 414
    big = client.post(
        "/api/auth/signin/workos",
        content=b"csrfToken=" + b"x" * 70_000,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert big.status_code == 413
    cookies = client.get("/api/auth/session", headers={"cookie": "a=" + "b" * 70_000})
    assert cookies.status_code == 431


def test_passthrough_reaches_the_app_with_anonymous_user(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.json() == {
        "session": None,
        "authenticated": False,
        "display_name": None,
        "scopes": [],
    }
    assert set_cookie_headers(response) == []


def test_paths_that_only_look_like_the_base_path_pass_through(client: Client) -> None:
    response = client.get("/api/authx")
    assert response.text != '{"error":"Not found"}'  # the app answered, not the middleware
    assert "cache-control" not in response.headers


def test_base_path_is_configurable(make_client: object) -> None:
    from typing import Any, cast

    client = cast(Any, make_client)(base_path="/auth")
    assert client.get("/auth/providers").json()["workos"]["signinUrl"] == (
        f"{APP_URL}/auth/signin/workos"
    )
    assert "workos" not in client.get("/api/auth/providers").text  # now the app's path
