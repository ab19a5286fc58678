"""What the adapters promise beyond the routes: passthrough untouched and cheap."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import respx

from workos_middleware import AuthMiddleware, WSGIAuthMiddleware

from support import Client, make_config, session_cookie, session_token


def test_passthrough_body_reaches_the_app_unread() -> None:
    seen: list[bytes] = []

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        seen.append(environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"])))
        start_response("200 OK", [])
        return [b"ok"]

    import httpx

    middleware = WSGIAuthMiddleware(app, make_config())
    with httpx.Client(transport=httpx.WSGITransport(app=middleware)) as http:
        http.post("http://app.test/upload", content=b"x" * 100_000)
    assert seen == [b"x" * 100_000]


def test_asgi_passthrough_streams_and_keeps_the_body() -> None:
    received: list[bytes] = []
    sent: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        message = await receive()
        received.append(message["body"])
        await send({"type": "http.response.start", "status": 200, "headers": [(b"x", b"1")]})
        for part in (b"a", b"b", b"c"):
            await send({"type": "http.response.body", "body": part, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    middleware = AuthMiddleware(app, make_config())
    messages = [{"type": "http.request", "body": b"payload", "more_body": False}]

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/x", "query_string": b"", "headers": []}
    asyncio.run(middleware(scope, receive, send))
    assert received == [b"payload"]
    assert [m.get("body") for m in sent[1:]] == [b"a", b"b", b"c", b""]
    assert sent[0]["headers"] == [(b"x", b"1")]


def test_websocket_and_lifespan_scopes_pass_through() -> None:
    """Messages pass untouched; a websocket gets a user (here anonymous), lifespan none."""
    scopes: list[str] = []
    sent: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        scopes.append(scope["type"])
        if scope["type"] == "websocket":
            assert scope["user"].is_authenticated is False
            assert list(scope["auth"].scopes) == []
        else:
            assert "user" not in scope
        if scope["type"] == "lifespan":
            await send({"type": "lifespan.shutdown.complete"})

    middleware = AuthMiddleware(app, make_config())

    async def receive() -> dict[str, Any]:
        return {}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message["type"])

    async def run() -> bool:
        clients = middleware.http_clients
        assert not isinstance(clients, httpx.AsyncClient)
        client = await clients.get()  # created, as a first sign-in would
        await middleware({"type": "websocket", "path": "/ws"}, receive, send)
        await middleware({"type": "lifespan"}, receive, send)
        return client.is_closed and clients.current() is None

    assert asyncio.run(run()) is True  # the loop's client is closed at shutdown
    assert scopes == ["websocket", "lifespan"]
    assert sent == ["lifespan.shutdown.complete"]


def test_passthrough_with_a_session_makes_no_outbound_call(
    client: Client, workos: respx.MockRouter
) -> None:
    client.set_cookie("next-auth.session-token", session_cookie(session_token()))
    assert client.get("/").json()["authenticated"] is True
    assert client.get("/api/auth/session").json()["user"]["name"] == "Alice Anderson"
    assert workos.calls.call_count == 0


def test_app_set_cookies_are_kept_next_to_ours(make_client: Callable[..., Client]) -> None:
    """A refreshed session cookie is added to the app's headers, not in their place."""
    client = make_client(session_update_age=0)
    client.set_cookie("next-auth.session-token", session_cookie(session_token()))
    response = client.get("/form")  # the app sets the CSRF cookie through the helper
    names = sorted(h.split("=")[0] for h in response.headers.get_list("set-cookie"))
    assert names == ["next-auth.csrf-token", "next-auth.session-token"]
    assert response.headers["content-type"].startswith("text/plain")
