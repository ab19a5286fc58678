"""Apps mounted under a prefix: ASGI ``root_path``, WSGI ``SCRIPT_NAME``, AUTH_URL's path.

The server side is played as uvicorn and gunicorn play it: under ASGI ``path`` keeps
the prefix and ``root_path`` names it; under WSGI the prefix moves from ``PATH_INFO``
to ``SCRIPT_NAME``. WorkOS is mocked with respx. Real nginx in front is in
``tests/test_nginx.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx
from anyio.from_thread import BlockingPortal

from support import APP_URL, TOKEN_RESPONSE, WORKOS_URL, Client, make_config

HTML = {"accept": "text/html"}


def echo_asgi_factory() -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = f"APP root={scope.get('root_path', '')} path={scope['path']}".encode()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})

    return app


def echo_wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"APP root={environ['SCRIPT_NAME']} path={environ['PATH_INFO']}".encode()]


def gunicorn_mount(prefix: str, app: Any) -> Any:
    """What gunicorn does with SCRIPT_NAME=prefix: the prefix leaves PATH_INFO."""

    def mounted(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ["PATH_INFO"]
        if prefix and (path == prefix or path.startswith(prefix + "/")):
            environ["SCRIPT_NAME"] = prefix
            environ["PATH_INFO"] = path[len(prefix) :]
        return app(environ, start_response)

    return mounted


def mounted_client(
    kind: str, portal: BlockingPortal, server_prefix: str, **overrides: Any
) -> Client:
    client = Client(
        kind, make_config(**overrides), portal, asgi=echo_asgi_factory(), wsgi=echo_wsgi
    )
    if kind == "asgi":
        transport: Any = httpx.ASGITransport(app=client.middleware, root_path=server_prefix)
        client._async = httpx.AsyncClient(transport=transport, base_url=APP_URL)
        client.cookies = client._async.cookies
    else:
        transport = httpx.WSGITransport(app=gunicorn_mount(server_prefix, client.middleware))
        client._sync = httpx.Client(transport=transport, base_url=APP_URL)
        client.cookies = client._sync.cookies
    return client


@pytest.fixture
def mount(adapter: str, portal: BlockingPortal) -> Callable[..., Client]:
    def build(server_prefix: str = "/keep", **overrides: Any) -> Client:
        return mounted_client(adapter, portal, server_prefix, **overrides)

    return build


# Three ways to say "the app lives at /keep": the server says it (root_path /
# SCRIPT_NAME), AUTH_URL says it (NextAuth form or the app URL with base_path), or both.
DEPLOYS = [
    pytest.param("/keep", {}, id="server-prefix"),
    pytest.param("/keep", {"url": f"{APP_URL}/keep/api/auth"}, id="server-and-url"),
    pytest.param("", {"url": f"{APP_URL}/keep/api/auth"}, id="nextauth-url"),
    pytest.param("", {"url": f"{APP_URL}/keep", "base_path": "/api/auth"}, id="app-url"),
]


@pytest.mark.parametrize(("server_prefix", "options"), DEPLOYS)
def test_generated_urls_carry_the_prefix(
    mount: Callable[..., Client],
    workos: respx.MockRouter,
    server_prefix: str,
    options: dict[str, Any],
) -> None:
    client = mount(server_prefix, **options)
    at = server_prefix  # where the requests arrive at the app
    providers = client.get(f"{at}/api/auth/providers").json()
    assert providers["workos"]["signinUrl"] == f"{APP_URL}/keep/api/auth/signin/workos"
    assert providers["workos"]["callbackUrl"] == f"{APP_URL}/keep/api/auth/callback/workos"
    page = client.get(f"{at}/api/auth/signin")
    assert f'action="{APP_URL}/keep/api/auth/signin/workos"' in page.text

    csrf = client.get(f"{at}/api/auth/csrf").json()["csrfToken"]
    started = client.post(
        f"{at}/api/auth/signin/workos",
        data={"csrfToken": csrf, "email": "alice@example.com"},
        headers={"origin": APP_URL},
    )
    assert started.status_code == 302
    authorize = parse_qs(urlsplit(started.headers["location"]).query)
    assert started.headers["location"].startswith(f"{WORKOS_URL}/sso/authorize?")
    assert authorize["redirect_uri"] == [f"{APP_URL}/keep/api/auth/callback/workos"]

    workos.post("/sso/token").respond(200, json=TOKEN_RESPONSE)
    back = client.get(
        f"{at}/api/auth/callback/workos", params={"code": "c", "state": authorize["state"][0]}
    )
    # No callbackUrl given: back to the app's URL, prefix included.
    assert back.headers["location"] == f"{APP_URL}/keep"
    assert client.get(f"{at}/api/auth/session").json()["user"]["email"] == "alice@example.com"

    error = client.get(f"{at}/api/auth/error?error=OAuthSignin")
    assert error.headers["location"] == f"{APP_URL}/keep/api/auth/signin?error=OAuthSignin"


@pytest.mark.parametrize(("server_prefix", "options"), DEPLOYS)
def test_pages_and_rules_are_relative_to_the_app(
    mount: Callable[..., Client], server_prefix: str, options: dict[str, Any]
) -> None:
    client = mount(server_prefix, pages={"signIn": "/login"}, protect=["/dashboard/**"], **options)
    at = server_prefix
    signin = client.get(f"{at}/api/auth/signin?callbackUrl=/keep/x")
    assert signin.headers["location"] == f"{APP_URL}/keep/login?callbackUrl=%2Fkeep%2Fx"
    miss = client.get(f"{at}/dashboard/a?b=1", headers=HTML)
    assert miss.status_code == 302
    assert miss.headers["location"] == (
        f"{APP_URL}/keep/login?callbackUrl=%2Fkeep%2Fdashboard%2Fa%3Fb%3D1"
    )
    assert client.get(f"{at}/dashboard").status_code == 401
    # The sign-in page of the app is public; the rest of the app is untouched.
    assert client.get(f"{at}/login").text.endswith("/login")
    assert client.get(f"{at}/keep/dashboard").status_code == 200


@pytest.mark.parametrize(("server_prefix", "options"), DEPLOYS)
def test_round_trip_lands_back_under_the_prefix(
    mount: Callable[..., Client],
    workos: respx.MockRouter,
    server_prefix: str,
    options: dict[str, Any],
) -> None:
    client = mount(server_prefix, protect=["/dashboard/**"], **options)
    at = server_prefix
    miss = client.get(f"{at}/dashboard/r?t=2", headers=HTML)
    location = miss.headers["location"]
    assert location.startswith(f"{APP_URL}/keep/api/auth/signin?")
    page = client.get(f"{at}/api/auth/signin?{urlsplit(location).query}")
    found = re.search(r'name="callbackUrl" value="([^"]*)"', page.text)
    assert found is not None
    callback_url = found.group(1).replace("&amp;", "&")
    assert callback_url == "/keep/dashboard/r?t=2"
    csrf = client.get(f"{at}/api/auth/csrf").json()["csrfToken"]
    started = client.post(
        f"{at}/api/auth/signin/workos",
        data={"csrfToken": csrf, "email": "alice@example.com", "callbackUrl": callback_url},
        headers={"origin": APP_URL},
    )
    state = parse_qs(urlsplit(started.headers["location"]).query)["state"][0]
    workos.post("/sso/token").respond(200, json=TOKEN_RESPONSE)
    back = client.get(f"{at}/api/auth/callback/workos", params={"code": "c", "state": state})
    assert back.headers["location"] == f"{APP_URL}/keep/dashboard/r?t=2"
    landed = client.get(f"{at}/dashboard/r?t=2", headers=HTML)
    assert landed.status_code == 200 and landed.text.startswith("APP ")


def test_routes_under_the_prefix_are_not_swallowed(mount: Callable[..., Client]) -> None:
    client = mount("/app", url=f"{APP_URL}/app/api/auth")
    response = client.get("/app/anything/here")
    assert response.status_code == 200
    assert response.text.startswith("APP root=/app")
    assert client.get("/app/api/auth/providers").status_code == 200


def test_many_mount_prefixes_each_get_their_own_urls(adapter: str, portal: BlockingPortal) -> None:
    """A router mounting on a path parameter: one middleware, more prefixes than its
    cache keeps, each answered with its own URLs."""
    client = mounted_client(adapter, portal, "")
    for tenant in range(40):
        prefix = f"/t{tenant}"
        if adapter == "asgi":
            transport: Any = httpx.ASGITransport(app=client.middleware, root_path=prefix)

            async def go(url: str, transport: Any = transport) -> httpx.Response:
                async with httpx.AsyncClient(transport=transport, base_url=APP_URL) as http:
                    return await http.get(url)

            response = portal.call(go, f"{prefix}/api/auth/providers")
        else:
            transport = httpx.WSGITransport(app=gunicorn_mount(prefix, client.middleware))
            with httpx.Client(transport=transport, base_url=APP_URL) as http:
                response = http.get(f"{prefix}/api/auth/providers")
        signin_url = response.json()["workos"]["signinUrl"]
        assert signin_url == f"{APP_URL}{prefix}/api/auth/signin/workos"
