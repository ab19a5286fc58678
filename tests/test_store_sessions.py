"""The same session, sign-out and replay tests for every session store, on both adapters:
the signed cookie, memory, a real redis-server and a real six-node Redis Cluster.

Where the stores differ by design (a signed cookie cannot be revoked server-side, nor
a state redeemed once), each test says what each store does.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import respx
from anyio.from_thread import BlockingPortal

from workos_middleware import (
    AuthConfig,
    CookieSessionStore,
    MemorySessionStore,
    RedisSessionStore,
    SessionStore,
)

from support import TOKEN_RESPONSE, Client, cookie_cleared, make_config, set_cookie_headers

SESSION = "next-auth.session-token"
STATE = "next-auth.state"
STORES = ["cookie", "memory", "redis", "rediss", "cluster"]


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, portal: BlockingPortal) -> Iterator[SessionStore]:
    made: SessionStore
    if request.param == "cookie":
        made = CookieSessionStore()
    elif request.param == "memory":
        made = MemorySessionStore()
    elif request.param == "redis":
        made = RedisSessionStore(request.getfixturevalue("redis_url"))
    elif request.param == "rediss":  # TLS, verified against the server's CA
        server = request.getfixturevalue("redis_tls_server")
        server.cli("flushall")
        made = RedisSessionStore(server.url, ssl_ca_certs=str(server.ca_file))
    else:
        made = RedisSessionStore(request.getfixturevalue("redis_cluster_url"))
    yield made
    if isinstance(made, RedisSessionStore):
        made.close()
        portal.call(made.aclose)


@pytest.fixture
def make(adapter: str, portal: BlockingPortal, store: SessionStore) -> Callable[..., Client]:
    def make_client(**overrides: Any) -> Client:
        config: AuthConfig = make_config(session_store=store, **overrides)
        return Client(adapter, config, portal)

    return make_client


def signed_in(client: Client) -> bool:
    body = client.get("/api/auth/session").json()
    return bool(body) and body["user"]["email"] == "alice@example.com"


def sign_out(client: Client) -> Any:
    return client.post("/api/auth/signout", data={"csrfToken": client.csrf()})


def test_sign_in_session_and_quiet_requests(
    make: Callable[..., Client], workos: respx.MockRouter, store: SessionStore
) -> None:
    client = make()
    response = client.sign_in(workos)
    assert response.status_code == 302
    assert response.headers["location"] == "http://app.test/dashboard"
    assert signed_in(client)
    home = client.get("/")
    assert home.json()["authenticated"] is True
    assert home.json()["display_name"] == "Alice Anderson"
    assert client.get("/private").text == "secret for alice@example.com"
    assert set_cookie_headers(home) == []  # within updateAge: no Set-Cookie
    if store.server_side:
        # The cookie is an opaque, signed id: no user data in it.
        cookie = client.cookies[SESSION]
        assert len(cookie) < 160 and cookie.count(".") == 2
        decoded = base64.urlsafe_b64decode(cookie.split(".")[1] + "==")
        assert b"alice" not in cookie.encode() and b"alice" not in decoded


def test_sign_out_ends_the_session(
    make: Callable[..., Client], workos: respx.MockRouter, store: SessionStore
) -> None:
    client = make()
    client.sign_in(workos)
    stolen = client.cookies[SESSION]
    out = sign_out(client)
    assert out.status_code == 302
    assert cookie_cleared(out, SESSION)
    assert not signed_in(client)
    # A copy of the cookie taken before the sign-out (a stolen one):
    thief = make()
    thief.set_cookie(SESSION, stolen)
    if store.server_side:
        # ... stops working at once, and is cleared.
        response = thief.get("/api/auth/session")
        assert response.json() == {}
        assert cookie_cleared(response, SESSION)
        assert thief.get("/private").status_code in (401, 403)
    else:
        # ... still works until it expires: the signed cookie's documented limit.
        assert signed_in(thief)


def test_sign_out_everywhere(
    make: Callable[..., Client], workos: respx.MockRouter, store: SessionStore, portal: Any
) -> None:
    laptop, phone = make(), make()
    laptop.sign_in(workos)
    phone.sign_in(workos)
    assert signed_in(laptop) and signed_in(phone)
    if not store.server_side:
        with pytest.raises(NotImplementedError, match="rotate AUTH_SECRET"):
            store.revoke_user_sync("prof_01ALICE")
        return
    if laptop.kind == "asgi":

        async def revoke() -> int:
            return await store.revoke_user("prof_01ALICE")

        assert portal.call(revoke) == 2
    else:
        assert store.revoke_user_sync("prof_01ALICE") == 2
    assert not signed_in(laptop) and not signed_in(phone)
    assert laptop.get("/").json()["authenticated"] is False
    laptop.sign_in(workos)  # a new sign-in after the revocation works
    assert signed_in(laptop) and not signed_in(phone)


def test_a_callback_is_redeemed_once(
    make: Callable[..., Client], workos: respx.MockRouter, store: SessionStore
) -> None:
    client = make()
    workos.post("/sso/token", name="token").respond(200, json=TOKEN_RESPONSE)
    params = client.start_sign_in()
    state_cookie = client.cookies[STATE]
    callback = {"code": "code_1", "state": params["state"]}
    assert client.callback(callback).headers["location"] == "http://app.test/dashboard"
    sign_out(client)

    # Replayed in the same browser: the state cookie was cleared by the first callback.
    replay = client.callback(callback)
    assert replay.headers["location"].endswith("error=OAuthCallback")
    assert not signed_in(client)

    # Replayed with a copy of the state cookie (another tab, or an attacker who has it).
    client.set_cookie(STATE, state_cookie)
    replay = client.callback(callback)
    # Refused either way, and the code is never sent again: with a server-side store by
    # its one-time record (on any worker), with cookie sessions by this process's set of
    # redeemed states (only this process: see test_a_second_worker_... below).
    assert replay.headers["location"].endswith("error=OAuthCallback")
    assert not signed_in(client)
    assert workos.routes["token"].call_count == 1


def test_a_second_worker_redeems_the_state_of_the_first(
    adapter: str, portal: BlockingPortal, store: SessionStore, workos: respx.MockRouter
) -> None:
    """Two middleware instances (two workers) over one store: either completes the
    sign-in the other started, once."""
    first = Client(adapter, make_config(session_store=store), portal)
    second = Client(adapter, make_config(session_store=store), portal)
    workos.post("/sso/token", name="token").respond(200, json=TOKEN_RESPONSE)
    params = first.start_sign_in()
    second.set_cookie(STATE, first.cookies[STATE])
    callback = {"code": "code_1", "state": params["state"]}
    assert second.callback(callback).headers["location"] == "http://app.test/dashboard"
    assert signed_in(second)
    first_again = first.callback(callback)
    if store.server_side:
        assert first_again.headers["location"].endswith("error=OAuthCallback")
    # And a session made by one is read by the other.
    first.set_cookie(SESSION, second.cookies[SESSION])
    assert signed_in(first)


def test_refresh_slides_the_session(make: Callable[..., Client], workos: respx.MockRouter) -> None:
    client = make(session_update_age=0)
    client.sign_in(workos)
    before = client.cookies[SESSION]
    response = client.get("/")
    [cookie] = set_cookie_headers(response)
    assert cookie.startswith(f"{SESSION}=") and "Max-Age=2592000" in cookie
    assert signed_in(client)
    if client.config.session_store.server_side:
        assert client.cookies[SESSION] == before  # the same id, its TTL reset


@pytest.mark.parametrize(
    "value", ["", "garbage", "a.b.c", "x" * 5000, "%ff%fe", "abc.def.0000000000000000"]
)
def test_bad_session_cookies_mean_signed_out_and_cleared(
    make: Callable[..., Client], value: str
) -> None:
    client = make()
    client.set_cookie(SESSION, value)
    response = client.get("/api/auth/session")
    assert response.status_code == 200
    assert response.json() == {}
    if value:
        assert cookie_cleared(response, SESSION)
    assert client.get("/").json()["authenticated"] is False


def test_an_edited_session_id_is_refused(
    make: Callable[..., Client], workos: respx.MockRouter
) -> None:
    client = make()
    client.sign_in(workos)
    value = client.cookies[SESSION]
    i = len(value) // 2
    client.set_cookie(SESSION, value[:i] + ("A" if value[i] != "A" else "B") + value[i + 1 :])
    assert not signed_in(client)


def test_large_sessions_need_no_chunks_on_a_server(
    make: Callable[..., Client], workos: respx.MockRouter, store: SessionStore
) -> None:
    import secrets

    def jwt(token: dict[str, Any], *_: Any) -> dict[str, Any]:
        return {**token, "blob": secrets.token_urlsafe(30_000)}

    client = make(callbacks={"jwt": jwt})
    response = client.sign_in(workos)
    if store.server_side:
        assert [h.split("=")[0] for h in set_cookie_headers(response)].count(SESSION) == 1
        assert signed_in(client)
    else:
        assert response.headers["location"].endswith("error=Configuration")


def test_sign_out_event_gets_the_token(
    make: Callable[..., Client], workos: respx.MockRouter
) -> None:
    seen: list[str] = []
    client = make(events={"sign_out": lambda message: seen.append(message["token"]["email"])})
    client.sign_in(workos)
    sign_out(client)
    assert seen == ["alice@example.com"]
    sign_out(client)  # signing out again: no session, no event
    assert seen == ["alice@example.com"]
