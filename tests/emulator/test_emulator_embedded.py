"""The embedded emulator's helpers: who the demo lists, and that each of them can sign in."""

from __future__ import annotations

import time

import pytest
from starlette.testclient import TestClient

from workos_middleware.emulator import create_app
from workos_middleware.emulator.embedded import (
    DEMO_WAYS_IN,
    DEMO_WEBHOOK_SECRET,
    demo_users,
    demo_webhooks,
    emulated_providers,
    emulator_environ,
)

from emulator_helpers import API_KEY, REDIRECT_URI, choose, sign_in, token_fields, verify_jwt
from support import FrozenClock


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(time.time())


def test_the_demo_lists_the_users_an_email_reaches() -> None:
    assert demo_users() == [
        "Alice Anderson <alice@example.com> (Example)",
        "Bob Brown <bob@example.com> (Example)",
        "Carol Chen <carol@acme.test> (Acme)",
    ]


def profile_id(client: TestClient, email: str) -> str:
    data = client.get("/_emulator/data").json()
    connections = [c for o in data["organizations"] for c in o["connections"]]
    return str(next(u["id"] for c in connections for u in c["users"] if u["email"] == email))


@pytest.mark.parametrize("listed", demo_users())
def test_every_listed_user_signs_in_by_email(client: TestClient, listed: str) -> None:
    """What the demo's sign-in page does: the organization of the email's domain, then SSO."""
    email = listed[listed.index("<") + 1 : listed.index(">")]
    auth = {"Authorization": f"Bearer {API_KEY}"}
    found = client.get("/organizations", params={"domains": email.split("@")[1]}, headers=auth)
    [organization] = found.json()["data"]
    query = sign_in(client, profile_id(client, email), organization=organization["id"])
    profile = client.post("/sso/token", json=token_fields(query["code"])).json()["profile"]
    assert profile["email"] == email


def test_the_other_ways_in_are_listed_on_request() -> None:
    listed = demo_users(providers=["authkit", "google", "github"])
    assert listed[3:] == [
        "Alice Anderson <alice@example.com> (AuthKit)",
        "Bob Brown <bob@example.com> (AuthKit)",
        "Erin Evans <erin@startup.test> (AuthKit)",
        "Dana Diaz <dana@gmail.com> (Google)",
        "Grace Hopper <grace@navy.test> (GitHub)",
        "Hal Nine <hal@discovery.test> (GitHub)",
    ]
    with pytest.raises(ValueError, match="no provider"):
        demo_users(providers=["myspace"])


@pytest.mark.parametrize("listed", demo_users(providers=["google", "github"])[3:])
def test_every_listed_provider_user_signs_in(client: TestClient, listed: str) -> None:
    """Through the provider's own endpoints, as the middleware's provider code would, from
    ``emulated_providers``; each ends with a verified email."""
    email = listed[listed.index("<") + 1 : listed.index(">")]
    settings = emulated_providers("http://emulator.test")
    name = "google" if listed.endswith("(Google)") else "github"
    found = settings[name]
    data = client.get("/_emulator/data").json()
    provider = next(p for p in data["providers"] if p["id"] == name)
    person = next(u for u in provider["users"] if email in [e["email"] for e in u["emails"]])
    params = {"client_id": found["client_id"], "redirect_uri": REDIRECT_URI, "state": "s"}
    if name == "google":
        doc = client.get(found["discovery_url"]).json()
        authorize, token_url = doc["authorization_endpoint"], doc["token_endpoint"]
        params |= {"response_type": "code", "scope": "openid email"}
    else:
        authorize, token_url = found["authorization_url"], found["token_url"]
        params["scope"] = "read:user user:email"
    code = choose(client, authorize, params, user=person["sub"])["code"]
    tokens = client.post(
        token_url,
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
        auth=(found["client_id"], found["client_secret"]),
        headers={"Accept": "application/json"},
    ).json()
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    if name == "google":
        claims = verify_jwt(
            tokens["id_token"],
            client.get(doc["jwks_uri"]).json(),
            audience=found["client_id"],
            issuer=found["issuer"],
        )
        assert (claims["email"], claims["email_verified"]) == (email, True)
    else:
        emails = client.get(found["emails_url"], headers=bearer).json()
        assert [e["email"] for e in emails if e["primary"] and e["verified"]] == [email]


def test_emulator_environ_turns_every_way_in_on() -> None:
    from workos_middleware import AuthConfig

    base = "http://127.0.0.1:8000/_workos"
    plain = emulator_environ({"AUTH_SECRET": "4bX9-qL2zR7-wT5k-mN8v-pJ3c"}, base)
    assert plain["WORKOS_BASE_URL"] == base and "GITHUB_CLIENT_ID" not in plain
    every = emulator_environ({"AUTH_SECRET": "4bX9-qL2zR7-wT5k-mN8v-pJ3c"}, base, providers=True)
    assert every["GOOGLE_ISSUER"] == f"{base}/oidc/google"
    assert every["GITHUB_API_URL"] == every["GITHUB_BASE_URL"] == f"{base}/oauth/github"
    config = AuthConfig.from_env({**every, "AUTH_URL": "http://127.0.0.1:8000"})
    assert sorted(config.providers) == sorted(["workos", *DEMO_WAYS_IN])


def test_a_demo_gets_its_webhooks_signed_with_the_demo_secret() -> None:
    url = "http://127.0.0.1:8000/api/auth/webhooks/workos"
    environ = emulator_environ({}, "http://127.0.0.1:4100", webhook_secret=DEMO_WEBHOOK_SECRET)
    assert environ["WORKOS_WEBHOOK_SECRET"] == DEMO_WEBHOOK_SECRET
    assert "WORKOS_WEBHOOK_SECRET" not in emulator_environ({}, "http://127.0.0.1:4100")
    app = create_app(webhooks=demo_webhooks(url))
    [endpoint] = app.state.emulator.data.webhooks
    assert (endpoint.url, endpoint.secret) == (url, DEMO_WEBHOOK_SECRET)
    app.state.emulator.reset()  # the endpoint is part of the loaded data: it stays
    assert [w.url for w in app.state.emulator.data.webhooks] == [url]
