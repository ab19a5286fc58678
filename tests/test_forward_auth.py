"""The forward-auth endpoint, and the guard helpers framework integrations build on.

Both adapters; signed-in users are forged session cookies.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from anyio.from_thread import BlockingPortal
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from workos_middleware import AccessRule, Rule, guarded_miss, is_allowed

from support import APP_URL, SESSION_COOKIE, Client, make_config, session_cookie, session_token

ENDPOINT = "/api/auth/forward-auth"
HTML = {"accept": "text/html"}


def sign_in_as(client: Client, **fields: Any) -> None:
    client.set_cookie(SESSION_COOKIE, session_cookie(session_token(**fields)))


@pytest.fixture
def make(make_client: Callable[..., Client]) -> Callable[..., Client]:
    return make_client


def test_anonymous_gets_401(make: Callable[..., Client]) -> None:
    client = make()
    response = client.get(ENDPOINT, headers=HTML)
    assert response.status_code == 401
    assert "x-auth-request-user" not in response.headers
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"])
def test_signed_in_gets_identity_headers(make: Callable[..., Client], method: str) -> None:
    client = make()
    sign_in_as(client, groups=["Engineering", "Ops"])
    response = client.request(method, ENDPOINT)
    assert response.status_code == 200
    assert response.headers["x-auth-request-user"] == "prof_01ALICE"
    assert response.headers["x-auth-request-email"] == "alice@example.com"
    assert response.headers["x-auth-request-groups"] == "Engineering,Ops"


def test_global_allow_is_enforced(make: Callable[..., Client]) -> None:
    client = make(allow=AccessRule(domains=["corp.example"]))
    sign_in_as(client)
    assert client.get(ENDPOINT).status_code == 403
    sign_in_as(client, email="bob@corp.example")
    assert client.get(ENDPOINT).status_code == 200


def test_original_uri_adds_the_matching_rules_allow(make: Callable[..., Client]) -> None:
    client = make(protect=["/docs/**", Rule("/admin/**", allow=AccessRule(roles=["owner"]))])
    sign_in_as(client, roles=["admin"])
    assert client.get(ENDPOINT, headers={"x-original-uri": "/docs/a?x=1"}).status_code == 200
    assert client.get(ENDPOINT, headers={"x-original-uri": "/admin/x"}).status_code == 403
    assert client.get(ENDPOINT, headers={"x-forwarded-uri": "/admin/x"}).status_code == 403
    # The same normalisation: tricks in the proxy's URI do not dodge the rule.
    for uri in ["/docs/../admin/x", "/admin;x/y", "//admin", "/docs/%2e%2e/admin"]:
        assert client.get(ENDPOINT, headers={"x-original-uri": uri}).status_code == 403, uri
    assert client.get(ENDPOINT, headers={"x-original-uri": "/a%00"}).status_code == 400
    sign_in_as(client, roles=["owner"])
    assert client.get(ENDPOINT, headers={"x-original-uri": "/admin/x"}).status_code == 200


def test_original_uri_never_makes_anything_public(make: Callable[..., Client]) -> None:
    client = make(protect=["/admin/**"], public=["/public/**"])
    response = client.get(ENDPOINT, headers={"x-original-uri": "/public/x"})
    assert response.status_code == 401


def test_a_refreshed_session_cookie_is_passed_back(make: Callable[..., Client]) -> None:
    client = make()
    old = session_cookie(session_token(), age=2 * 24 * 3600)
    client.set_cookie(SESSION_COOKIE, old)
    response = client.get(ENDPOINT)
    assert response.status_code == 200
    assert any(h.startswith(SESSION_COOKIE) for h in response.headers.get_list("set-cookie"))


# -- guarded_miss() and is_allowed() from inside a view -------------------------------------


def _answer(data: dict[str, Any]) -> bytes:
    return json.dumps(data).encode()


async def asgi_view(request: Request) -> Response:
    if request.url.path == "/check":
        return JSONResponse(
            {
                "signed_in": is_allowed(request),
                "owner": is_allowed(request, AccessRule(roles=["owner"])),
            }
        )
    forbidden = request.url.path == "/forbidden"
    miss = guarded_miss(request, forbidden=forbidden)
    return Response(miss.body, miss.status, headers=dict(miss.headers))


def helper_asgi() -> Starlette:
    return Starlette(
        routes=[
            Route("/check", asgi_view),
            Route("/view", asgi_view, methods=["GET", "POST"]),
            Route("/forbidden", asgi_view),
        ]
    )


def helper_wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    path = environ["PATH_INFO"]
    if path == "/check":
        body = _answer(
            {
                "signed_in": is_allowed(environ),
                "owner": is_allowed(environ, AccessRule(roles=["owner"])),
            }
        )
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]
    miss = guarded_miss(environ, forbidden=path == "/forbidden")
    start_response(f"{miss.status} X", miss.headers)
    return [miss.body]


@pytest.fixture
def helpers(adapter: str, portal: BlockingPortal) -> Callable[..., Client]:
    def build(**overrides: Any) -> Client:
        config = make_config(**overrides)
        return Client(adapter, config, portal, asgi=helper_asgi(), wsgi=helper_wsgi)

    return build


def test_guarded_miss_matches_the_configured_rule(helpers: Callable[..., Client]) -> None:
    client = helpers(api_prefixes=["/api/**"])
    page = client.get("/view?a=1", headers=HTML)
    assert page.status_code == 302
    assert page.headers["location"] == f"{APP_URL}/api/auth/signin?callbackUrl=%2Fview%3Fa%3D1"
    api = client.post("/view", headers=HTML)
    assert api.status_code == 401
    assert api.json()["error"] == "Unauthorized"
    assert "www-authenticate" in api.headers
    forbidden = client.get("/forbidden", headers=HTML)
    assert forbidden.status_code == 403
    assert "permission" in forbidden.text
    assert client.get("/forbidden").json()["error"] == "Forbidden"


def test_guarded_miss_uses_the_sign_in_page(helpers: Callable[..., Client]) -> None:
    client = helpers(pages={"signIn": "/login"})
    page = client.get("/view", headers=HTML)
    assert page.headers["location"] == f"{APP_URL}/login?callbackUrl=%2Fview"


def test_is_allowed(helpers: Callable[..., Client]) -> None:
    client = helpers(allow=AccessRule(domains=["example.com"]))
    assert client.get("/check").json() == {"signed_in": False, "owner": False}
    sign_in_as(client, roles=["admin"])
    assert client.get("/check").json() == {"signed_in": True, "owner": False}
    sign_in_as(client, roles=["owner"])
    assert client.get("/check").json() == {"signed_in": True, "owner": True}
    sign_in_as(client, roles=["owner"], email="eve@evil.example")
    assert client.get("/check").json() == {"signed_in": False, "owner": False}


def test_helpers_refuse_what_is_not_a_request() -> None:
    with pytest.raises(LookupError):
        guarded_miss({"type": "http", "method": "GET", "path": "/"})
    with pytest.raises(LookupError):
        is_allowed(object())
