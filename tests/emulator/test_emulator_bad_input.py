"""Malformed requests to every emulator route get a 4xx (or a normal answer), never a 500."""

from __future__ import annotations

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from workos_middleware.emulator import create_app

BODIES: list[tuple[str, bytes]] = [
    ("application/json", b"{oops"),
    ("application/json", b"[1, 2]"),
    ("application/json", b'{"client_id": ["x"], "code": {"a": 1}, "grant_type": 7}'),
    ("application/x-www-form-urlencoded", b"request=%ff%fe&user=\x00&action=deny"),
    ("application/octet-stream", b"\xff\xfe\x00garbage"),
    ("", b""),
]
QUERY = {"client_id": "client_emulator", "redirect_uri": "::::", "session_id": "\x00", "x": "%%"}


def concrete(path: str) -> str:
    return (
        path.replace("{provider}", "google")
        .replace("{client_id}", "client_emulator")
        .replace("{organization_id}", "org_x")
        .replace("{connection_id}", "conn_x")
        .replace("{user_id}", "user_x")
        .replace("{provider_id}", "google")
    )


def routes() -> list[tuple[str, str]]:
    app = create_app()
    found = []
    for route in app.routes:
        assert isinstance(route, Route)
        for method in sorted((route.methods or set()) - {"HEAD"}):
            found.append((method, concrete(route.path)))
    return found


@pytest.mark.parametrize(("method", "path"), routes())
def test_no_route_answers_500(client: TestClient, method: str, path: str) -> None:
    for content_type, body in BODIES:
        headers = {"content-type": content_type} if content_type else {}
        headers["authorization"] = "Basic !!notbase64"
        response = client.request(method, path, params=QUERY, content=body, headers=headers)
        assert response.status_code < 500, (method, path, content_type, response.text[:300])
