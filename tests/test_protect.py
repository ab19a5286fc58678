"""Protection rules, the guarded miss and authorization, on both adapters.

The wrapped app answers every path with a marker; a test proves a request did (or did
not) reach it. Signed-in users are forged session cookies, except in the round trip,
which goes through the real sign-in flow (WorkOS mocked with respx).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from wsgiref.util import setup_testing_defaults

import httpx
import pytest
import respx
from anyio.from_thread import BlockingPortal

from workos_middleware import AccessRule, ConfigurationError, Rule

from support import (
    APP_URL,
    PROFILE,
    SESSION_COOKIE,
    TOKEN_RESPONSE,
    Client,
    make_config,
    session_cookie,
    session_token,
)

CONTENT = "PROTECTED-CONTENT"
HTML = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
JSON = {"accept": "application/json"}
BYPASS_FILE = Path(__file__).parent / "data" / "protect-bypass.txt"
BYPASS_PATHS = [
    line for line in BYPASS_FILE.read_text().splitlines() if line and not line.startswith("#")
]


def _echo(path: str, user: Any, identity: dict[str, str]) -> bytes:
    email = getattr(user, "email", None) if user is not None else None
    return json.dumps(
        {"content": CONTENT, "path": path, "user": email, "identity": identity}
    ).encode()


async def echo_asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
    identity = {
        name.decode(): value.decode()
        for name, value in scope["headers"]
        if name.startswith(b"x-auth-request-")
    }
    body = _echo(scope["path"], scope.get("user"), identity)
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def echo_wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    identity = {
        key[5:].lower().replace("_", "-"): value
        for key, value in environ.items()
        if key.startswith("HTTP_X_AUTH_REQUEST_")
    }
    body = _echo(environ["PATH_INFO"], environ.get("workos_middleware.user"), identity)
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]


@pytest.fixture
def make(adapter: str, portal: BlockingPortal) -> Callable[..., Client]:
    def build(**overrides: Any) -> Client:
        return Client(adapter, make_config(**overrides), portal, asgi=echo_asgi, wsgi=echo_wsgi)

    return build


def reached(response: httpx.Response) -> bool:
    return response.status_code == 200 and CONTENT in response.text


def sign_in_as(client: Client, **fields: Any) -> None:
    client.set_cookie(SESSION_COOKIE, session_cookie(session_token(**fields)))


def signin_redirect(response: httpx.Response) -> str:
    """The callbackUrl of a 302 to the built-in sign-in page."""
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == (f"{APP_URL}/api/auth/signin")
    return parse_qs(location.query)["callbackUrl"][0]


# -- rule kinds ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("patterns", "protected", "open_"),
    [
        (["/dashboard"], ["/dashboard", "/dashboard/"], ["/", "/dashboard/x", "/dashboards"]),
        (
            ["/admin/**"],
            ["/admin", "/admin/", "/admin/users", "/admin/a/b/c"],
            ["/administrator", "/adm", "/public/admin"],
        ),
        (
            ["/orgs/*/settings"],
            ["/orgs/acme/settings", "/orgs/x-1/settings/"],
            ["/orgs/settings", "/orgs/a/b/settings", "/orgs/acme/settings/x"],
        ),
        (
            ["/files/**/raw"],
            ["/files/raw", "/files/a/raw", "/files/a/b/raw"],
            ["/files/a/raw/x", "/files"],
        ),
        (["/reports/*.pdf"], ["/reports/q1.pdf"], ["/reports/q1.txt", "/reports/a/q1.pdf"]),
        (["/**"], ["/", "/anything/at/all"], []),
    ],
)
def test_rule_kinds(
    make: Callable[..., Client], patterns: list[str], protected: list[str], open_: list[str]
) -> None:
    client = make(protect=patterns)
    for path in protected:
        response = client.get(path, headers=JSON)
        assert response.status_code == 401, path
    for path in open_:
        assert reached(client.get(path, headers=JSON)), path


def test_public_exceptions_win_over_protect(make: Callable[..., Client]) -> None:
    client = make(protect=["/admin/**"], public=["/admin/help", "/admin/assets/**"])
    assert reached(client.get("/admin/help"))
    assert reached(client.get("/admin/assets/app.css"))
    assert client.get("/admin/helpdesk").status_code == 401
    assert client.get("/admin").status_code == 401


def test_protect_all_with_allowlist(make: Callable[..., Client]) -> None:
    client = make(
        protect_all=True,
        public=["/", "/static/**"],
        pages={"signIn": "/login", "error": "/oops?x=1"},
    )
    for path in ["/", "/static/app.js", "/login", "/oops"]:
        assert reached(client.get(path, headers=HTML)), path
    # The auth routes stay reachable: the sign-in page itself is never guarded.
    assert client.get("/api/auth/providers").status_code == 200
    assert client.get("/api/auth/csrf").status_code == 200
    for path in ["/dashboard", "/staticfiles", "/login/x", "/api/me"]:
        assert client.get(path, headers=JSON).status_code == 401, path
    # The configured sign-in page is where a browser is sent.
    response = client.get("/dashboard", headers=HTML)
    assert response.status_code == 302
    assert response.headers["location"] == f"{APP_URL}/login?callbackUrl=%2Fdashboard"


def test_per_method_rules(make: Callable[..., Client]) -> None:
    client = make(
        protect=[Rule("/posts/**", methods=["POST", "delete"]), Rule("/feed", methods="GET")]
    )
    assert reached(client.get("/posts/1"))
    assert client.post("/posts/1").status_code == 401
    assert client.request("DELETE", "/posts/1").status_code == 401
    assert reached(client.request("PUT", "/posts/1"))
    assert client.get("/feed").status_code == 401
    assert client.request("HEAD", "/feed").status_code == 401  # GET implies HEAD
    assert reached(client.post("/feed"))


def test_callable_rules(make: Callable[..., Client]) -> None:
    seen: list[tuple[str, str]] = []

    def private(method: str, path: str) -> bool:
        seen.append((method, path))
        return path.endswith(".private")

    client = make(protect=[private], public=[lambda method, path: path == "/open.private"])
    assert client.get("/a/notes.private", headers=JSON).status_code == 401
    assert reached(client.get("/open.private"))
    assert reached(client.get("/a/notes.txt"))
    # The callable sees the normalised path, never the query.
    client.get("/a//b/../c.private/?x=.private")
    assert ("GET", "/a/c.private") in seen


def test_raising_callables_fail_closed(make: Callable[..., Client]) -> None:
    def broken(method: str, path: str) -> bool:
        raise RuntimeError("boom")

    client = make(protect=[broken], public=[broken])
    assert client.get("/anything", headers=JSON).status_code == 401


def test_case_sensitivity_follows_the_setting(make: Callable[..., Client]) -> None:
    sensitive = make(protect=["/Admin/**"])
    assert sensitive.get("/Admin/x").status_code == 401
    assert reached(sensitive.get("/admin/x"))
    insensitive = make(protect=["/Admin/**"], public=["/ADMIN/help"], case_sensitive=False)
    for path in ["/admin/x", "/ADMIN", "/aDmIn/y"]:
        assert insensitive.get(path).status_code == 401, path
    assert reached(insensitive.get("/admin/HELP"))


def test_query_and_forwarded_headers_never_decide(make: Callable[..., Client]) -> None:
    client = make(protect=["/admin/**"], public=["/public/**"])
    spoofed = {
        "x-forwarded-uri": "/public/x",
        "x-original-url": "/public/x",
        "x-original-uri": "/public/x",
        "x-rewrite-url": "/public/x",
        **JSON,
    }
    assert client.get("/admin", headers=spoofed).status_code == 401
    assert client.get("/admin?path=/public/x#/public").status_code == 401
    assert reached(client.get("/public/x?next=/admin"))
    assert reached(client.get("/public/x", headers={"x-original-url": "/admin"}))


def test_no_rules_no_guard(make: Callable[..., Client]) -> None:
    client = make()
    assert client.config.protection is None
    assert reached(client.get("/admin/%2e%2e/x%00"))


# -- the guarded miss ---------------------------------------------------------------------


def test_browser_navigation_is_sent_to_sign_in(make: Callable[..., Client]) -> None:
    client = make(protect=["/dashboard/**"])
    response = client.get("/dashboard/reports?tab=2&q=a%20b", headers=HTML)
    assert signin_redirect(response) == "/dashboard/reports?tab=2&q=a%20b"
    assert response.headers["cache-control"] == "no-store"
    head = client.request("HEAD", "/dashboard", headers=HTML)
    assert head.status_code == 302 and head.content == b""


@pytest.mark.parametrize(
    ("method", "headers"),
    [
        ("GET", JSON),
        ("GET", {"accept": "*/*"}),
        ("GET", {}),
        ("GET", {**HTML, "sec-fetch-mode": "cors"}),
        ("GET", {**HTML, "x-requested-with": "XMLHttpRequest"}),
        ("POST", HTML),
        ("DELETE", HTML),
        ("OPTIONS", HTML),  # not a preflight: no Access-Control-Request-Method
    ],
)
def test_anything_else_gets_401_json(
    make: Callable[..., Client], method: str, headers: dict[str, str]
) -> None:
    client = make(protect=["/dashboard"])
    response = client.request(method, "/dashboard", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == "Unauthorized"
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Cookie ")
    assert f'form-action="{APP_URL}/api/auth/signin"' in challenge


def test_navigation_with_sec_fetch_mode_navigate(make: Callable[..., Client]) -> None:
    client = make(protect=["/dashboard"])
    headers = {**HTML, "sec-fetch-mode": "navigate", "sec-fetch-dest": "document"}
    assert signin_redirect(client.get("/dashboard", headers=headers)) == "/dashboard"


def test_api_prefixes_are_always_401(make: Callable[..., Client]) -> None:
    client = make(protect_all=True, public=["/"], api_prefixes=["/api/**", "/graphql"])
    assert client.get("/api/me", headers=HTML).status_code == 401
    assert client.get("/graphql", headers=HTML).status_code == 401
    assert client.get("/apiary", headers=HTML).status_code == 302


def test_cors_preflight_on_a_protected_path_is_answered_by_the_middleware(
    make: Callable[..., Client],
) -> None:
    """A preflight carries no cookie: on a protected path it is a signed-out request
    (401), so a view that answers any method never serves it; elsewhere it reaches the
    app (and a CORS middleware placed outside answers it before ours)."""
    client = make(protect=["/api/**"])
    preflight = {
        "origin": "https://other.example",
        "access-control-request-method": "POST",
    }
    response = client.request("OPTIONS", "/api/items", headers=preflight)
    assert response.status_code == 401
    assert CONTENT not in response.text
    assert reached(client.request("OPTIONS", "/open", headers=preflight))


def test_invalid_session_is_a_miss_and_cleared(make: Callable[..., Client]) -> None:
    client = make(protect=["/dashboard"])
    client.set_cookie(SESSION_COOKIE, "garbage")
    response = client.get("/dashboard", headers=JSON)
    assert response.status_code == 401
    assert any(h.startswith(f"{SESSION_COOKIE}=;") for h in response.headers.get_list("set-cookie"))


def test_signed_in_user_reaches_protected_content(make: Callable[..., Client]) -> None:
    client = make(protect_all=True)
    sign_in_as(client)
    response = client.get("/dashboard/%2e%2e/admin", headers=HTML)
    assert reached(response)
    assert response.json()["user"] == "alice@example.com"


def test_round_trip_through_sign_in(make: Callable[..., Client], workos: respx.MockRouter) -> None:
    """Protected page -> sign-in page -> WorkOS -> callback -> back on the page."""
    client = make(protect=["/dashboard/**"])
    miss = client.get("/dashboard/reports?tab=2", headers=HTML)
    assert miss.status_code == 302
    page = client.get(miss.headers["location"])
    assert page.status_code == 200
    found = re.search(r'name="callbackUrl" value="([^"]*)"', page.text)
    assert found is not None
    callback_url = found.group(1).replace("&amp;", "&")
    assert callback_url == "/dashboard/reports?tab=2"
    workos.post("/sso/token", name="token").respond(200, json=TOKEN_RESPONSE)
    params = client.start_sign_in(callback_url=callback_url)
    back = client.callback({"code": "code_1", "state": params["state"]})
    assert back.status_code == 302
    assert back.headers["location"] == f"{APP_URL}/dashboard/reports?tab=2"
    landed = client.get("/dashboard/reports?tab=2", headers=HTML)
    assert reached(landed)
    assert landed.json()["user"] == PROFILE["email"]


# -- authorization ------------------------------------------------------------------------


def _sign_in_with(client: Client, workos: respx.MockRouter, **profile: Any) -> httpx.Response:
    token = {**TOKEN_RESPONSE, "profile": {**PROFILE, **profile}}
    workos.post("/sso/token", name="token").respond(200, json=token)
    return client.sign_in(workos)


def _denied(response: httpx.Response) -> bool:
    return (
        response.status_code == 302
        and response.headers["location"] == f"{APP_URL}/api/auth/error?error=AccessDenied"
        and not any(h.startswith(SESSION_COOKIE) for h in response.headers.get_list("set-cookie"))
    )


@pytest.mark.parametrize(
    ("rule", "allowed"),
    [
        (AccessRule(domains=["example.com"]), True),
        (AccessRule(domains=["EXAMPLE.com."]), True),
        (AccessRule(domains=["other.com"]), False),
        (AccessRule(domains=["*.example.com"]), False),
        (AccessRule(organizations=["org_01EXAMPLE"]), True),
        (AccessRule(organizations=["org_01OTHER"]), False),
        (AccessRule(connections=["conn_01EXAMPLE"]), True),
        (AccessRule(connections=["conn_01OTHER"]), False),
        (AccessRule(connection_types=["OktaSAML", "GoogleOAuth"]), True),
        (AccessRule(connection_types=["AzureSAML"]), False),
        (AccessRule(roles=["admin"]), True),
        (AccessRule(roles=["owner"]), False),
        (AccessRule(groups=["Engineering", "Sales"]), True),
        (AccessRule(groups=["Sales"]), False),
        (AccessRule(check=lambda user: user["email"] == "alice@example.com"), True),
        (AccessRule(check=lambda user: False), False),
        (AccessRule(check=lambda user: 1 / 0), False),
        (AccessRule(domains=["example.com"], roles=["owner"]), False),
    ],
)
def test_allow_at_sign_in(
    make: Callable[..., Client], workos: respx.MockRouter, rule: AccessRule, allowed: bool
) -> None:
    client = make(allow=rule)
    response = _sign_in_with(client, workos)
    if allowed:
        assert response.status_code == 302
        assert response.headers["location"] == f"{APP_URL}/dashboard"
        assert client.get("/api/auth/session").json()["user"]["email"] == "alice@example.com"
    else:
        assert _denied(response), response.headers
        assert client.get("/api/auth/session").json() == {}


@pytest.mark.parametrize(
    "email",
    [
        "alice@ex\u0430mple.com",  # Cyrillic a
        "alice\uff20example.com",  # full-width at sign
        "alice@example.com@evil.com",
        "alice@evil.com@example.com",
        "alice@example.com.evil.com",
        "alice@sub.example.com",
        "alice@ex\u200bample.com",  # zero-width space
        "alice@example.com\x00",
        "alice example@example.com",
        "@example.com",
        "alice@",
        "example.com",
        "",
    ],
)
def test_domain_look_alikes_are_refused(
    make: Callable[..., Client], workos: respx.MockRouter, email: str
) -> None:
    client = make(protect=["/dashboard"], allow=AccessRule(domains=["example.com"]))
    # At sign-in: no session (the WorkOS provider already refuses most of these
    # profiles; the rule is the second line).
    response = _sign_in_with(client, workos, email=email)
    assert response.status_code == 302
    assert "/api/auth/error?error=" in response.headers["location"]
    assert client.get("/api/auth/session").json() == {}
    # On a protected path, for a session carrying such an email: the rule alone decides.
    sign_in_as(client, email=email)
    assert client.get("/dashboard", headers=JSON).status_code == 403


def test_domain_normalisation_accepts_case_and_trailing_dot(
    make: Callable[..., Client], workos: respx.MockRouter
) -> None:
    client = make(protect=["/x"], allow=AccessRule(domains=["Example.com."]))
    response = _sign_in_with(client, workos, email="Alice@EXAMPLE.COM")
    assert response.headers["location"] == f"{APP_URL}/dashboard"
    for email in [" Alice@EXAMPLE.COM. ", "alice@example.com", "ALICE@Example.Com"]:
        sign_in_as(client, email=email)
        assert reached(client.get("/x")), email


def test_subdomain_wildcard(make: Callable[..., Client]) -> None:
    client = make(protect=[Rule("/x", allow=AccessRule(domains=["*.corp.example"]))])
    sign_in_as(client, email="bob@eu.corp.example")
    assert reached(client.get("/x"))
    sign_in_as(client, email="bob@corp.example")
    assert client.get("/x").status_code == 403
    sign_in_as(client, email="bob@evilcorp.example")
    assert client.get("/x").status_code == 403


def test_per_rule_allow_answers_403(make: Callable[..., Client]) -> None:
    client = make(
        protect=["/dashboard", Rule("/admin/**", allow=AccessRule(roles=["owner"]))],
    )
    sign_in_as(client, roles=["admin"])
    assert reached(client.get("/dashboard", headers=HTML))
    page = client.get("/admin/users", headers=HTML)
    assert page.status_code == 403
    assert page.headers["content-type"].startswith("text/html")
    assert "permission" in page.text
    api = client.get("/admin/users", headers=JSON)
    assert api.status_code == 403
    assert api.json()["error"] == "Forbidden"
    sign_in_as(client, roles=["viewer", "owner"])
    assert reached(client.get("/admin/users"))


def test_every_matching_rule_must_allow(make: Callable[..., Client]) -> None:
    client = make(
        protect=[
            Rule("/admin/**", allow=AccessRule(roles=["admin"])),
            Rule("/admin/billing/**", allow=AccessRule(groups=["Finance"])),
        ]
    )
    sign_in_as(client, roles=["admin"], groups=["Engineering"])
    assert reached(client.get("/admin/users"))
    assert client.get("/admin/billing/x").status_code == 403
    sign_in_as(client, roles=["admin"], groups=["Finance"])
    assert reached(client.get("/admin/billing/x"))


def test_global_allow_applies_to_existing_sessions(make: Callable[..., Client]) -> None:
    client = make(protect=["/dashboard"], allow=AccessRule(organizations=["org_01EXAMPLE"]))
    sign_in_as(client, organization_id="org_01OTHER")
    assert client.get("/dashboard", headers=JSON).status_code == 403
    sign_in_as(client, organization_id="org_01EXAMPLE")
    assert reached(client.get("/dashboard"))
    # Unprotected paths are not guarded by allow.
    sign_in_as(client, organization_id="org_01OTHER")
    assert reached(client.get("/elsewhere"))


# -- identity headers -------------------------------------------------------------------


def test_identity_headers_are_stripped_and_opt_in(make: Callable[..., Client]) -> None:
    spoofed = {"x-auth-request-user": "root", "x-auth-request-email": "root@example.com"}
    off = make()
    assert off.get("/", headers=spoofed).json()["identity"] == {}
    sign_in_as(off)
    assert off.get("/", headers=spoofed).json()["identity"] == {}
    on = make(identity_headers=True)
    assert on.get("/", headers=spoofed).json()["identity"] == {}
    sign_in_as(on, groups=["Engineering", "Ops\r\nX: y"])
    assert on.get("/", headers=spoofed).json()["identity"] == {
        "x-auth-request-user": "prof_01ALICE",
        "x-auth-request-email": "alice@example.com",
        "x-auth-request-groups": "Engineering,OpsX: y",
    }


# -- configuration ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        {"protect": "/admin"},
        {"protect": ["admin"]},
        {"protect": ["/admin?x=1"]},
        {"protect": ["/a/../admin"]},
        {"protect": ["//admin"]},
        {"protect": ["/admin%2f"]},
        {"protect": ["/a**"]},
        {"protect": [42]},
        {"public": "/x"},
        {"allow": {"domains": ["example.com"]}},
    ],
)
def test_bad_rules_fail_at_construction(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        make_config(**options)


def test_rule_without_methods_fails() -> None:
    with pytest.raises(ConfigurationError, match="methods"):
        Rule("/x", methods=[])


@pytest.mark.parametrize(
    "options",
    [
        {"domains": ["ex\u0430mple.com"]},
        {"domains": ["not a domain"]},
        {"domains": []},
        {"roles": [""]},
        {"check": "yes"},
    ],
)
def test_bad_access_rules_fail_at_construction(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        AccessRule(**options)


# -- path-bypass attempts ------------------------------------------------------------------


def send_raw(client: Client, raw_path: str, cookie: str = "") -> tuple[int, dict[str, str], bytes]:
    """GET ``raw_path`` as a server would hand it over: ASGI ``path`` decoded as
    uvicorn does, WSGI ``PATH_INFO`` as wsgiref does (bytes as latin-1)."""
    if client.kind == "asgi":
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "server": ("app.test", 80),
            "client": ("127.0.0.1", 40000),
            "root_path": "",
            "path": unquote(raw_path),
            "raw_path": raw_path.encode("latin-1"),
            "query_string": b"",
            "headers": [
                (b"host", b"app.test"),
                (b"accept", HTML["accept"].encode()),
                *([(b"cookie", cookie.encode())] if cookie else []),
            ],
        }
        messages: list[dict[str, Any]] = []

        async def run() -> None:
            async def receive() -> dict[str, Any]:
                return {"type": "http.request", "body": b"", "more_body": False}

            async def send(message: dict[str, Any]) -> None:
                messages.append(message)

            await client.middleware(scope, receive, send)

        client._portal.call(run)
        start, body = messages[0], messages[1]
        headers = {k.decode(): v.decode() for k, v in start["headers"]}
        return start["status"], headers, body.get("body", b"")
    environ: dict[str, Any] = {}
    setup_testing_defaults(environ)
    environ["PATH_INFO"] = unquote(raw_path, "iso-8859-1")
    environ["HTTP_ACCEPT"] = HTML["accept"]
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    status: list[str] = []
    captured: dict[str, str] = {}

    def start_response(line: str, headers: list[tuple[str, str]], exc: Any = None) -> Any:
        status.append(line)
        captured.update((k.lower(), v) for k, v in headers)
        return lambda data: None

    body = b"".join(client.middleware(environ, start_response))
    return int(status[0].split()[0]), captured, body


def test_the_bypass_list_is_long_enough() -> None:
    assert len(BYPASS_PATHS) >= 40
    assert len(set(BYPASS_PATHS)) == len(BYPASS_PATHS)


@pytest.mark.parametrize("raw_path", BYPASS_PATHS)
def test_path_bypass_attempts_never_reach_protected_content(
    make: Callable[..., Client], raw_path: str
) -> None:
    client = make(
        protect=["/admin/**", "/dashboard", "/orgs/*/settings"],
        public=["/public/**", "/static/**"],
    )
    status, headers, body = send_raw(client, raw_path)
    assert CONTENT.encode() not in body
    assert status in (302, 400), (status, body)
    if status == 302:
        assert headers["location"].startswith(f"{APP_URL}/api/auth/signin?callbackUrl=")


def test_bypass_list_reaches_content_once_signed_in(make: Callable[..., Client]) -> None:
    """The same paths with a session: the 302s become content, so the rule (not a
    broken app) is what stopped them."""
    client = make(protect=["/admin/**", "/dashboard", "/orgs/*/settings"])
    cookie = f"{SESSION_COOKIE}={session_cookie(session_token())}"
    for raw_path in BYPASS_PATHS:
        status, _, body = send_raw(client, raw_path, cookie)
        assert status in (200, 400), raw_path
        assert (status == 200) == (CONTENT.encode() in body)


# -- websockets (ASGI) ---------------------------------------------------------------------


def test_protected_websocket_handshakes_are_refused_without_a_session() -> None:
    from starlette.applications import Starlette
    from starlette.routing import WebSocketRoute
    from starlette.testclient import TestClient
    from starlette.websockets import WebSocket, WebSocketDisconnect

    from workos_middleware import AuthMiddleware

    async def feed(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text(CONTENT)
        await websocket.close()

    app = Starlette(routes=[WebSocketRoute("/live/feed", feed), WebSocketRoute("/open", feed)])
    middleware = AuthMiddleware(app, make_config(protect=["/live/**"]))
    with TestClient(middleware, base_url=APP_URL) as client:
        with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect("/live/feed"):
            pass
        assert refused.value.code == 1008
        with client.websocket_connect("/open") as socket:
            assert socket.receive_text() == CONTENT
        client.cookies.set(SESSION_COOKIE, session_cookie(session_token()))
        with client.websocket_connect("/live/feed") as socket:
            assert socket.receive_text() == CONTENT
