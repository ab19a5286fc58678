"""The Flask integration: ``init_app``, ``current_user`` (also in templates),
``get_current_user``, ``login_required`` (sync and async views), and Flask's test client
signed in with ``workos_middleware.testing``."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from flask import Flask, render_template_string

from workos_middleware import AccessRule, AuthConfig
from workos_middleware.integrations.flask import (
    MiddlewareNotInstalled,
    current_user,
    get_current_user,
    init_app,
    login_required,
)
from workos_middleware.testing import sign_in, sign_out

from support import APP_URL, make_config

BROWSER = {"accept": "text/html,application/xhtml+xml", "sec-fetch-mode": "navigate"}
API = {"accept": "application/json"}


def flask_app(config: AuthConfig | None) -> Flask:
    app = Flask(__name__)
    if config is not None:
        init_app(app, config)

    @app.get("/")
    def home() -> Any:
        user = get_current_user()
        return {
            "email": user.email if user else None,
            "proxy_truthy": bool(current_user),
            "authenticated": current_user.is_authenticated,
        }

    @app.get("/page")
    def page() -> str:
        return render_template_string(
            "{% if current_user %}{{ current_user.email }}{% else %}anonymous "
            "{{ current_user.is_authenticated }}{% endif %}"
        )

    @app.get("/dashboard")
    @login_required
    def dashboard() -> str:
        return render_template_string("<h1>Dashboard of {{ current_user.email }}</h1>")

    @app.get("/admin")
    @login_required(allow=AccessRule(roles=["admin"]))
    def admin() -> Any:
        return {"admin": current_user.email}

    @app.get("/reports")
    @login_required(allow=AccessRule(permissions=["reports:read"]))
    def reports() -> Any:
        return {"reports": current_user.email, "permissions": current_user.permissions}

    @app.get("/api/me")
    @login_required
    async def api_me() -> Any:
        return {"email": current_user.email}

    return app


@pytest.fixture
def config() -> AuthConfig:
    return make_config()


def test_login_required_with_flask_test_client(config: AuthConfig) -> None:
    client = flask_app(config).test_client()
    response = client.get("/dashboard?x=1", headers=BROWSER)
    assert response.status_code == 302
    assert response.headers["location"] == (
        f"{APP_URL}/api/auth/signin?callbackUrl=%2Fdashboard%3Fx%3D1"
    )
    response = client.get("/api/me", headers=API)
    assert response.status_code == 401
    assert response.json is not None and response.json["error"] == "Unauthorized"
    assert response.headers["www-authenticate"]

    sign_in(client, config, email="alice@example.com")
    assert client.get("/dashboard").text == "<h1>Dashboard of alice@example.com</h1>"
    assert client.get("/api/me").json == {"email": "alice@example.com"}

    sign_out(client, config)
    assert client.get("/api/me", headers=API).status_code == 401


def test_login_required_with_an_access_rule(config: AuthConfig) -> None:
    client = flask_app(config).test_client()
    sign_in(client, config, email="bob@example.com", roles=["member"])
    response = client.get("/admin", headers=API)
    assert response.status_code == 403
    assert response.json is not None and response.json["error"] == "Forbidden"
    response = client.get("/admin", headers=BROWSER)
    assert response.status_code == 403 and "Access denied" in response.text
    sign_in(client, config, email="alice@example.com", roles=["admin"])
    assert client.get("/admin").json == {"admin": "alice@example.com"}


def test_login_required_with_permissions(config: AuthConfig) -> None:
    client = flask_app(config).test_client()
    sign_in(client, config, email="bob@example.com", claims={"permissions": ["reports:x"]})
    assert client.get("/reports", headers=API).status_code == 403
    sign_in(client, config, email="ann@example.com", claims={"permissions": ["reports:read"]})
    assert client.get("/reports").json == {
        "reports": "ann@example.com",
        "permissions": ["reports:read"],
    }


def test_current_user_signed_out_and_in(config: AuthConfig) -> None:
    client = flask_app(config).test_client()
    assert client.get("/").json == {
        "email": None,
        "proxy_truthy": False,
        "authenticated": False,
    }
    sign_in(client, config, email="bob@example.com")
    assert client.get("/").json == {
        "email": "bob@example.com",
        "proxy_truthy": True,
        "authenticated": True,
    }


def test_templates_get_current_user(config: AuthConfig) -> None:
    client = flask_app(config).test_client()
    assert client.get("/page").text == "anonymous False"
    sign_in(client, config, email="dana@example.com")
    assert client.get("/page").text == "dana@example.com"


def test_flask_app_through_httpx(config: AuthConfig) -> None:
    transport = httpx.WSGITransport(app=flask_app(config))
    with httpx.Client(transport=transport, base_url=APP_URL) as client:
        assert client.get("/api/me").status_code == 401
        sign_in(client, config, email="carol@acme.test")
        assert client.get("/api/me").json() == {"email": "carol@acme.test"}
        # The app's own sign-out clears the helper's cookie like a real one.
        csrf = client.get("/api/auth/csrf").json()["csrfToken"]
        client.post("/api/auth/signout", data={"csrfToken": csrf, "callbackUrl": "/"})
        assert client.get("/api/me").status_code == 401


def test_without_the_middleware_the_error_names_the_fix() -> None:
    app = flask_app(None)
    app.testing = True
    for path in ("/api/me", "/dashboard", "/"):
        with pytest.raises(MiddlewareNotInstalled, match=r"call init_app\(app, config\)") as caught:
            app.test_client().get(path, headers=BROWSER)
        assert "WSGIAuthMiddleware" in str(caught.value)


def test_without_init_app_a_template_reading_current_user_fails_loudly() -> None:
    app = flask_app(None)

    @app.get("/plain")
    def plain() -> str:
        return render_template_string("<p>{{ 40 + 2 }}</p>")

    app.testing = True
    with pytest.raises(MiddlewareNotInstalled, match=r"init_app\(app, config\)"):
        app.test_client().get("/page")  # {{ current_user }} would otherwise render empty
    assert app.test_client().get("/plain").text == "<p>42</p>"  # no current_user: no error
    app.testing = False
    assert app.test_client().get("/page").status_code == 500  # never an empty name


def test_templates_get_current_user_when_the_middleware_is_wrapped_by_hand(
    config: AuthConfig,
) -> None:
    from workos_middleware import WSGIAuthMiddleware

    app = flask_app(None)
    app.wsgi_app = WSGIAuthMiddleware(app.wsgi_app, config)  # type: ignore[method-assign]
    client = app.test_client()
    assert client.get("/page").text == "anonymous False"
    sign_in(client, config, email="alice@example.com")
    assert client.get("/page").text == "alice@example.com"
