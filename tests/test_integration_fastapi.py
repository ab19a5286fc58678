"""The Starlette and FastAPI integrations: ``current_user``, ``login_required``, the
``RequireUser`` / ``OptionalUser`` dependencies and their OpenAPI security scheme,
``@requires`` unchanged, and the error when the middleware is missing or misplaced."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.authentication import requires
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from workos_middleware import AccessRule, AuthConfig, AuthMiddleware, AuthUser
from workos_middleware.integrations.fastapi import (
    MiddlewareNotInstalled,
    OptionalUser,
    RequireUser,
    require_user,
)
from workos_middleware.integrations.starlette import current_user, login_required
from workos_middleware.testing import sign_in, sign_out

from support import APP_URL, make_config

Admin = Annotated[AuthUser, Depends(require_user(allow=AccessRule(roles=["admin"])))]

Reader = Annotated[AuthUser, Depends(require_user(allow=AccessRule(permissions=["reports:read"])))]

BROWSER = {"accept": "text/html,application/xhtml+xml", "sec-fetch-mode": "navigate"}
API = {"accept": "application/json"}


def fastapi_app(config: AuthConfig) -> FastAPI:
    app = FastAPI()

    @app.get("/api/me")
    def me(user: RequireUser) -> dict[str, Any]:
        return {"email": user.email, "roles": user.roles}

    @app.get("/dashboard")
    async def dashboard(user: RequireUser) -> dict[str, Any]:
        return {"dashboard": user.email}

    @app.get("/")
    def home(user: OptionalUser) -> dict[str, Any]:
        return {"email": user.email if user else None}

    @app.get("/admin")
    def admin(user: Admin) -> dict[str, Any]:
        return {"admin": user.email}

    @app.get("/reports")
    def reports(user: Reader) -> dict[str, Any]:
        return {"reports": user.email, "permissions": user.permissions}

    @app.get("/open")
    def open_route() -> dict[str, str]:
        return {"open": "yes"}

    app.add_middleware(AuthMiddleware, config=config)
    return app


@pytest.fixture
def config() -> AuthConfig:
    return make_config()


@pytest.fixture
def client(config: AuthConfig) -> TestClient:
    return TestClient(fastapi_app(config), base_url=APP_URL, follow_redirects=False)


def test_require_user_answers_401_json_to_an_api_call(client: TestClient) -> None:
    response = client.get("/api/me", headers=API)
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}
    assert response.headers["www-authenticate"]


def test_require_user_redirects_a_browser_to_sign_in(client: TestClient) -> None:
    response = client.get("/dashboard?from=menu", headers=BROWSER)
    assert response.status_code == 302
    assert response.headers["location"] == (
        f"{APP_URL}/api/auth/signin?callbackUrl=%2Fdashboard%3Ffrom%3Dmenu"
    )


def test_require_user_gives_the_signed_in_user(client: TestClient, config: AuthConfig) -> None:
    sign_in(client, config, email="alice@example.com", roles=["admin"])
    assert client.get("/api/me").json() == {"email": "alice@example.com", "roles": ["admin"]}
    assert client.get("/dashboard", headers=BROWSER).json() == {"dashboard": "alice@example.com"}
    sign_out(client, config)
    assert client.get("/api/me").status_code == 401


def test_require_user_with_an_access_rule(client: TestClient, config: AuthConfig) -> None:
    assert client.get("/admin", headers=API).status_code == 401
    sign_in(client, config, email="bob@example.com", roles=["member"])
    response = client.get("/admin", headers=API)
    assert response.status_code == 403
    assert response.json() == {"detail": "Forbidden"}
    assert client.get("/admin", headers=BROWSER).status_code == 403
    sign_in(client, config, email="alice@example.com", roles=["admin"])
    assert client.get("/admin").json() == {"admin": "alice@example.com"}


def test_require_user_with_permissions(client: TestClient, config: AuthConfig) -> None:
    sign_in(client, config, email="bob@example.com", claims={"permissions": ["reports:x"]})
    assert client.get("/reports", headers=API).status_code == 403
    sign_in(client, config, email="ann@example.com", claims={"permissions": ["reports:read"]})
    assert client.get("/reports").json() == {
        "reports": "ann@example.com",
        "permissions": ["reports:read"],
    }


def test_optional_user_is_none_or_the_user(client: TestClient, config: AuthConfig) -> None:
    assert client.get("/").json() == {"email": None}
    sign_in(client, config, email="bob@example.com")
    assert client.get("/").json() == {"email": "bob@example.com"}


def test_openapi_shows_the_session_cookie_scheme(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    scheme = schema["components"]["securitySchemes"]["WorkOSSession"]
    assert scheme["type"] == "apiKey"
    assert scheme["in"] == "cookie"
    assert scheme["name"] == "next-auth.session-token"
    assert schema["paths"]["/api/me"]["get"]["security"] == [{"WorkOSSession": []}]
    assert schema["paths"]["/"]["get"]["security"] == [{"WorkOSSession": []}]
    assert "security" not in schema["paths"]["/open"]["get"]


def test_require_user_with_a_custom_cookie_name_in_openapi(config: AuthConfig) -> None:
    app = FastAPI()
    secure_user = require_user(cookie_name="__Secure-next-auth.session-token")

    @app.get("/x", dependencies=[Depends(secure_user)])
    def x() -> dict[str, str]:
        return {}

    schema = app.openapi()
    assert schema["components"]["securitySchemes"]["WorkOSSession"]["name"] == (
        "__Secure-next-auth.session-token"
    )


@pytest.mark.anyio
async def test_dependencies_with_an_async_httpx_client(config: AuthConfig) -> None:
    transport = httpx.ASGITransport(app=fastapi_app(config))
    async with httpx.AsyncClient(transport=transport, base_url=APP_URL) as client:
        assert (await client.get("/api/me")).status_code == 401
        sign_in(client, config, email="carol@acme.test")
        assert (await client.get("/api/me")).json()["email"] == "carol@acme.test"


# -- Starlette ----------------------------------------------------------------------------


@login_required
async def starlette_dashboard(request: Request) -> Response:
    user = current_user(request)
    assert user is not None
    return PlainTextResponse(f"Dashboard of {user.email}")


@login_required
def starlette_sync(request: Request) -> Response:
    return JSONResponse({"email": current_user(request).email})  # type: ignore[union-attr]


async def starlette_home(request: Request) -> Response:
    user = current_user(request)
    return JSONResponse({"email": user.email if user else None})


@login_required(allow=AccessRule(groups=["Engineering"]))
async def starlette_engineering(request: Request) -> Response:
    return PlainTextResponse("engineering")


@login_required(allow=AccessRule(permissions=["reports:read"]))
async def starlette_reports(request: Request) -> Response:
    return PlainTextResponse("reports")


@requires("authenticated")
async def starlette_requires(request: Request) -> Response:
    return PlainTextResponse(f"requires: {request.user.email}")


def starlette_app(config: AuthConfig, *, middleware: list[Middleware] | None = None) -> Starlette:
    return Starlette(
        routes=[
            Route("/", starlette_home),
            Route("/dashboard", starlette_dashboard),
            Route("/sync", starlette_sync),
            Route("/requires", starlette_requires),
            Route("/engineering", starlette_engineering),
            Route("/reports", starlette_reports),
        ],
        middleware=middleware
        if middleware is not None
        else [Middleware(AuthMiddleware, config=config)],
    )


def test_starlette_login_required_and_current_user(config: AuthConfig) -> None:
    client = TestClient(starlette_app(config), base_url=APP_URL, follow_redirects=False)
    assert client.get("/").json() == {"email": None}
    response = client.get("/dashboard", headers=BROWSER)
    assert response.status_code == 302
    assert "callbackUrl=%2Fdashboard" in response.headers["location"]
    response = client.get("/sync", headers=API)
    assert response.status_code == 401
    assert response.json()["error"] == "Unauthorized"

    sign_in(client, config, email="alice@example.com")
    assert client.get("/").json() == {"email": "alice@example.com"}
    assert client.get("/dashboard").text == "Dashboard of alice@example.com"
    assert client.get("/sync").json() == {"email": "alice@example.com"}


def test_starlette_login_required_with_an_access_rule(config: AuthConfig) -> None:
    client = TestClient(starlette_app(config), base_url=APP_URL)
    sign_in(client, config, email="bob@example.com", groups=["Sales"])
    response = client.get("/engineering", headers=BROWSER)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert "Access denied" in response.text
    assert client.get("/engineering", headers=API).json()["error"] == "Forbidden"
    sign_in(client, config, email="alice@example.com", groups=["Engineering"])
    assert client.get("/engineering").text == "engineering"


def test_starlette_requires_keeps_working(config: AuthConfig) -> None:
    client = TestClient(starlette_app(config), base_url=APP_URL)
    assert client.get("/requires").status_code == 403
    sign_in(client, config, email="alice@example.com")
    assert client.get("/requires").text == "requires: alice@example.com"


# -- middleware order ---------------------------------------------------------------------


def test_helpers_without_the_middleware_name_the_package_and_the_fix(config: AuthConfig) -> None:
    client = TestClient(starlette_app(config, middleware=[]), base_url=APP_URL)
    with pytest.raises(MiddlewareNotInstalled) as caught:
        client.get("/")
    message = str(caught.value)
    assert "workos_middleware" in message
    assert "AuthMiddleware" in message
    assert "add_middleware" in message


class GuardMiddleware:
    """A user's own middleware that reads the user: it must sit inside AuthMiddleware."""

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/":
            current_user(Request(scope))
        await self.app(scope, receive, send)


def test_a_middleware_reading_the_user_outside_ours_gets_a_clear_error(
    config: AuthConfig,
) -> None:
    wrong = FastAPI()
    wrong.add_middleware(AuthMiddleware, config=config)
    wrong.add_middleware(GuardMiddleware)  # added last: outermost, runs before ours
    with pytest.raises(MiddlewareNotInstalled, match="OUTSIDE every middleware"):
        TestClient(wrong, base_url=APP_URL).get("/")

    right = FastAPI()
    right.add_middleware(GuardMiddleware)
    right.add_middleware(AuthMiddleware, config=config)  # added last: outermost
    assert TestClient(right, base_url=APP_URL).get("/").status_code == 404


def test_dependency_without_the_middleware_names_the_fix() -> None:
    app = FastAPI()

    @app.get("/api/me")
    def me(user: RequireUser) -> dict[str, Any]:
        return {}

    with pytest.raises(MiddlewareNotInstalled, match=r"workos_middleware\.AuthMiddleware"):
        TestClient(app, base_url=APP_URL).get("/api/me")


def test_starlette_login_required_with_permissions(config: AuthConfig) -> None:
    client = TestClient(starlette_app(config), base_url=APP_URL)
    sign_in(client, config, email="bob@example.com", claims={"permissions": ["reports:x"]})
    assert client.get("/reports", headers=API).status_code == 403
    sign_in(client, config, email="ann@example.com", claims={"permissions": ["reports:read"]})
    assert client.get("/reports").text == "reports"
