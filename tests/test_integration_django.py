"""The Django integration: the native middleware in settings.MIDDLEWARE, in sync (WSGI)
and async (ASGI) mode, ``request.auth_user``, ``login_required``, and Django's test
``Client`` signed in with ``workos_middleware.testing``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx
from anyio.from_thread import BlockingPortal

from workos_middleware import AuthConfig, ConfigurationError, WSGIAuthMiddleware
from workos_middleware.testing import sign_in, sign_out

from support import APP_URL, SECRET, TOKEN_RESPONSE, WORKOS_URL, django_project, make_config
from support.django_project import Site

django_project.configure()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.test import AsyncClient as DjangoAsyncClient  # noqa: E402
from django.test import Client as DjangoClient  # noqa: E402
from django.test import override_settings  # noqa: E402

BROWSER = {"accept": "text/html,application/xhtml+xml", "sec-fetch-mode": "navigate"}
API = {"accept": "application/json"}


@pytest.fixture
def config() -> Iterator[AuthConfig]:
    config = make_config()
    with override_settings(WORKOS_AUTH=config):
        yield config


@pytest.fixture(params=["wsgi", "asgi"])
def site(request: pytest.FixtureRequest, config: AuthConfig, portal: BlockingPortal) -> Site:
    return Site(request.param, portal)


def test_anonymous_request_has_no_user(site: Site) -> None:
    response = site.get("/")
    assert response.status_code == 200
    assert response.json() == {"email": None, "session": None}
    assert "set-cookie" not in response.headers


def test_auth_routes_are_answered_by_the_middleware(site: Site) -> None:
    providers = site.get("/api/auth/providers").json()
    assert providers["workos"]["signinUrl"] == f"{APP_URL}/api/auth/signin/workos"
    assert site.get("/api/auth/session").json() == {}
    response = site.get("/api/auth/csrf")
    assert response.headers["cache-control"] == "no-store"
    assert site.http.cookies.get("next-auth.csrf-token")
    assert site.get("/api/auth/nope").status_code == 404
    head = site.request("HEAD", "/api/auth/signin")
    assert head.status_code == 200 and head.content == b""


def test_login_required_redirects_a_browser_and_answers_401_to_an_api(site: Site) -> None:
    response = site.get("/dashboard?tab=1", headers=BROWSER)
    assert response.status_code == 302
    assert response.headers["location"] == (
        f"{APP_URL}/api/auth/signin?callbackUrl=%2Fdashboard%3Ftab%3D1"
    )
    response = site.get("/api/me", headers=API)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"] == "Unauthorized"
    assert response.headers["www-authenticate"]
    assert site.get("/async/me", headers=API).status_code == 401


def test_signed_in_through_workos_and_out_again(site: Site) -> None:
    """The whole flow through Django: form POST, WorkOS (mocked), callback, sign-out."""
    with respx.mock(base_url=WORKOS_URL, assert_all_called=False) as workos:
        workos.post("/sso/token").respond(200, json=TOKEN_RESPONSE)
        csrf = site.get("/api/auth/csrf").json()["csrfToken"]
        response = site.post(
            "/api/auth/signin/workos",
            data={"csrfToken": csrf, "callbackUrl": "/dashboard", "email": "alice@example.com"},
        )
        assert response.status_code == 302, response.text
        state = httpx.URL(response.headers["location"]).params["state"]
        response = site.get("/api/auth/callback/workos", params={"code": "c", "state": state})
        assert response.status_code == 302, response.text
        assert response.headers["location"] == f"{APP_URL}/dashboard"

    assert site.get("/dashboard", headers=BROWSER).text == (
        "<h1>Dashboard of alice@example.com</h1>"
    )
    me = site.get("/api/me").json()
    assert me["email"] == "alice@example.com"
    assert me["session"]["user"]["name"] == "Alice Anderson"
    assert site.get("/async/me").json()["email"] == "alice@example.com"

    csrf = site.get("/api/auth/csrf").json()["csrfToken"]
    response = site.post("/api/auth/signout", data={"csrfToken": csrf, "callbackUrl": "/"})
    assert response.status_code == 302
    assert not site.http.cookies.get("next-auth.session-token")
    assert site.get("/").json()["email"] is None


def test_testing_helper_signs_an_httpx_client_in(site: Site, config: AuthConfig) -> None:
    user = sign_in(site.http, config, email="bob@example.com", name="Bob")
    assert user.email == "bob@example.com"
    assert site.get("/api/me").json()["session"]["user"] == {
        "name": "Bob",
        "email": "bob@example.com",
        "image": None,
    }
    sign_out(site.http, config)
    assert site.get("/api/me", headers=API).status_code == 401


def test_login_required_with_an_access_rule(site: Site, config: AuthConfig) -> None:
    sign_in(site.http, config, email="bob@example.com", roles=["member"])
    response = site.get("/admin", headers=API)
    assert response.status_code == 403
    assert response.json()["error"] == "Forbidden"
    response = site.get("/admin", headers=BROWSER)
    assert response.status_code == 403 and "Access denied" in response.text
    sign_in(site.http, config, email="alice@example.com", roles=["admin"])
    assert site.get("/admin").json()["email"] == "alice@example.com"


def test_login_required_with_permissions(site: Site, config: AuthConfig) -> None:
    sign_in(site.http, config, email="bob@example.com", claims={"permissions": ["reports:x"]})
    assert site.get("/reports", headers=API).status_code == 403
    sign_in(site.http, config, email="ann@example.com", claims={"permissions": ["reports:read"]})
    assert site.get("/reports").json()["email"] == "ann@example.com"


def test_csrf_token_cookie_of_a_view_reaches_the_browser(site: Site) -> None:
    token = site.get("/form").text
    assert token
    assert site.http.cookies.get("next-auth.csrf-token")
    # The second request carries the cookie: the same token, no new cookie.
    again = site.get("/form")
    assert again.text == token
    assert "set-cookie" not in again.headers


def test_a_post_body_still_reaches_the_view(site: Site) -> None:
    response = site.post("/echo", content=b"hello", headers={"content-type": "text/plain"})
    assert response.json() == {"body": "hello"}


def test_an_oversized_auth_post_is_refused(site: Site) -> None:
    response = site.post("/api/auth/signin/workos", content=b"x" * (65 * 1024))
    assert response.status_code == 413


# -- Django's own test client -----------------------------------------------------------


def test_django_test_client_sign_in_in_one_line(config: AuthConfig) -> None:
    client = DjangoClient()
    assert client.get("/dashboard", HTTP_ACCEPT="text/html").status_code == 302

    sign_in(client, email="carol@acme.test")  # config from settings.WORKOS_AUTH
    response = client.get("/dashboard")
    assert response.status_code == 200
    assert response.content == b"<h1>Dashboard of carol@acme.test</h1>"

    sign_out(client)
    assert client.get("/api/me").status_code == 401


def test_django_async_test_client(config: AuthConfig, portal: BlockingPortal) -> None:
    client = DjangoAsyncClient()
    sign_in(client, config, email="carol@acme.test")

    async def go() -> Any:
        return await client.get("/async/me")

    response = portal.call(go)
    assert response.status_code == 200
    assert response.json()["email"] == "carol@acme.test"


def test_refreshed_session_cookie_goes_out_through_django(config: AuthConfig) -> None:
    with override_settings(WORKOS_AUTH=make_config(session_update_age=0)):
        client = DjangoClient()
        sign_in(client, email="alice@example.com")
        response = client.get("/")
        assert response.json()["email"] == "alice@example.com"
        morsel = response.cookies["next-auth.session-token"]
        assert morsel["httponly"] is True
        assert morsel["samesite"] == "Lax"
        assert morsel["path"] == "/"
        assert int(morsel["max-age"]) == 30 * 24 * 3600


# -- configuration ----------------------------------------------------------------------


def test_missing_setting_is_a_configuration_error() -> None:
    with override_settings(WORKOS_AUTH=None), pytest.raises(ConfigurationError) as caught:
        get_wsgi_application()
    assert "WORKOS_AUTH = AuthConfig.from_env()" in str(caught.value)


def test_async_callbacks_are_refused_in_sync_mode() -> None:
    async def session(session: Any, token: Any) -> Any:
        return session

    config = make_config(callbacks={"session": session})
    with override_settings(WORKOS_AUTH=config), pytest.raises(ConfigurationError, match="async"):
        get_wsgi_application()


def test_without_the_middleware_the_decorator_names_the_fix(config: AuthConfig) -> None:
    from workos_middleware.integrations.django import MiddlewareNotInstalled

    middleware = [m for m in django_project.MIDDLEWARE if "workos" not in m]
    with override_settings(MIDDLEWARE=middleware):
        client = DjangoClient(raise_request_exception=True)
        with pytest.raises(MiddlewareNotInstalled) as caught:
            client.get("/dashboard")
    assert "settings.MIDDLEWARE" in str(caught.value)
    assert "workos_middleware.integrations.django.AuthMiddleware" in str(caught.value)


def test_secret_mismatch_means_signed_out(config: AuthConfig) -> None:
    client = DjangoClient()
    sign_in(client, make_config(secret="another-secret-0123456789"), email="eve@example.com")
    response = client.get("/")
    assert response.json()["email"] is None
    # The foreign cookie is cleared, as with any invalid session.
    assert response.cookies["next-auth.session-token"].value == ""
    assert SECRET != "another-secret-0123456789"


def test_under_the_wsgi_wrapper_the_session_is_read_once() -> None:
    """wsgi.py wrapped in WSGIAuthMiddleware as well: the Django middleware reuses its
    session, and the refreshed cookie is sent once."""
    config = make_config(session_update_age=0)
    with override_settings(WORKOS_AUTH=config):
        app = WSGIAuthMiddleware(get_wsgi_application(), config=config)
        with httpx.Client(transport=httpx.WSGITransport(app=app), base_url=APP_URL) as client:
            sign_in(client, config, email="alice@example.com")
            response = client.get("/api/me")
    assert response.json()["email"] == "alice@example.com"
    session_cookies = [
        header
        for header in response.headers.get_list("set-cookie")
        if header.startswith("next-auth.session-token=")
    ]
    assert len(session_cookies) == 1


def test_sessions_in_redis_and_a_redis_that_goes_down(
    portal: BlockingPortal, tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Redis mode through Django's own middleware, WSGI and ASGI: the testing helper's
    session is in Redis; when Redis stops, a request with a session fails closed (503),
    one without goes on."""
    from workos_middleware import RedisSessionStore

    from support.redis_servers import RedisServer, require_redis

    require_redis()
    server = RedisServer(tmp_path).start()
    try:
        # No local cache of session reads: every request with a session needs Redis.
        store = RedisSessionStore(server.url, timeout=1)
        config = make_config(session_store=store, session_cache_ttl=0)
        with override_settings(WORKOS_AUTH=config):
            sites = [Site("wsgi", portal), Site("asgi", portal)]
            for site in sites:
                sign_in(site.http, config, email="bob@example.com", name="Bob")
                assert site.get("/api/me").json()["session"]["user"]["name"] == "Bob"
            server.stop()
            for site in sites:
                assert site.get("/api/me", headers=API).status_code == 503
                page = site.get("/api/me", headers=BROWSER)
                assert page.status_code == 503 and "try again" in page.text
                assert Site(site.kind, portal).get("/").status_code == 200  # no cookie
            assert "AUTH_REDIS_URL" in caplog.text
    finally:
        server.stop()
