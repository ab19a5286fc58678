"""Configured protection through the native Django middleware (settings.WORKOS_AUTH),
in sync (WSGI) and async (ASGI) mode: the same rules and answers as the two adapters."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from anyio.from_thread import BlockingPortal

from workos_middleware import AccessRule, Rule

from support import APP_URL, SESSION_COOKIE, django_project, make_config, session_cookie
from support import session_token as token_of
from support.django_project import Site

django_project.configure()

from django.test import override_settings  # noqa: E402

BROWSER = {"accept": "text/html", "sec-fetch-mode": "navigate"}
API = {"accept": "application/json"}


@pytest.fixture(params=["wsgi", "asgi"])
def get(request: pytest.FixtureRequest, portal: BlockingPortal) -> Iterator[Site]:
    config = make_config(protect=["/form", Rule("/echo", allow=AccessRule(roles=["owner"]))])
    with override_settings(WORKOS_AUTH=config):
        yield Site(request.param, portal)


def test_configured_rules_guard_django_views(get: Site) -> None:
    assert get("/").status_code == 200
    assert get("/form", headers=API).status_code == 401
    miss = get("/form?x=1", headers=BROWSER)
    assert miss.status_code == 302
    assert miss.headers["location"] == f"{APP_URL}/api/auth/signin?callbackUrl=%2Fform%3Fx%3D1"
    assert get("/form/", headers=API).status_code == 401
    assert get("/form%00", headers=API).status_code == 400


def test_signed_in_and_per_rule_allow(get: Site) -> None:
    get.cookies.set(SESSION_COOKIE, session_cookie(token_of(roles=["admin"])))
    assert get("/form").status_code == 200
    assert get("/echo", headers=API).status_code == 403
    get.cookies.set(SESSION_COOKIE, session_cookie(token_of(roles=["owner"])))
    assert get("/echo").status_code == 200
