"""The example apps, driven end to end through HTTP with WorkOS mocked.

Both examples are files named ``app.py``, so each is loaded by path under a module name
of its own; the environment they read is set per test.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import re
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import pytest
import respx
from anyio.from_thread import BlockingPortal

from workos_middleware import AuthConfig, ConfigurationError
from workos_middleware.testing import sign_in

from support import (
    API_KEY,
    APP_URL,
    CLIENT_ID,
    TOKEN_RESPONSE,
    WORKOS_URL,
    AppClient,
    django_project,
    organizations,
    query_of,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
# The four examples' one stylesheet, which each one's base.html includes inline.
SHARED_STYLE = (EXAMPLES / "shared" / "style.css").read_text().strip()
ENV = {
    "WORKOS_CLIENT_ID": CLIENT_ID,
    "WORKOS_API_KEY": API_KEY,
    "WORKOS_BASE_URL": WORKOS_URL,
    "AUTH_SECRET": "examples-secret-0123456789abcdef",
    "AUTH_URL": APP_URL,
}


# -- loading the examples ---------------------------------------------------------------


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def example_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("NEXTAUTH_SECRET", "NEXTAUTH_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def load_example(name: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """``examples/<name>/app.py`` as a fresh module named ``examples_<name>``."""
    module_name = f"examples_{name}"
    spec = importlib.util.spec_from_file_location(module_name, EXAMPLES / name / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Registered before running it: Flask finds its templates through sys.modules.
    monkeypatch.setitem(sys.modules, module_name, module)
    spec.loader.exec_module(module)
    return module


# -- reading the pages ------------------------------------------------------------------


class FormParser(HTMLParser):
    """Every form of a page: its action and its named inputs' values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.forms.append({"action": attributes.get("action", ""), "fields": {}})
        elif tag == "input" and self.forms and "name" in attributes:
            self.forms[-1]["fields"][attributes["name"]] = attributes
            self.forms[-1]["fields"][attributes["name"]].setdefault("value", "")


def forms_of(html: str) -> list[dict[str, Any]]:
    parser = FormParser()
    parser.feed(html)
    parser.close()
    return parser.forms


def form_posting_to(html: str, path: str) -> dict[str, Any]:
    found = [form for form in forms_of(html) if urlsplit(form["action"]).path == path]
    assert len(found) == 1, f"expected one form posting to {path}: {found}"
    return found[0]


def assert_signin_page(response: httpx.Response) -> dict[str, Any]:
    """An SSO sign-in page: email field, button, hidden CSRF token. Returns its form."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "Sign in with SSO" in html
    form = form_posting_to(html, "/api/auth/signin/workos")
    assert form["action"] == f"{APP_URL}/api/auth/signin/workos"
    fields = form["fields"]
    assert fields["email"]["type"] == "email"
    assert fields["csrfToken"]["type"] == "hidden"
    assert len(fields["csrfToken"]["value"]) >= 32
    assert fields["callbackUrl"]["type"] == "hidden"
    return form


def assert_anonymous_home(response: httpx.Response) -> None:
    assert response.status_code == 200, response.text
    assert f"<style>\n{SHARED_STYLE}" in response.text
    assert 'href="/api/auth/signin?callbackUrl=/"' in response.text
    assert "Sign out" not in response.text
    assert "alice@example.com" not in response.text


def authorize_params(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(f"{WORKOS_URL}/sso/authorize?")
    return query_of(location)


ORGANIZATIONS = organizations(("org_example", "example.com", "verified"))
# The examples ask for the signed-in person's organization by id, for its name.
ORGANIZATION = {"object": "organization", "id": "org_01EXAMPLE", "name": "Example Corp"}


def assert_token_request(token_route: respx.Route, params: dict[str, str]) -> None:
    """The code exchange sent the code and the verifier behind the PKCE challenge."""
    assert token_route.call_count == 1
    body = json.loads(token_route.calls.last.request.content)
    assert body["code"] == "c"
    assert body["client_id"] == CLIENT_ID
    assert body["client_secret"] == API_KEY
    verifier = body["code_verifier"]
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == params["code_challenge"]


def sign_in_form_data(form: dict[str, Any]) -> dict[str, str]:
    return {
        "csrfToken": form["fields"]["csrfToken"]["value"],
        "callbackUrl": form["fields"]["callbackUrl"]["value"],
        "email": "alice@example.com",
    }


def assert_authorize_params(params: dict[str, str]) -> None:
    assert params["login_hint"] == "alice@example.com"
    # No domain map in the examples: the organization comes from WorkOS's lookup.
    assert params["organization"] == "org_example"
    assert "domain" not in params
    assert params["client_id"] == CLIENT_ID
    assert params["redirect_uri"] == f"{APP_URL}/api/auth/callback/workos"
    assert params["code_challenge_method"] == "S256"
    assert params["state"]


def assert_signed_in_home(response: httpx.Response) -> dict[str, Any]:
    """The signed-in home page; returns its sign-out form."""
    assert response.status_code == 200, response.text
    assert "Alice Anderson" in response.text
    assert "alice@example.com" in response.text
    # The expiry in words a person reads (30 days from now), not an ISO timestamp.
    assert re.search(
        r"Your session expires in 30 days, on \d{1,2} \w+ 20\d\d at \d\d:\d\d UTC", response.text
    )
    form = form_posting_to(response.text, "/api/auth/signout")
    assert form["fields"]["callbackUrl"]["value"] == "/"
    assert form["fields"]["csrfToken"]["value"]
    return form


def sign_out_data(form: dict[str, Any]) -> dict[str, str]:
    return {name: field["value"] for name, field in form["fields"].items()}


# -- the Starlette example: a custom sign-in page ---------------------------------------


@pytest.fixture
def starlette_app(example_env: pytest.MonkeyPatch) -> Any:
    return load_example("starlette_app", example_env).app


def starlette_client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=APP_URL)


@pytest.mark.anyio
async def test_starlette_sign_in_and_out(starlette_app: Any) -> None:
    with respx.mock(base_url=WORKOS_URL) as workos:
        token = workos.post("/sso/token").respond(200, json=TOKEN_RESPONSE)
        lookup = workos.get("/organizations").respond(200, json=ORGANIZATIONS)
        workos.get("/organizations/org_01EXAMPLE").respond(200, json=ORGANIZATION)
        async with starlette_client(starlette_app) as client:
            assert_anonymous_home(await client.get("/"))

            # The home page's link: the middleware sends it to the app's own page.
            response = await client.get("/api/auth/signin?callbackUrl=/")
            assert response.status_code == 302
            assert response.headers["location"] == f"{APP_URL}/auth/signin?callbackUrl=%2F"

            response = await client.get(response.headers["location"])
            form = assert_signin_page(response)
            assert "<label" in response.text and ">Email</label>" in response.text
            assert "no-store" in response.headers["cache-control"]
            assert form["fields"]["callbackUrl"]["value"] == "/"
            assert client.cookies.get("next-auth.csrf-token")

            response = await client.post(form["action"], data=sign_in_form_data(form))
            params = authorize_params(response)
            assert_authorize_params(params)

            response = await client.get(
                "/api/auth/callback/workos", params={"code": "c", "state": params["state"]}
            )
            assert response.status_code == 302, response.text
            assert response.headers["location"] == f"{APP_URL}/"
            assert_token_request(token, params)
            assert lookup.calls.last.request.headers["authorization"] == f"Bearer {API_KEY}"

            signout = assert_signed_in_home(await client.get("/"))
            response = await client.post("/api/auth/signout", data=sign_out_data(signout))
            assert response.status_code == 302
            assert response.headers["location"] == f"{APP_URL}/"
            assert not client.cookies.get("next-auth.session-token")
            assert_anonymous_home(await client.get("/"))


@pytest.mark.anyio
async def test_starlette_signin_page_shows_the_error_message(starlette_app: Any) -> None:
    async with starlette_client(starlette_app) as client:
        # A failed callback ends at the error route, which sends sign-in errors here.
        response = await client.get("/api/auth/error?error=OAuthCallback")
        assert response.status_code == 302
        assert response.headers["location"] == f"{APP_URL}/auth/signin?error=OAuthCallback"

        response = await client.get("/auth/signin?error=OAuthCallback")
        assert_signin_page(response)
        assert '<div class="error" role="alert">' in response.text
        assert "Please sign in again." in response.text


@pytest.mark.anyio
async def test_starlette_signin_page_escapes_the_query(starlette_app: Any) -> None:
    hostile = '"><script>alert(1)</script>'
    async with starlette_client(starlette_app) as client:
        response = await client.get(
            "/auth/signin",
            params={"error": "<script>alert(1)</script>", "callbackUrl": hostile, "email": hostile},
        )
        form = assert_signin_page(response)
        assert "<script>" not in response.text
        assert "&lt;script&gt;" in response.text
        assert "Unable to sign in." in response.text
        # Escaped in the markup, intact as a value.
        assert form["fields"]["callbackUrl"]["value"] == hostile
        assert form["fields"]["email"]["value"] == hostile


@pytest.mark.anyio
async def test_starlette_sign_in_with_a_stale_csrf_token_is_refused(starlette_app: Any) -> None:
    with respx.mock(base_url=WORKOS_URL, assert_all_called=False) as workos:
        async with starlette_client(starlette_app) as client:
            form = assert_signin_page(await client.get("/auth/signin"))
            data = {**sign_in_form_data(form), "csrfToken": "forged"}
            response = await client.post(form["action"], data=data)
            assert response.status_code == 302
            assert response.headers["location"] == f"{APP_URL}/api/auth/signin?csrf=true"
            assert not workos.calls


@pytest.mark.anyio
async def test_starlette_signin_page_says_the_form_expired(starlette_app: Any) -> None:
    async with starlette_client(starlette_app) as client:
        response = await client.get("/api/auth/signin?csrf=true")
        assert response.status_code == 302
        response = await client.get(response.headers["location"])
        assert "Your sign-in form expired." in response.text


# -- the Flask example: the built-in sign-in page ---------------------------------------


@pytest.fixture
def flask_app(example_env: pytest.MonkeyPatch) -> Any:
    return load_example("flask_app", example_env).app


def test_flask_sign_in_and_out(flask_app: Any) -> None:
    transport = httpx.WSGITransport(app=flask_app)
    with (
        respx.mock(base_url=WORKOS_URL) as workos,
        httpx.Client(transport=transport, base_url=APP_URL) as client,
    ):
        token = workos.post("/sso/token").respond(200, json=TOKEN_RESPONSE)
        lookup = workos.get("/organizations").respond(200, json=ORGANIZATIONS)
        workos.get("/organizations/org_01EXAMPLE").respond(200, json=ORGANIZATION)
        assert_anonymous_home(client.get("/"))

        response = client.get("/api/auth/signin?callbackUrl=/")
        form = assert_signin_page(response)
        assert form["fields"]["callbackUrl"]["value"] == "/"

        response = client.post(form["action"], data=sign_in_form_data(form))
        params = authorize_params(response)
        assert_authorize_params(params)

        response = client.get(
            "/api/auth/callback/workos", params={"code": "c", "state": params["state"]}
        )
        assert response.status_code == 302, response.text
        assert response.headers["location"] == f"{APP_URL}/"
        assert_token_request(token, params)
        assert lookup.calls.last.request.headers["authorization"] == f"Bearer {API_KEY}"

        signout = assert_signed_in_home(client.get("/"))
        response = client.post("/api/auth/signout", data=sign_out_data(signout))
        assert response.status_code == 302
        assert response.headers["location"] == f"{APP_URL}/"
        assert not client.cookies.get("next-auth.session-token")
        assert_anonymous_home(client.get("/"))


# -- configuration errors ----------------------------------------------------------------


@pytest.mark.parametrize("example", ["starlette_app", "flask_app"])
@pytest.mark.parametrize("missing", ["AUTH_SECRET", "AUTH_URL", "WORKOS_CLIENT_ID"])
def test_examples_refuse_to_load_without_settings(
    example: str, missing: str, example_env: pytest.MonkeyPatch
) -> None:
    example_env.delenv(missing)
    with pytest.raises(ConfigurationError, match=missing):
        load_example(example, example_env)


# -- every example: /dashboard and /api/me ------------------------------------------------

BROWSER = {"accept": "text/html,application/xhtml+xml", "sec-fetch-mode": "navigate"}
EXAMPLE_KINDS = ["starlette", "fastapi", "flask", "django-wsgi", "django-asgi"]


class ExampleClient(AppClient):
    """One example app behind httpx, used synchronously whatever its interface."""

    def __init__(self, kind: str, config: AuthConfig, app: Any, portal: BlockingPortal) -> None:
        asgi = kind in ("starlette", "fastapi", "django-asgi")
        super().__init__(app, "asgi" if asgi else "wsgi", portal)
        self.kind = kind
        self.config = config


@pytest.fixture
def django_example(example_env: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The Django example's settings, applied over the tests' Django configuration."""
    django_project.configure()
    from django.test import override_settings

    example_env.syspath_prepend(str(EXAMPLES / "django_app"))
    for name in [n for n in sys.modules if n.startswith("django_example")]:
        example_env.delitem(sys.modules, name)
    module = importlib.import_module("django_example.settings")
    overrides = {
        key: getattr(module, key)
        for key in dir(module)
        if key.isupper() and key not in ("INSTALLED_APPS", "DATABASES")
    }
    with override_settings(**overrides):
        yield module


def load_django_entry_point(kind: str) -> Any:
    return importlib.import_module(f"django_example.{kind}").application


@pytest.fixture(params=EXAMPLE_KINDS)
def example(
    request: pytest.FixtureRequest, example_env: pytest.MonkeyPatch, portal: BlockingPortal
) -> ExampleClient:
    kind: str = request.param
    if kind.startswith("django"):
        settings = request.getfixturevalue("django_example")
        app = load_django_entry_point(kind.split("-")[1])
        config = settings.WORKOS_AUTH
    else:
        module = load_example(f"{kind}_app", example_env)
        app = module.app
        config = getattr(module, "config", None)
        if config is None:  # the Flask example keeps it in its middleware only
            config = module.app.extensions["workos_middleware"].config
    return ExampleClient(kind, config, app, portal)


def signin_page_url(example: ExampleClient, callback: str) -> str:
    query = urlencode({"callbackUrl": callback})
    if example.kind == "starlette":  # its own page, pages={"signIn": "/auth/signin"}
        return f"{APP_URL}/auth/signin?{query}"
    return f"{APP_URL}/api/auth/signin?{query}"


def test_example_protects_dashboard_and_api_me_when_signed_out(example: ExampleClient) -> None:
    response = example.get("/dashboard?tab=org", headers=BROWSER)
    assert response.status_code == 302, response.text
    assert response.headers["location"] == signin_page_url(example, "/dashboard?tab=org")

    response = example.get("/api/me", headers={"accept": "application/json"})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["www-authenticate"]
    assert "alice" not in response.text


def test_example_signed_in_with_the_testing_helper(example: ExampleClient) -> None:
    sign_in(example.http, example.config, email="alice@example.com", name="Alice Anderson",
            organization_id="org_example", roles=["admin"])  # fmt: skip
    response = example.get("/dashboard", headers=BROWSER)
    assert response.status_code == 200, response.text
    assert "<h1>Dashboard</h1>" in response.text
    assert "Alice Anderson" in response.text
    assert "alice@example.com" in response.text
    assert "org_example" in response.text
    form_posting_to(response.text, "/api/auth/signout")

    me = example.get("/api/me").json()
    assert me["user"] == {"name": "Alice Anderson", "email": "alice@example.com", "image": None}
    assert me["expires"].endswith("Z")


@pytest.mark.parametrize("organization_status", [200, 503])
def test_example_sign_in_from_the_dashboard_returns_to_it(
    example: ExampleClient, organization_status: int
) -> None:
    """The guarded miss, the sign-in page, WorkOS (mocked), and back to /dashboard,
    which names the organization (its id when WorkOS does not say its name)."""
    with respx.mock(base_url=WORKOS_URL) as workos:
        token = workos.post("/sso/token").respond(200, json=TOKEN_RESPONSE)
        workos.get("/organizations").respond(200, json=ORGANIZATIONS)
        named = workos.get("/organizations/org_01EXAMPLE")
        named.respond(organization_status, json=ORGANIZATION)

        response = example.get("/dashboard", headers=BROWSER)
        assert response.status_code == 302
        form = assert_signin_page(example.get(response.headers["location"]))
        assert form["fields"]["callbackUrl"]["value"] == "/dashboard"

        response = example.post(form["action"], data=sign_in_form_data(form))
        params = authorize_params(response)
        assert_authorize_params(params)
        response = example.get(
            "/api/auth/callback/workos", params={"code": "c", "state": params["state"]}
        )
        assert response.status_code == 302, response.text
        assert response.headers["location"] == f"{APP_URL}/dashboard"
        assert_token_request(token, params)

        assert named.calls.last.request.headers["authorization"] == f"Bearer {API_KEY}"

    response = example.get("/dashboard", headers=BROWSER)
    assert response.status_code == 200
    assert "Alice Anderson" in response.text
    shown = "Example Corp" if organization_status == 200 else "org_01EXAMPLE"
    assert f"<dt>Organization</dt><dd>{shown}</dd>" in response.text
    assert example.get("/api/me").json()["user"]["email"] == "alice@example.com"

    signout = assert_signed_in_home(example.get("/"))
    response = example.post("/api/auth/signout", data=sign_out_data(signout))
    assert response.status_code == 302
    assert not example.http.cookies.get("next-auth.session-token")
    assert_anonymous_home(example.get("/"))
    assert example.get("/api/me").status_code == 401


def test_starlette_example_api_prefix_never_redirects(starlette_app: Any, portal: Any) -> None:
    """The Starlette example protects by configuration, /api/** as an API prefix."""
    config = starlette_app.user_middleware[0].kwargs["config"]
    client = ExampleClient("starlette", config, starlette_app, portal)
    response = client.get("/api/me", headers=BROWSER)
    assert response.status_code == 401
    assert response.json()["error"] == "Unauthorized"
    assert client.get("/dashboard/", headers=BROWSER).status_code == 302


def test_fastapi_example_documents_the_security_scheme(example_env: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient

    app = load_example("fastapi_app", example_env).app
    schema = TestClient(app, base_url=APP_URL).get("/openapi.json").json()
    assert list(schema["paths"]) == ["/api/me"]
    assert schema["paths"]["/api/me"]["get"]["security"] == [{"WorkOSSession": []}]
    assert schema["components"]["securitySchemes"]["WorkOSSession"]["in"] == "cookie"


@pytest.mark.parametrize("missing", ["AUTH_SECRET", "AUTH_URL", "WORKOS_CLIENT_ID"])
def test_new_examples_refuse_to_load_without_settings(
    missing: str, example_env: pytest.MonkeyPatch
) -> None:
    example_env.delenv(missing)
    with pytest.raises(ConfigurationError, match=missing):
        load_example("fastapi_app", example_env)
    example_env.syspath_prepend(str(EXAMPLES / "django_app"))
    for name in [n for n in sys.modules if n.startswith("django_example")]:
        example_env.delitem(sys.modules, name)
    with pytest.raises(ConfigurationError, match=missing):
        importlib.import_module("django_example.settings")
