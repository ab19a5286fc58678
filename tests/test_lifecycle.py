"""The customer's directory ends sessions here: WorkOS's signed webhooks on
``POST /api/auth/webhooks/workos``, through both adapters, with the memory store and a
real redis-server.

The webhooks are signed in the test, as WorkOS signs them (``t=<ms>, v1=<hex
HMAC-SHA256 of "<t>.<body>">``); the official ``workos`` SDK's verification is the
referee of the signing helper.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import respx
from anyio.from_thread import BlockingPortal

from workos_middleware import (
    AccessRule,
    AuthConfig,
    ConfigurationError,
    MemorySessionStore,
    RedisSessionStore,
    Rule,
    SessionStore,
)
from workos_middleware.testing import session_cookies

from support import PROFILE, Client, FakeClock, make_config

SESSION = "next-auth.session-token"
WEBHOOK_SECRET = "whsec_test_0123456789"
HOOK = "/api/auth/webhooks/workos"
ORG = PROFILE["organization_id"]
IDP_ID = PROFILE["idp_id"]


def signature(body: bytes, *, at_ms: int, secret: str = WEBHOOK_SECRET) -> str:
    digest = hmac.new(secret.encode(), str(at_ms).encode() + b"." + body, hashlib.sha256)
    return f"t={at_ms}, v1={digest.hexdigest()}"


def directory_user(
    *,
    organization_id: str = ORG,
    idp_id: str | None = IDP_ID,
    email: str = "alice@example.com",
    state: str = "active",
) -> dict[str, Any]:
    """A WorkOS directory user, shaped as the SDK's ``DirectoryUser`` model."""
    return {
        "object": "directory_user",
        "id": "directory_user_01ALICE",
        "directory_id": "directory_01EXAMPLE",
        "organization_id": organization_id,
        "idp_id": idp_id,
        "email": email,
        "emails": [{"primary": True, "type": "work", "value": email}],
        "first_name": "Alice",
        "last_name": "Anderson",
        "state": state,
        "custom_attributes": {},
        "raw_attributes": {},
        "created_at": "2026-01-01T00:00:00.000Z",
        "updated_at": "2026-01-02T00:00:00.000Z",
    }


def event(kind: str, data: dict[str, Any], event_id: str = "event_01A") -> bytes:
    body = {
        "object": "event",
        "id": event_id,
        "event": kind,
        "data": data,
        "created_at": "2026-01-02T00:00:00.000Z",
    }
    return json.dumps(body).encode()


def group_event(kind: str, group: str, event_id: str, **user: Any) -> bytes:
    data = {
        "directory_id": "directory_01EXAMPLE",
        "user": directory_user(**user),
        "group": {"object": "directory_group", "id": "directory_group_01", "name": group},
    }
    return event(kind, data, event_id)


@pytest.fixture(params=["memory", "redis"])
def store(
    request: pytest.FixtureRequest, portal: BlockingPortal, clock: FakeClock
) -> Iterator[SessionStore]:
    made: SessionStore
    if request.param == "memory":
        made = MemorySessionStore(clock=clock)
    else:
        made = RedisSessionStore(request.getfixturevalue("redis_url"))
    yield made
    if isinstance(made, RedisSessionStore):
        made.close()
        portal.call(made.aclose)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app(
    adapter: str, portal: BlockingPortal, store: SessionStore, clock: FakeClock
) -> Callable[..., Client]:
    def make(**overrides: Any) -> Client:
        options: dict[str, Any] = {
            "session_store": store,
            "webhook_secret": WEBHOOK_SECRET,
            "clock": clock,
            "protect": [Rule("/private", allow=AccessRule(groups=["Engineering"]))],
        }
        options.update(overrides)
        config: AuthConfig = make_config(**options)
        return Client(adapter, config, portal)

    return make


def browser(app: Client, **user: Any) -> Client:
    """Another browser on the same app, signed in as ``user`` (through the real codec)."""
    other = Client(app.kind, app.config, app._portal)
    for name, value in session_cookies(app.config, **user).items():
        other.set_cookie(name, value)
    return other


def alice(app: Client, organization_id: str = ORG, **claims: Any) -> Client:
    return browser(
        app,
        id=f"prof_{organization_id}",
        email="alice@example.com",
        organization_id=organization_id,
        groups=["Engineering"],
        claims={"idp_id": IDP_ID, **claims},
    )


def signed_in(client: Client) -> bool:
    body = client.get("/").json()
    return bool(body["authenticated"])


def post(client: Client, body: bytes, header: str | None) -> Any:
    headers = {"content-type": "application/json"}
    if header is not None:
        headers["workos-signature"] = header
    return client.post(HOOK, content=body, headers=headers)


def now_ms(clock: FakeClock) -> int:
    return int(clock() * 1000)


# -- deprovisioning ends sessions -------------------------------------------------------


def test_a_deleted_user_is_signed_out_and_the_same_person_elsewhere_is_not(
    app: Callable[..., Client], clock: FakeClock
) -> None:
    client = app()
    laptop, phone, other_org = alice(client), alice(client), alice(client, "org_02OTHER")
    bob = browser(client, email="bob@example.com", organization_id=ORG, claims={"idp_id": "bob"})
    assert all(signed_in(b) for b in (laptop, phone, other_org, bob))

    body = event("dsync.user.deleted", directory_user(state="inactive"))
    response = post(client, body, signature(body, at_ms=now_ms(clock)))
    assert response.status_code == 200, response.text
    assert response.json()["result"] == "2 session(s) ended"

    assert not signed_in(laptop) and not signed_in(phone)
    assert signed_in(other_org) and signed_in(bob)
    # The ended session's cookie is cleared on its next request, like a signed-out one.
    assert laptop.get("/").status_code == 200


@pytest.mark.parametrize("kind", ["dsync.user.updated", "dsync.user.created"])
@pytest.mark.parametrize("state", ["inactive", "suspended"])
def test_a_user_no_longer_active_is_signed_out(
    app: Callable[..., Client], clock: FakeClock, kind: str, state: str
) -> None:
    client = app()
    session = alice(client)
    active = event(kind, directory_user(state="active"), "event_active")
    assert post(client, active, signature(active, at_ms=now_ms(clock))).status_code == 200
    assert signed_in(session)
    body = event(kind, directory_user(state=state), "event_inactive")
    assert post(client, body, signature(body, at_ms=now_ms(clock))).status_code == 200
    assert not signed_in(session)


def test_a_session_without_an_idp_id_is_matched_by_email_in_its_organization_only(
    app: Callable[..., Client], clock: FakeClock
) -> None:
    client = app()
    here = browser(client, id="user_01AK", email="Alice@Example.com", organization_id=ORG)
    elsewhere = browser(client, id="user_01AK", email="alice@example.com", organization_id="o2")
    unverified = browser(
        client, email="alice@example.com", organization_id=ORG, claims={"email_verified": False}
    )
    body = event("dsync.user.deleted", directory_user(idp_id="other-idp-id"))
    assert post(client, body, signature(body, at_ms=now_ms(clock))).status_code == 200
    assert not signed_in(here)
    assert signed_in(elsewhere) and signed_in(unverified)


def test_a_session_with_an_idp_id_is_not_matched_by_email(
    app: Callable[..., Client], clock: FakeClock
) -> None:
    client = app()
    session = alice(client)
    body = event("dsync.user.deleted", directory_user(idp_id="someone-else"))
    assert post(client, body, signature(body, at_ms=now_ms(clock))).status_code == 200
    assert signed_in(session)


# -- groups ---------------------------------------------------------------------------


def test_group_changes_apply_on_the_next_request(
    app: Callable[..., Client], clock: FakeClock
) -> None:
    client = app()
    session, other_org = alice(client), alice(client, "org_02OTHER")
    assert session.get("/private").status_code == 200

    body = group_event("dsync.group.user_removed", "Engineering", "event_g1")
    assert post(client, body, signature(body, at_ms=now_ms(clock))).status_code == 200
    assert session.get("/private").status_code == 403
    assert other_org.get("/private").status_code == 200
    assert signed_in(session)

    body = group_event("dsync.group.user_added", "Engineering", "event_g2")
    assert post(client, body, signature(body, at_ms=now_ms(clock))).status_code == 200
    assert session.get("/private").status_code == 200


# -- what changes nothing ---------------------------------------------------------------


def test_bad_signatures_change_nothing(app: Callable[..., Client], clock: FakeClock) -> None:
    client = app()
    session = alice(client)
    body = event("dsync.user.deleted", directory_user())
    changed = body.replace(b"event_01A", b"event_01B")
    forged = "whsec_forged_0123456789"
    # Each header is made when it is sent (a slow run must not age a case into another).
    cases: list[tuple[Callable[[int], str | None], bytes]] = [
        (lambda at: None, body),  # missing
        (lambda at: "", body),
        (lambda at: "t=abc, v1=00", body),  # malformed
        (lambda at: f"t={at}", body),
        (lambda at: signature(body, at_ms=at, secret=forged), body),  # forged
        (lambda at: signature(body, at_ms=at), changed),  # the body changed after signing
        (lambda at: signature(body, at_ms=at - 200_000), body),  # older than the tolerance
        (lambda at: signature(body, at_ms=at + 200_000), body),  # from the future
        (lambda at: signature(body, at_ms=at).replace(f"t={at}", f"t={at + 1}"), body),
    ]
    for make_header, sent in cases:
        header = make_header(now_ms(clock))
        response = post(client, sent, header)
        assert response.status_code == 401, (header, response.text)
        assert response.json() == {"error": "Invalid WorkOS-Signature"}
        assert signed_in(session)
    # Within the tolerance, the same event is applied.
    assert post(client, body, signature(body, at_ms=now_ms(clock) - 150_000)).status_code == 200
    assert not signed_in(session)


def test_a_replayed_event_changes_nothing(app: Callable[..., Client], clock: FakeClock) -> None:
    client = app()
    first = alice(client)
    body = event("dsync.user.deleted", directory_user(), "event_once")
    header = signature(body, at_ms=now_ms(clock))
    assert post(client, body, header).json()["result"] == "1 session(s) ended"
    assert not signed_in(first)
    # Alice is back (signed in again); the same signed request, replayed, ends nothing.
    again = alice(client)
    replayed = post(client, body, header)
    assert replayed.status_code == 200 and replayed.json()["result"] == "already applied"
    assert signed_in(again)


def test_the_tolerance_is_configurable(app: Callable[..., Client], clock: FakeClock) -> None:
    client = app(webhook_tolerance=10)
    session = alice(client)
    body = event("dsync.user.deleted", directory_user())
    assert post(client, body, signature(body, at_ms=now_ms(clock) - 15_000)).status_code == 401
    assert signed_in(session)
    assert post(client, body, signature(body, at_ms=now_ms(clock) - 5_000)).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"id": "e1", "event": "dsync.user.deleted"}',
        b'{"id": "e1", "event": "dsync.user.deleted", "data": {"idp_id": "x"}}',
        b'{"event": "dsync.user.deleted", "data": {}}',
        b'{"id": "e1", "event": "dsync.group.user_added", "data": {"user": {}}}',
        b'{"id": "e1", "event": "dsync.user.deleted", "data": {"organization_id": "o"}}',
    ],
)
def test_a_body_of_the_wrong_shape_is_400(
    app: Callable[..., Client], clock: FakeClock, body: bytes
) -> None:
    client = app()
    session = alice(client)
    response = post(client, body, signature(body, at_ms=now_ms(clock)))
    assert response.status_code == 400, response.text
    assert response.json()["error"].startswith("Malformed event")
    assert signed_in(session)


def test_an_unknown_event_type_is_200_and_logged(
    app: Callable[..., Client], clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    client = app()
    session = alice(client)
    body = event("connection.activated", {"id": "conn_01"}, "event_conn")
    with caplog.at_level(logging.INFO, logger="workos_middleware"):
        response = post(client, body, signature(body, at_ms=now_ms(clock)))
    assert response.status_code == 200 and response.json()["result"] == "ignored"
    assert any("connection.activated" in r.getMessage() for r in caplog.records)
    assert signed_in(session)


def test_the_endpoint_needs_no_csrf_token_and_passes_protect_all(
    app: Callable[..., Client], clock: FakeClock
) -> None:
    client = app(protect_all=True)
    session = alice(client)
    body = event("dsync.user.deleted", directory_user())
    # No cookies at all, from another origin: the signature is the proof.
    headers = {"origin": "https://attacker.example", "sec-fetch-site": "cross-site"}
    response = client.post(
        HOOK,
        content=body,
        headers={**headers, "workos-signature": signature(body, at_ms=now_ms(clock))},
    )
    assert response.status_code == 200, response.text
    assert session.get("/").status_code in (302, 401)


def test_the_body_is_capped(app: Callable[..., Client], clock: FakeClock) -> None:
    client = app()
    body = event("dsync.user.deleted", {**directory_user(), "pad": "x" * 70_000})
    response = post(client, body, signature(body, at_ms=now_ms(clock)))
    assert response.status_code == 413


def test_without_a_secret_there_is_no_endpoint(
    app: Callable[..., Client], clock: FakeClock
) -> None:
    client = app(webhook_secret=None)
    body = event("dsync.user.deleted", directory_user())
    assert post(client, body, signature(body, at_ms=now_ms(clock))).status_code == 404
    assert client.get(HOOK).status_code == 405  # the route takes POST only


# -- configuration ----------------------------------------------------------------------


def test_a_webhook_secret_with_cookie_sessions_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="RedisSessionStore"):
        make_config(webhook_secret=WEBHOOK_SECRET)
    with pytest.raises(ConfigurationError, match="AUTH_REDIS_URL"):
        AuthConfig.from_env(
            {
                "WORKOS_CLIENT_ID": "client_01",
                "WORKOS_API_KEY": "sk_test",
                "AUTH_SECRET": "a-secret-0123456789abcdef",
                "AUTH_URL": "http://app.test",
                "WORKOS_WEBHOOK_SECRET": WEBHOOK_SECRET,
            }
        )


def test_the_webhook_secret_comes_from_the_environment() -> None:
    config = AuthConfig.from_env(
        {
            "WORKOS_CLIENT_ID": "client_01",
            "WORKOS_API_KEY": "sk_test",
            "AUTH_SECRET": "a-secret-0123456789abcdef",
            "AUTH_URL": "http://app.test",
            "AUTH_SESSION_STORE": "memory",
            "WORKOS_WEBHOOK_SECRET": WEBHOOK_SECRET,
        }
    )
    assert config.webhook_secret == WEBHOOK_SECRET


@pytest.mark.parametrize("tolerance", [0, -1, True, "180", 10_000])
def test_a_bad_tolerance_is_refused(tolerance: Any) -> None:
    with pytest.raises(ConfigurationError, match="webhook_tolerance"):
        make_config(
            session_store=MemorySessionStore(),
            webhook_secret=WEBHOOK_SECRET,
            webhook_tolerance=tolerance,
        )


def test_the_signature_helper_agrees_with_the_official_sdk(clock: FakeClock) -> None:
    from workos.webhooks._resource import Webhooks

    body = event("dsync.user.deleted", directory_user())
    header = signature(body, at_ms=now_ms(clock))
    verify: Any = Webhooks.verify_header
    verify(
        Webhooks.__new__(Webhooks), event_body=body, event_signature=header, secret=WEBHOOK_SECRET
    )


def test_sign_in_keeps_the_idp_id(
    adapter: str, portal: BlockingPortal, workos: respx.MockRouter, clock: FakeClock
) -> None:
    """A real sign-in (the WorkOS profile's idp_id kept) is what a webhook matches."""
    config = make_config(
        session_store=MemorySessionStore(clock=clock), webhook_secret=WEBHOOK_SECRET, clock=clock
    )
    client = Client(adapter, config, portal)
    assert client.sign_in(workos).status_code == 302
    assert signed_in(client)
    body = event("dsync.user.deleted", directory_user())
    assert post(client, body, signature(body, at_ms=now_ms(clock))).status_code == 200
    assert not signed_in(client)


def test_a_store_that_is_down_answers_503_so_workos_retries(
    adapter: str, portal: BlockingPortal, clock: FakeClock
) -> None:
    from support import free_port

    store = RedisSessionStore(f"redis://127.0.0.1:{free_port()}/0", timeout=0.5)
    config = make_config(session_store=store, webhook_secret=WEBHOOK_SECRET, clock=clock)
    client = Client(adapter, config, portal)
    body = event("dsync.user.deleted", directory_user())
    response = post(client, body, signature(body, at_ms=now_ms(clock)))
    assert response.status_code == 503
