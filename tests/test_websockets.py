"""Websocket connections get the signed-in user, as Starlette's AuthenticationMiddleware
gives it: ``@requires("authenticated")`` works on a ``WebSocketRoute``."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.authentication import requires
from starlette.routing import WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket, WebSocketDisconnect

from workos_middleware import AuthMiddleware, get_session

from support import SESSION_COOKIE, make_config, session_cookie, session_token, sign

SESSION = SESSION_COOKIE


@requires("authenticated")
async def private_feed(websocket: WebSocket) -> None:
    await websocket.accept()
    session = get_session(websocket)
    assert session is not None
    await websocket.send_json(
        {
            "email": websocket.user.email,
            "scopes": list(websocket.auth.scopes),
            "session_email": session["user"]["email"],
        }
    )
    await websocket.close()


def client() -> TestClient:
    app = Starlette(routes=[WebSocketRoute("/feed", private_feed)])
    return TestClient(AuthMiddleware(app, make_config()))


def connect(cookie: str | None) -> dict[str, object]:
    headers = {"cookie": f"{SESSION}={cookie}"} if cookie is not None else {}
    with client().websocket_connect("/feed", headers=headers) as websocket:
        message: dict[str, object] = websocket.receive_json()
        return message


def test_a_signed_in_user_reaches_a_protected_websocket() -> None:
    assert connect(session_cookie(session_token())) == {
        "email": "alice@example.com",
        "scopes": ["authenticated"],
        "session_email": "alice@example.com",
    }


def test_a_session_due_for_refresh_is_read_on_a_websocket() -> None:
    """A handshake cannot set cookies: the session is used as it is, not re-signed."""
    aged = session_cookie(session_token(), age=25 * 3600)
    assert connect(aged)["email"] == "alice@example.com"


@pytest.mark.parametrize(
    "cookie",
    [
        None,
        "garbage",
        session_cookie(session_token(), age=31 * 86400),
        sign("state", session_token()),
    ],
    ids=["none", "garbage", "expired", "other-purpose"],
)
def test_anonymous_websockets_are_refused(cookie: str | None) -> None:
    with pytest.raises(WebSocketDisconnect):
        connect(cookie)
