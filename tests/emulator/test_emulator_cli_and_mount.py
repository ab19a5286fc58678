"""The command line, and the app mounted under a path prefix of another app."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import jwt
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient
from workos import WorkOSClient

from workos_middleware.emulator import DEFAULT_API_KEY, DEFAULT_CLIENT_ID, create_app
from workos_middleware.emulator.__main__ import build_parser, main
from workos_middleware.emulator.defaults import ALICE_ID, EXAMPLE_ORG_ID

from emulator_helpers import API_KEY, CLIENT_ID, REDIRECT_URI, authorize_params
from support import query_of, serve


def test_defaults() -> None:
    args = build_parser().parse_args([])
    assert (args.host, args.port, args.client_id, args.api_key) == (
        "127.0.0.1",
        4100,
        DEFAULT_CLIENT_ID,
        DEFAULT_API_KEY,
    )
    assert (DEFAULT_CLIENT_ID, DEFAULT_API_KEY) == ("client_emulator", "sk_test_emulator")
    assert (args.data, args.auto_approve, args.redirect_uri) == (None, False, [])


def test_main_serves_the_configured_app(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    served: dict[str, Any] = {}

    def fake_run(app: Starlette, **kwargs: Any) -> None:
        served.update(kwargs, app=app)

    monkeypatch.setattr(uvicorn, "run", fake_run)
    argv = ["--port", "4999", "--client-id", "client_x", "--api-key", "sk_x", "--auto-approve"]
    assert main([*argv, "--redirect-uri", "https://app.example.com/cb"]) == 0
    assert (served["host"], served["port"]) == ("127.0.0.1", 4999)
    state = served["app"].state.emulator
    assert (state.client_id, state.api_key, state.auto_approve) == ("client_x", "sk_x", True)
    assert state.redirect_uris == ("https://app.example.com/cb",)
    out = capsys.readouterr().out
    assert "WORKOS_BASE_URL=http://127.0.0.1:4999" in out
    assert "WORKOS_CLIENT_ID=client_x" in out
    assert "AuthKit JWKS: http://127.0.0.1:4999/sso/jwks/client_x" in out
    assert "Google: http://127.0.0.1:4999/oidc/google (client google-client-emulator" in out
    assert "GitHub: http://127.0.0.1:4999/oauth/github (client github-client-emulator" in out


def test_main_registers_webhooks(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    served: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: served.update(app=app))
    url = "http://127.0.0.1:8000/api/auth/webhooks/workos"
    assert main(["--webhook", url, "--webhook-secret", "whsec_x"]) == 0
    [endpoint] = served["app"].state.emulator.data.webhooks
    assert (endpoint.url, endpoint.secret, endpoint.events) == (url, "whsec_x", ())
    assert f"webhook: {url} (secret whsec_x)" in capsys.readouterr().out
    assert build_parser().parse_args([]).webhook_secret == "whsec_emulator"
    assert main(["--webhook", "not a url"]) == 2
    assert "webhooks[0].url" in capsys.readouterr().err


def test_main_refuses_bad_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"organizations": [{"name": 3}]}')
    assert main(["--data", str(bad)]) == 2
    assert "organizations[0].name" in capsys.readouterr().err


def test_python_dash_m_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "workos_middleware.emulator", "--help"],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[2],
    )
    assert "--auto-approve" in done.stdout


def mounted() -> Starlette:
    return Starlette(routes=[Mount("/workos", app=create_app())])


def test_mounted_under_a_prefix() -> None:
    with TestClient(mounted(), follow_redirects=False) as c:
        page = c.get("/workos/sso/authorize", params=authorize_params())
        assert page.status_code == 200
        action = re.search(r'<form method="post" action="([^"]+)"', page.text)
        assert action is not None
        target = urljoin(str(page.url), action.group(1))
        assert target == "http://testserver/workos/sso/authorize/complete"
        request_id = re.search(r'name="request" value="([^"]+)"', page.text)
        assert request_id is not None
        done = c.post(target, data={"request": request_id.group(1), "user": ALICE_ID})
        assert "code" in query_of(done.headers["location"])
        log = c.get("/workos/_emulator/requests").json()["data"]
        assert [e["path"] for e in log] == ["/sso/authorize", "/sso/authorize/complete"]


def test_the_sdk_through_a_prefix() -> None:
    live = serve(mounted())
    try:
        with WorkOSClient(
            api_key=API_KEY, client_id=CLIENT_ID, base_url=f"{live.url}/workos/", max_retries=0
        ) as workos:
            assert workos.organizations.list_organizations(domains=["example.com"]).data
            url = workos.sso.get_authorization_url(
                organization=EXAMPLE_ORG_ID, redirect_uri=REDIRECT_URI
            )
            assert url.startswith(f"{live.url}/workos/sso/authorize?")
    finally:
        live.stop()


def test_issuers_include_the_mount_prefix() -> None:
    """Under a Mount, the OIDC issuer and AuthKit's ``iss`` name the emulator's own prefix."""
    with TestClient(mounted(), follow_redirects=False) as c:
        doc = c.get("/workos/oidc/google/.well-known/openid-configuration").json()
        assert doc["issuer"] == "http://testserver/workos/oidc/google"
        assert doc["jwks_uri"] == "http://testserver/workos/oidc/google/jwks"
        params = {
            "client_id": CLIENT_ID,
            "redirect_uri": REDIRECT_URI,
            "response_type": "code",
            "provider": "authkit",
        }
        page = c.get("/workos/user_management/authorize", params=params)
        request_id = re.search(r'name="request" value="([^"]+)"', page.text)
        assert request_id is not None
        done = c.post(
            "/workos/user_management/authorize/complete",
            data={"request": request_id.group(1), "email": "bob@example.com"},
        )
        code = query_of(done.headers["location"])["code"]
        body = {
            "client_id": CLIENT_ID,
            "client_secret": API_KEY,
            "grant_type": "authorization_code",
        }
        answer = c.post("/workos/user_management/authenticate", json={**body, "code": code}).json()
        claims = jwt.decode(answer["access_token"], options={"verify_signature": False})
        assert claims["iss"] == f"http://testserver/workos/user_management/{CLIENT_ID}"
