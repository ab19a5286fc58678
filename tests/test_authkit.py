"""WorkOS AuthKit: sign-in, access-token checks, sealed refresh token, transparent
refresh (collapsed when requests race), WorkOS logout, organization switching."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import jwt
import pytest
import respx
from anyio.from_thread import BlockingPortal

from workos_middleware import (
    AccessRule,
    AuthConfig,
    AuthKitProvider,
    AuthMiddleware,
    Rule,
    WSGIAuthMiddleware,
)

from support import (
    API_KEY,
    APP_URL,
    CLIENT_ID,
    SECRET,
    WORKOS_URL,
    Client,
    asgi_app,
    query_of,
    wsgi_app,
)
from support.idp import KEY, OTHER_KEY, begin, finish, jwks, session_user

ISSUER = f"{WORKOS_URL}/user_management/{CLIENT_ID}"
USER = {
    "object": "user",
    "id": "user_01ALICE",
    "email": "alice@example.com",
    "first_name": "Alice",
    "last_name": "Anderson",
    "email_verified": True,
    "profile_picture_url": "https://img.test/alice.png",
}


class StepClock:
    def __init__(self) -> None:
        self.now = float(int(time.time()))

    def __call__(self) -> float:
        return self.now


def access_token(clock: StepClock, *, org: str | None = "org_A", **claims: Any) -> str:
    payload: dict[str, Any] = {
        "iss": ISSUER,
        "sub": USER["id"],
        "sid": "session_01",
        "org_id": org,
        "role": "admin",
        "roles": ["admin"],
        "permissions": [],
        "jti": "jti",
        "iat": int(clock.now),
        "exp": int(clock.now) + 300,
    }
    payload.update(claims)
    key = payload.pop("key", KEY)
    kid = payload.pop("kid", "wk1")
    return jwt.encode(
        {k: v for k, v in payload.items() if v is not None}, key, "RS256", headers={"kid": kid}
    )


class WorkOS:
    """A respx stand-in for AuthKit: codes and refresh tokens, single-use like WorkOS."""

    def __init__(self, router: respx.MockRouter, clock: StepClock) -> None:
        self.clock = clock
        # Unique per test: the per-process refresh cache must never mix tests up.
        self.prefix = f"rt_{uuid.uuid4().hex[:8]}_"
        self.refresh_tokens: dict[str, str] = {}
        self.counter = 1
        self.members = {"org_A", "org_B"}
        self.token_claims: dict[str, Any] = {}
        self.delay = 0.0
        self.kind = "asgi"
        self.jwks = router.get(f"{WORKOS_URL}/sso/jwks/{CLIENT_ID}").respond(
            200, json=jwks((KEY, "wk1"))
        )
        self.authenticate = router.post(f"{WORKOS_URL}/user_management/authenticate")
        self.authenticate.side_effect = self._answer

    def _respond(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        assert body["client_id"] == CLIENT_ID and body["client_secret"] == API_KEY
        if body["grant_type"] == "authorization_code":
            organization = "org_A"
        else:
            old = self.refresh_tokens.pop(body["refresh_token"], None)
            if old is None:
                return httpx.Response(400, json={"error": "invalid_grant"})
            organization = body.get("organization_id") or old
            if organization not in self.members:
                self.refresh_tokens[body["refresh_token"]] = old
                return httpx.Response(400, json={"error": "invalid_grant"})
        self.counter += 1
        refresh_token = f"{self.prefix}{self.counter}"
        self.refresh_tokens[refresh_token] = organization
        token = access_token(self.clock, org=organization, **self.token_claims)
        return httpx.Response(
            200,
            json={
                "user": USER,
                "organization_id": organization,
                "access_token": token,
                "refresh_token": refresh_token,
                "authentication_method": "SSO",
            },
        )

    def _answer(self, request: httpx.Request) -> Any:
        if self.delay and self.kind == "asgi":

            async def later() -> httpx.Response:
                await asyncio.sleep(self.delay)
                return self._respond(request)

            return later()
        if self.delay:
            time.sleep(self.delay)
        return self._respond(request)

    def refresh_calls(self) -> list[dict[str, Any]]:
        bodies = [json.loads(call.request.content) for call in self.authenticate.calls]
        return [b for b in bodies if b["grant_type"] == "refresh_token"]


@pytest.fixture
def clock() -> StepClock:
    return StepClock()


@pytest.fixture
def workos_api(clock: StepClock, adapter: str) -> Iterator[WorkOS]:
    with respx.mock(assert_all_called=False) as router:
        api = WorkOS(router, clock)
        api.kind = adapter
        yield api


def authkit(clock: StepClock, **overrides: Any) -> AuthKitProvider:
    options: dict[str, Any] = {
        "client_id": CLIENT_ID,
        "client_secret": API_KEY,
        "base_url": WORKOS_URL,
        "clock": clock,
        "jwks_min_refetch_interval": 0,
    }
    options.update(overrides)
    return AuthKitProvider(**options)


@pytest.fixture
def client(make_client: Callable[..., Client], clock: StepClock) -> Client:
    return make_client(providers=[authkit(clock)], clock=clock)


def sign_in(client: Client, **query: str) -> httpx.Response:
    params = begin(client, "authkit", **query)
    return finish(client, "authkit", params["state"])


def session_cookie(client: Client) -> str:
    value = client.cookies.get("next-auth.session-token")
    assert value is not None
    return value


# -- sign-in ------------------------------------------------------------------------


def test_authorize_url_goes_to_hosted_authkit_with_state_and_pkce(
    client: Client, workos_api: WorkOS
) -> None:
    response = client.post(
        "/api/auth/signin/authkit",
        data={"csrfToken": client.csrf(), "callbackUrl": "/", "email": "alice@example.com"},
    )
    location = response.headers["location"]
    assert location.startswith(f"{WORKOS_URL}/user_management/authorize?")
    params = query_of(location)
    assert params["provider"] == "authkit"
    assert params["login_hint"] == "alice@example.com"
    assert params["client_id"] == CLIENT_ID and params["response_type"] == "code"
    assert params["code_challenge_method"] == "S256" and params["state"]


def test_query_may_pick_an_organization_or_connection(client: Client, workos_api: WorkOS) -> None:
    params = begin(client, "authkit", organization_id="org_B", screen_hint="sign-up")
    assert params["organization_id"] == "org_B" and "provider" not in params
    assert params["screen_hint"] == "sign-up"
    response = client.post(
        "/api/auth/signin/authkit",
        data={"csrfToken": client.csrf()},
        params={"organization_id": "org_B", "connection_id": "conn_1"},
    )
    assert response.headers["location"] == f"{APP_URL}/api/auth/error?error=NoConnection"


def test_sign_in_verifies_the_access_token_and_seals_the_refresh_token(
    client: Client, workos_api: WorkOS
) -> None:
    response = sign_in(client)
    assert response.headers["location"] == f"{APP_URL}/dashboard"
    assert session_user(client) == {
        "name": "Alice Anderson",
        "email": "alice@example.com",
        "image": "https://img.test/alice.png",
    }
    body = json.loads(workos_api.authenticate.calls.last.request.content)
    assert body["grant_type"] == "authorization_code" and body["code"] == "code-1"
    assert len(body["code_verifier"]) >= 43
    # The cookie is only signed: its payload is readable, so the refresh token and the
    # WorkOS session id must not be in it in the clear.
    token = session_token_of(client)
    assert token["provider"] == "authkit"
    assert workos_api.prefix not in json.dumps(token)
    assert "session_01" not in json.dumps(token)


def session_token_of(client: Client) -> dict[str, Any]:
    """The session token in the browser's cookie, read by the middleware's own codec."""
    keys = client.middleware.core.sessions.keys
    decoded = keys.format.lookup(session_cookie(client), keys.clock())
    assert decoded is not None
    token: dict[str, Any] = dict(decoded.token())
    return token


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param({"key": OTHER_KEY}, id="bad-signature"),
        pytest.param({"exp": 1000}, id="expired"),
        pytest.param({"sub": "user_SOMEONE_ELSE"}, id="another-user"),
        pytest.param({"iss": "https://evil.test"}, id="wrong-issuer"),
        pytest.param({"sid": None}, id="no-session-id"),
    ],
)
def test_bad_access_tokens_create_no_session(
    client: Client, workos_api: WorkOS, claims: dict[str, Any]
) -> None:
    workos_api.token_claims = claims
    response = sign_in(client)
    assert response.headers["location"] == f"{APP_URL}/api/auth/error?error=Callback"
    assert session_user(client) is None


def test_unknown_kid_refetches_the_workos_jwks_once_then_fails(
    client: Client, workos_api: WorkOS
) -> None:
    sign_in(client)
    assert workos_api.jwks.call_count == 1
    client.cookies.clear()
    workos_api.token_claims = {"kid": "wk-unknown"}
    response = sign_in(client)
    assert response.headers["location"] == f"{APP_URL}/api/auth/error?error=Callback"
    assert workos_api.jwks.call_count == 2


# -- refresh ------------------------------------------------------------------------


def test_no_refresh_while_the_access_token_is_fresh(
    client: Client, workos_api: WorkOS, clock: StepClock
) -> None:
    sign_in(client)
    clock.now += 200
    response = client.get("/api/auth/session")
    assert response.json()["user"]["email"] == "alice@example.com"
    assert workos_api.refresh_calls() == []
    assert "set-cookie" not in response.headers


def test_transparent_refresh_shortly_before_expiry(
    client: Client, workos_api: WorkOS, clock: StepClock
) -> None:
    sign_in(client)
    before = session_cookie(client)
    clock.now += 250  # 50 s left, under the 60 s margin
    response = client.get("/api/auth/session")
    assert response.json()["user"]["email"] == "alice@example.com"
    first = workos_api.prefix + "2"
    assert [c["refresh_token"] for c in workos_api.refresh_calls()] == [first]
    assert session_cookie(client) != before
    # The next refresh uses the new (rotated) refresh token.
    clock.now += 250
    client.get("/")
    second = workos_api.prefix + "3"
    assert [c["refresh_token"] for c in workos_api.refresh_calls()] == [first, second]


def test_failed_refresh_keeps_a_still_valid_session_and_ends_an_expired_one(
    client: Client, workos_api: WorkOS, clock: StepClock
) -> None:
    sign_in(client)
    workos_api.refresh_tokens.clear()  # revoked at WorkOS: every refresh is invalid_grant
    clock.now += 250
    assert session_user(client) is not None  # still valid for 50 s
    clock.now += 60
    response = client.get("/api/auth/session")
    assert response.json() == {}
    assert any(
        h.startswith("next-auth.session-token=;") for h in response.headers.get_list("set-cookie")
    )
    assert client.get("/").json()["authenticated"] is False


def test_refresh_racing_another_refresh_redeems_the_token_once(
    adapter: str, portal: BlockingPortal, workos_api: WorkOS, clock: StepClock
) -> None:
    config = AuthConfig(providers=[authkit(clock)], secret=SECRET, url=APP_URL, clock=clock)
    client = Client(adapter, config, portal)
    sign_in(client)
    cookies = dict(client.cookies.items())
    clock.now += 250
    workos_api.delay = 0.2  # the first refresh is still in flight when the others ask

    if adapter == "asgi":
        app = AuthMiddleware(asgi_app(), config=config)

        async def race() -> list[httpx.Response]:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url=APP_URL, cookies=cookies
            ) as browser:
                return list(
                    await asyncio.gather(*(browser.get("/api/auth/session") for _ in range(4)))
                )

        responses = portal.call(race)
    else:
        wsgi = WSGIAuthMiddleware(wsgi_app, config=config)
        responses = []

        def one() -> None:
            with httpx.Client(
                transport=httpx.WSGITransport(app=wsgi), base_url=APP_URL, cookies=cookies
            ) as browser:
                responses.append(browser.get("/api/auth/session"))

        threads = [threading.Thread(target=one) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert len(workos_api.refresh_calls()) == 1
    assert all(r.json()["user"]["email"] == "alice@example.com" for r in responses)
    # A request that arrives a moment later with the old cookie reuses the answer
    # instead of redeeming the spent refresh token.
    workos_api.delay = 0
    late = client.get("/api/auth/session")
    assert late.json()["user"]["email"] == "alice@example.com"
    assert len(workos_api.refresh_calls()) == 1


def test_tampered_or_foreign_sealed_state_ends_the_session(
    make_client: Callable[..., Client], workos_api: WorkOS, clock: StepClock
) -> None:
    client = make_client(providers=[authkit(clock)], clock=clock)
    sign_in(client)
    cookie = session_cookie(client)
    # Another deployment (another secret) cannot open the sealed state even with a
    # session it accepts: same cookie, rotated-out secret.
    other = make_client(
        providers=[authkit(clock)], clock=clock, secret=[SECRET, "another-secret-0123456789"]
    )
    other.set_cookie("next-auth.session-token", cookie)
    assert session_user(other) is not None  # the old secret still verifies and opens
    third = make_client(providers=[authkit(clock)], clock=clock, secret="another-secret-0123456789")
    third.set_cookie("next-auth.session-token", cookie)
    assert session_user(third) is None


# -- sign-out and organizations ----------------------------------------------------


def test_sign_out_also_ends_the_workos_session(client: Client, workos_api: WorkOS) -> None:
    sign_in(client)
    response = client.post(
        "/api/auth/signout", data={"csrfToken": client.csrf(), "callbackUrl": "/bye"}
    )
    location = response.headers["location"]
    assert location.startswith(f"{WORKOS_URL}/user_management/sessions/logout?")
    assert query_of(location) == {"session_id": "session_01", "return_to": f"{APP_URL}/bye"}
    assert session_user(client) is None


def test_sign_out_without_workos_logout_when_disabled(
    make_client: Callable[..., Client], workos_api: WorkOS, clock: StepClock
) -> None:
    client = make_client(providers=[authkit(clock, logout=False)], clock=clock)
    sign_in(client)
    response = client.post(
        "/api/auth/signout", data={"csrfToken": client.csrf(), "callbackUrl": "/bye"}
    )
    assert response.headers["location"] == f"{APP_URL}/bye"


def switch(client: Client, organization: str, **extra: str) -> httpx.Response:
    data = {"csrfToken": client.csrf(), "organization_id": organization, **extra}
    return client.post("/api/auth/organization", data=data)


def organization_of(client: Client) -> str | None:
    value: str | None = session_token_of(client)["organization_id"]
    return value


def test_switch_organization(client: Client, workos_api: WorkOS) -> None:
    sign_in(client)
    assert organization_of(client) == "org_A"
    response = switch(client, "org_B", callbackUrl="/dashboard")
    assert response.status_code == 302
    assert response.headers["location"] == f"{APP_URL}/dashboard"
    assert organization_of(client) == "org_B"
    assert workos_api.refresh_calls()[-1]["organization_id"] == "org_B"


def test_switch_to_an_organization_the_user_is_not_in(client: Client, workos_api: WorkOS) -> None:
    sign_in(client)
    response = switch(client, "org_STRANGER")
    assert response.headers["location"] == f"{APP_URL}/api/auth/error?error=AccessDenied"
    assert organization_of(client) == "org_A"


def test_switch_organization_needs_csrf_a_session_and_a_value(
    client: Client, workos_api: WorkOS
) -> None:
    assert switch(client, "org_B").status_code == 401
    sign_in(client)
    bad = client.post(
        "/api/auth/organization", data={"csrfToken": "forged", "organization_id": "org_B"}
    )
    assert bad.status_code == 403
    assert switch(client, "").status_code == 400
    assert switch(client, "org\x00B").status_code == 400
    assert workos_api.refresh_calls() == []


def test_switch_organization_is_refused_for_a_provider_without_organizations(
    make_client: Callable[..., Client],
) -> None:
    from support import TOKEN_RESPONSE

    client = make_client()
    with respx.mock(base_url=WORKOS_URL, assert_all_called=False) as router:
        router.get("/organizations").respond(200, json={"data": []})
        router.post("/sso/token").respond(200, json=TOKEN_RESPONSE)
        client.sign_in(router)
    response = switch(client, "org_B")
    assert response.headers["location"] == f"{APP_URL}/api/auth/error?error=AccessDenied"


def test_idp_initiated_callback_refused_or_restarted_without_redeeming_the_code(
    make_client: Callable[..., Client], workos_api: WorkOS, clock: StepClock
) -> None:
    refusing = make_client(providers=[authkit(clock)], clock=clock)
    response = refusing.get("/api/auth/callback/authkit", params={"code": "unsolicited"})
    assert response.headers["location"] == f"{APP_URL}/api/auth/error?error=IdPInitiated"
    restarting = make_client(providers=[authkit(clock, idp_initiated="restart")], clock=clock)
    response = restarting.get("/api/auth/callback/authkit", params={"code": "unsolicited"})
    location = response.headers["location"]
    assert location.startswith(f"{WORKOS_URL}/user_management/authorize?")
    assert query_of(location)["provider"] == "authkit" and query_of(location)["state"]
    assert workos_api.authenticate.call_count == 0
    assert session_user(restarting) is None


# -- with a server-side session store ----------------------------------------------


@pytest.mark.parametrize("store", ["memory", "redis"])
def test_refreshes_and_switches_are_kept_in_a_server_side_store(
    make_client: Callable[..., Client],
    workos_api: WorkOS,
    clock: StepClock,
    store: str,
    request: pytest.FixtureRequest,
) -> None:
    from workos_middleware import MemorySessionStore, RedisSessionStore

    def session(value: dict[str, Any], token: dict[str, Any]) -> dict[str, Any]:
        return {**value, "organization": token.get("organization_id")}

    client = make_client(
        providers=[authkit(clock)],
        clock=clock,
        callbacks={"session": session},
        session_store=(
            MemorySessionStore(clock=clock)
            if store == "memory"
            else RedisSessionStore(request.getfixturevalue("redis_url"))
        ),
    )
    sign_in(client)
    cookie = session_cookie(client)
    clock.now += 250  # due for a refresh: the rotated refresh token goes to the store
    assert client.get("/api/auth/session").json()["organization"] == "org_A"
    clock.now += 250
    assert client.get("/").json()["authenticated"] is True
    first, second = workos_api.prefix + "2", workos_api.prefix + "3"
    assert [c["refresh_token"] for c in workos_api.refresh_calls()] == [first, second]
    assert session_cookie(client) == cookie  # the id stays; the record changed

    assert switch(client, "org_B").status_code == 302
    assert client.get("/api/auth/session").json()["organization"] == "org_B"
    assert session_cookie(client) == cookie

    workos_api.refresh_tokens.clear()  # revoked at WorkOS: the session ends everywhere
    clock.now += 400
    assert client.get("/api/auth/session").json() == {}
    client.set_cookie("next-auth.session-token", cookie)
    assert client.get("/api/auth/session").json() == {}


def test_with_a_server_side_store_the_refresh_token_never_reaches_the_browser(
    make_client: Callable[..., Client], workos_api: WorkOS, clock: StepClock
) -> None:
    from workos_middleware import MemorySessionStore

    store = MemorySessionStore(clock=clock)
    client = make_client(providers=[authkit(clock)], clock=clock, session_store=store)
    sign_in(client)
    cookie = session_cookie(client)
    assert workos_api.prefix not in cookie and "provider_state" not in cookie
    clock.now += 250
    assert session_user(client) is not None  # refreshed server-side
    assert [c["refresh_token"] for c in workos_api.refresh_calls()] == [workos_api.prefix + "2"]
    clock.now += 250
    assert session_user(client) is not None
    assert len(workos_api.refresh_calls()) == 2
    out = client.post("/api/auth/signout", data={"csrfToken": client.csrf()})
    assert "/user_management/sessions/logout?" in out.headers["location"]
    assert session_user(client) is None


def test_permissions_in_the_access_token_decide_access_and_follow_a_refresh(
    make_client: Callable[..., Client], clock: StepClock, workos_api: WorkOS
) -> None:
    reports = Rule("/dashboard", allow=AccessRule(permissions=["reports:read"]))
    client = make_client(providers=[authkit(clock)], clock=clock, protect=[reports])
    workos_api.token_claims = {"permissions": ["reports:read", "reports:write"]}
    sign_in(client)
    assert session_token_of(client)["permissions"] == ["reports:read", "reports:write"]
    assert session_token_of(client)["roles"] == ["admin"]
    assert client.get("/dashboard").status_code == 200
    # The role lost the permission: the next refresh of the access token says so.
    workos_api.token_claims = {"permissions": ["reports:write"]}
    clock.now += 250
    assert client.get("/dashboard", headers={"accept": "application/json"}).status_code == 403
    assert session_token_of(client)["permissions"] == ["reports:write"]
