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

from workos_middleware import AccessRule, RedisSessionStore, Rule, guarded_miss, is_allowed

from support import (
    APP_URL,
    SESSION_COOKIE,
    Client,
    cookie_cleared,
    make_config,
    session_cookie,
    session_token,
    stored_session_cookie,
)

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


def proxied(uri: str, method: str = "GET", **extra: str) -> dict[str, str]:
    """The headers a documented proxy configuration sets on its subrequest."""
    return {"x-forwarded-uri": uri, "x-forwarded-method": method, **extra}


def test_original_uri_adds_the_matching_rules_allow(make: Callable[..., Client]) -> None:
    client = make(protect=["/docs/**", Rule("/admin/**", allow=AccessRule(roles=["owner"]))])
    sign_in_as(client, roles=["admin"])
    assert client.get(ENDPOINT, headers=proxied("/docs/a?x=1")).status_code == 200
    assert client.get(ENDPOINT, headers=proxied("/admin/x")).status_code == 403
    nginx = {"x-original-uri": "/admin/x", "x-forwarded-method": "GET"}
    assert client.get(ENDPOINT, headers=nginx).status_code == 403
    # The same normalisation: tricks in the proxy's URI do not dodge the rule.
    for uri in ["/docs/../admin/x", "/admin;x/y", "//admin", "/docs/%2e%2e/admin"]:
        assert client.get(ENDPOINT, headers=proxied(uri)).status_code == 403, uri
    # A path that cannot be read safely is refused as a 403 (nginx turns other
    # answers into a 500).
    assert client.get(ENDPOINT, headers=proxied("/a%00")).status_code == 403
    sign_in_as(client, roles=["owner"])
    assert client.get(ENDPOINT, headers=proxied("/admin/x")).status_code == 200


def test_conflicting_or_incomplete_proxy_headers_are_refused(
    make: Callable[..., Client], caplog: pytest.LogCaptureFixture
) -> None:
    client = make(
        protect=["/private/**", Rule("/private/admin/**", allow=AccessRule(groups=["Admins"]))]
    )
    sign_in_as(client, groups=["Engineering"])
    assert client.get(ENDPOINT, headers=proxied("/private/secret.html")).status_code == 200
    # The case: Caddy sets X-Forwarded-Uri, the client adds X-Original-URI.
    both = proxied("/private/admin/x", **{"x-original-uri": "/private/secret.html"})
    refused = client.get(ENDPOINT, headers=both)
    assert refused.status_code == 403
    assert "disagree" in refused.json()["message"]
    assert "x-auth-request-user" not in refused.headers
    assert any("X-Forwarded-Method" in r.getMessage() for r in caplog.records)
    # The same value twice is one URI, not a conflict.
    same = proxied("/private/secret.html", **{"x-original-uri": "/private/secret.html"})
    assert client.get(ENDPOINT, headers=same).status_code == 200
    bad = [
        {"x-forwarded-uri": "/private/secret.html"},  # no method: refused, not taken as GET
        {"x-original-uri": "/private/secret.html"},
        proxied("/private/secret.html", "GET, POST"),  # two method headers joined
        proxied("/private/secret.html, /private/admin/x"),  # two URI headers joined
        proxied("http://evil.example/private/secret.html"),  # not an origin-form target
        proxied("/private/secret.html\t"),
        {"x-forwarded-method": "GET"},  # a method without a URI
        {},  # per-path allow rules apply: the proxy must say which path
    ]
    for headers in bad:
        response = client.get(ENDPOINT, headers=headers)
        assert response.status_code == 403, headers
        assert "x-auth-request-user" not in response.headers


def test_method_scoped_rules_use_the_forwarded_method(make: Callable[..., Client]) -> None:
    owners = AccessRule(roles=["owner"])
    client = make(protect=["/api/**", Rule("/api/**", methods=["POST", "DELETE"], allow=owners)])
    sign_in_as(client, roles=["admin"])
    assert client.get(ENDPOINT, headers=proxied("/api/items")).status_code == 200
    # The subrequest's own method does not matter (Caddy and Traefik always send GET).
    assert client.get(ENDPOINT, headers=proxied("/api/items", "POST")).status_code == 403
    assert client.get(ENDPOINT, headers=proxied("/api/items", "delete")).status_code == 403
    assert client.post(ENDPOINT, headers=proxied("/api/items", "GET")).status_code == 200
    sign_in_as(client, roles=["owner"])
    assert client.get(ENDPOINT, headers=proxied("/api/items", "POST")).status_code == 200


def test_redirect_mode_sends_browsers_to_sign_in(make: Callable[..., Client]) -> None:
    client = make(
        protect=["/private/**", Rule("/private/admin/**", allow=AccessRule(groups=["Admins"]))]
    )
    browser = {**HTML, **proxied("/private/a.html?x=1&y=2")}
    # Without ?redirect=1 (nginx, which cannot pass a redirect on): 401, always.
    assert client.get(ENDPOINT, headers=browser).status_code == 401
    miss = client.get(ENDPOINT + "?redirect=1", headers=browser)
    assert miss.status_code == 302
    assert miss.headers["location"] == (
        f"{APP_URL}/api/auth/signin?callbackUrl=%2Fprivate%2Fa.html%3Fx%3D1%26y%3D2"
    )
    # Spoofed host headers change nothing: the sign-in URL is AUTH_URL's.
    spoofed = {**browser, "x-forwarded-host": "evil.example", "x-forwarded-proto": "https"}
    assert (
        client.get(ENDPOINT + "?redirect=1", headers=spoofed).headers["location"]
        == (miss.headers["location"])
    )
    # A script's request, or a POST, is not sent anywhere: 401 JSON.
    api = client.get(ENDPOINT + "?redirect=1", headers=proxied("/private/a.html"))
    assert api.status_code == 401 and "www-authenticate" in api.headers
    post = {**HTML, **proxied("/private/a.html", "POST")}
    assert client.get(ENDPOINT + "?redirect=1", headers=post).status_code == 401
    # A signed-in user a rule refuses gets the "Access denied" page.
    sign_in_as(client)
    admin = {**HTML, **proxied("/private/admin/x")}
    denied = client.get(ENDPOINT + "?redirect=1", headers=admin)
    assert denied.status_code == 403 and "permission" in denied.text
    assert client.get(ENDPOINT + "?redirect=1", headers=browser).status_code == 200


def test_a_refreshed_session_cookie_is_passed_back(make: Callable[..., Client]) -> None:
    client = make()
    old = session_cookie(session_token(), age=2 * 24 * 3600)
    client.set_cookie(SESSION_COOKIE, old)
    response = client.get(ENDPOINT)
    assert response.status_code == 200
    assert any(h.startswith(SESSION_COOKIE) for h in response.headers.get_list("set-cookie"))


def test_the_proxy_decides_what_is_protected(make: Callable[..., Client]) -> None:
    """The subrequest is guarded whatever the rules say of the original path: one no
    rule names, a ``public`` one, the auth routes' own. The identity headers are the
    answer even with ``identity_headers`` off (the app's setting)."""
    client = make(protect=["/admin/**"], public=["/open/**"], identity_headers=False)
    for uri in ["/elsewhere", "/open/x", "/api/auth/session", "/admin/x"]:
        response = client.get(ENDPOINT, headers=proxied(uri))
        assert response.status_code == 401, uri
        assert "x-auth-request-user" not in response.headers
    sign_in_as(client)
    for uri in ["/elsewhere", "/open/x", "/admin/x"]:
        response = client.get(ENDPOINT, headers=proxied(uri))
        assert response.status_code == 200, uri
        assert response.headers["x-auth-request-email"] == "alice@example.com"


def test_a_method_is_read_as_a_proxy_writes_it(
    make: Callable[..., Client], caplog: pytest.LogCaptureFixture
) -> None:
    """Proxies send the method upper-case (nginx's ``$request_method``, Caddy's
    ``{method}``, Traefik): any other spelling is refused, not read as that method, even
    where every method would be allowed."""
    client = make(protect=["/docs/**"])
    sign_in_as(client)
    assert client.get(ENDPOINT, headers=proxied("/docs/a", "DELETE")).status_code == 200
    for method in ["delete", "Get", "get"]:
        refused = client.get(ENDPOINT, headers=proxied("/docs/a", method))
        assert refused.status_code == 403, method
        assert "not a method a proxy sends" in refused.json()["message"]
        assert "x-auth-request-user" not in refused.headers
    assert any("X-Forwarded-Method" in r.getMessage() for r in caplog.records)


def test_refusals_carry_the_sessions_cookies(make: Callable[..., Client]) -> None:
    """A refused subrequest passes on what reading the session set: the refreshed
    cookie of a session a rule refuses, the clearing of a cookie that is no session."""
    client = make(protect=[Rule("/admin/**", allow=AccessRule(roles=["owner"]))])
    client.set_cookie(SESSION_COOKIE, session_cookie(session_token(), age=2 * 24 * 3600))
    refused = client.get(ENDPOINT, headers=proxied("/admin/x"))
    assert refused.status_code == 403
    assert any(h.startswith(SESSION_COOKIE + "=") for h in refused.headers.get_list("set-cookie"))
    client.set_cookie(SESSION_COOKIE, "v1.forged.value")
    signed_out = client.get(ENDPOINT, headers=proxied("/admin/x"))
    assert signed_out.status_code == 401
    assert cookie_cleared(signed_out, SESSION_COOKIE)


def test_store_down(
    make: Callable[..., Client],
    closed_store: RedisSessionStore,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A subrequest with a session while the store is down is answered ``503`` (fail
    closed). What is refused before the session is read stays a ``403`` naming the
    cause, as the proxy's operator needs it: a path that cannot be read safely, headers
    that break the contract (the decision's order: the path, then the session)."""
    client = make(session_store=closed_store, protect=["/private/**"])
    client.set_cookie(SESSION_COOKIE, stored_session_cookie())
    down = client.get(ENDPOINT, headers=proxied("/private/x"))
    assert down.status_code == 503
    assert down.headers["retry-after"] == "5"
    assert "x-auth-request-user" not in down.headers
    with_json = client.get(ENDPOINT + "?json=true", headers=proxied("/private/x"))
    assert with_json.status_code == 503 and with_json.json()["error"] == "Unavailable"

    caplog.clear()
    bad_path = client.get(ENDPOINT, headers=proxied("/private/a%00"))
    assert bad_path.status_code == 403
    assert "cannot be read safely" in bad_path.json()["message"]
    conflict = proxied("/private/x", **{"x-original-uri": "/elsewhere"})
    refused = client.get(ENDPOINT, headers=conflict)
    assert refused.status_code == 403 and "disagree" in refused.json()["message"]
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("cannot be read safely" in m for m in warned)
    assert any("disagree" in m for m in warned)
    # Without a session cookie no store is needed: the plain 401.
    client.cookies.clear()
    assert client.get(ENDPOINT, headers=proxied("/private/x")).status_code == 401


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
