"""The session cookie: bad input means signed out (and cleared), rotation, refresh, chunks."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import respx

from support import (
    APP_URL,
    SESSION_COOKIE,
    TOKEN_RESPONSE,
    Client,
    FakeClock,
    cookie_cleared,
    make_config,
    session_cookie,
    session_token,
    set_cookie_headers,
    sign,
)

SESSION = SESSION_COOKIE


def test_valid_session_cookie_is_accepted(client: Client) -> None:
    """The control for every bad-input case below."""
    client.set_cookie(SESSION, session_cookie(session_token()))
    response = client.get("/api/auth/session")
    assert response.json()["user"]["email"] == "alice@example.com"
    assert set_cookie_headers(response) == []  # inside updateAge: no Set-Cookie


def _another_secret() -> str:
    return session_cookie(session_token(), secret="another-secret-0123456789")


def _flipped() -> str:
    value = session_cookie(session_token())
    i = len(value) - 10
    return value[:i] + ("A" if value[i] != "A" else "B") + value[i + 1 :]


def _edited_payload() -> str:
    good = session_cookie(session_token())
    evil = session_cookie(session_token(email="mallory@example.com"))
    return evil.rpartition(".")[0] + "." + good.rpartition(".")[2]


def _payload(value: dict[str, Any] | list[Any]) -> str:
    """A correctly signed v1 cookie around a payload of our choosing."""
    import base64
    import hashlib
    import hmac
    import json

    from workos_middleware._keys.signing import KeyRing

    from support import SECRET

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    body = "v1." + b64(json.dumps(value).encode())
    key = KeyRing([SECRET]).keys_for("session")[0]
    return body + "." + b64(hmac.digest(key, body.encode(), hashlib.sha256))


def _signed_for(purpose: str) -> str:
    """A v1 session cookie signed with another purpose's key."""
    import hashlib
    import hmac

    from workos_middleware._keys.signing import KeyRing

    from support import SECRET

    good = session_cookie(session_token())
    body = good.rpartition(".")[0]
    key = KeyRing([SECRET]).keys_for(purpose)[0]  # type: ignore[arg-type]
    import base64

    mac = hmac.digest(key, body.encode(), hashlib.sha256)
    return body + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


BAD_SESSIONS: dict[str, Callable[[], str]] = {
    "empty": lambda: "",
    "null": lambda: "null",
    "garbage": lambda: "garbage",
    "not_base64": lambda: "!!!.@@@.###",
    "dots": lambda: "....",
    "flipped_signature": _flipped,
    "edited_payload": _edited_payload,
    "another_secret": _another_secret,
    "expired": lambda: session_cookie(session_token(), age=31 * 86400),
    "future_timestamp": lambda: session_cookie(session_token(), age=-3600),
    "wrong_shape_list": lambda: session_cookie([1, 2, 3]),
    "wrong_shape_no_sub": lambda: session_cookie({"email": "a@example.com"}),
    "wrong_shape_string": lambda: session_cookie("alice"),
    "old_itsdangerous_format": lambda: sign("session", session_token()),
    "v1_signed_with_the_state_key": lambda: _signed_for("state"),
    "v1_signed_with_the_csrf_key": lambda: _signed_for("csrf"),
    "v1_no_signature": lambda: session_cookie(session_token()).rpartition(".")[0],
    "v1_padded_signature": lambda: session_cookie(session_token()) + "=",
    "v1_payload_not_json": lambda: "v1.bm90IGpzb24." + "A" * 43,
    "v1_payload_a_list": lambda: _payload([1, 2, 3]),
    "v1_float_timestamps": lambda: _payload({"iat": 1.5e9, "exp": 4.0e9, "tok": session_token()}),
    "v1_no_exp": lambda: _payload({"iat": 1_700_000_000, "tok": session_token()}),
    "v1_past_exp": lambda: _payload(
        {"iat": 1_700_000_000, "exp": 1_700_000_001, "tok": session_token()}
    ),
    "state_cookie_as_session": lambda: sign("state", session_token()),
    "csrf_cookie_as_session": lambda: sign("csrf", session_token()),
    "callback_url_as_session": lambda: sign("callback_url", session_token()),
    "oversized": lambda: "x" * 5000,
    "non_utf8_escape": lambda: "%ff%fe%00",
}


@pytest.mark.parametrize("case", sorted(BAD_SESSIONS))
def test_bad_session_cookie_means_signed_out_and_cleared(client: Client, case: str) -> None:
    client.set_cookie(SESSION, BAD_SESSIONS[case]())
    response = client.get("/api/auth/session")
    assert response.status_code == 200
    assert response.json() == {}
    if client.cookies.get(SESSION):
        assert cookie_cleared(response, SESSION)
    home = client.get("/")
    assert home.status_code == 200
    assert home.json()["authenticated"] is False
    assert client.get("/private").status_code == 403


@pytest.mark.parametrize(
    "raw",
    [
        b"next-auth.session-token=\xff\xfe\x80abc; other=1",
        b"next-auth.session-token=v1.\xff\xfe\x80." + b"A" * 43 + b"; other=1",
    ],
    ids=["garbage", "v1_prefix"],
)
def test_non_utf8_bytes_in_the_cookie_header(client: Client, raw: bytes) -> None:
    if client.kind == "asgi":
        response = client.get("/api/auth/session", headers={"cookie": raw})
        assert response.json() == {}
        assert client.get("/", headers={"cookie": raw}).status_code == 200
        return
    # httpx's WSGITransport only sends ASCII headers; a WSGI server hands such bytes
    # over as latin-1 text, so call the middleware with that environ directly.
    import io

    for path, expected in (("/api/auth/session", b"{}"), ("/", b'"authenticated": false')):
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "HTTP_COOKIE": raw.decode("latin-1"),
            "wsgi.input": io.BytesIO(),
        }
        statuses: list[str] = []

        def start_response(status: str, headers: Any, exc_info: Any = None) -> None:
            statuses.append(status)  # noqa: B023  (called before the loop moves on)

        body = b"".join(client.middleware(environ, start_response))
        assert statuses[0].startswith("200")
        assert expected in body


def test_duplicate_cookie_names_use_the_first(client: Client) -> None:
    good = session_cookie(session_token())
    header = f"{SESSION}=garbage; {SESSION}={good}"
    assert client.get("/api/auth/session", headers={"cookie": header}).json() == {}
    header = f"{SESSION}={good}; {SESSION}=garbage"
    response = client.get("/api/auth/session", headers={"cookie": header})
    assert response.json()["user"]["name"] == "Alice Anderson"


def test_secret_rotation(make_client: Callable[..., Client]) -> None:
    old, new = "old-secret-0123456789abcdef", "new-secret-0123456789abcdef"
    during = make_client(secret=[old, new])
    during.set_cookie(SESSION, session_cookie(session_token(), secret=old))
    assert during.get("/api/auth/session").json()["user"]["name"] == "Alice Anderson"
    after = make_client(secret=[new])
    after.set_cookie(SESSION, session_cookie(session_token(), secret=old))
    assert after.get("/api/auth/session").json() == {}


def test_new_sessions_are_signed_with_the_newest_secret(
    make_client: Callable[..., Client], workos: respx.MockRouter
) -> None:
    old, new = "old-secret-0123456789abcdef", "new-secret-0123456789abcdef"
    client = make_client(secret=[old, new])
    client.sign_in(workos)
    only_new = make_client(secret=[new])
    only_new.set_cookie(SESSION, client.cookies[SESSION])
    assert only_new.get("/api/auth/session").json()["user"]["name"] == "Alice Anderson"


def test_session_older_than_update_age_is_reissued(client: Client) -> None:
    client.set_cookie(SESSION, session_cookie(session_token(), age=25 * 3600))
    response = client.get("/")
    assert response.json()["authenticated"] is True
    [cookie] = set_cookie_headers(response)
    assert cookie.startswith(f"{SESSION}=") and "Max-Age=2592000" in cookie
    # The new cookie is fresh: no further Set-Cookie on the next request.
    assert set_cookie_headers(client.get("/")) == []


def test_expires_moves_forward_when_reissued(client: Client) -> None:
    import calendar
    import time

    def expires_in(body: dict[str, Any]) -> float:
        moment = time.strptime(body["expires"], "%Y-%m-%dT%H:%M:%S.000Z")
        return calendar.timegm(moment) - time.time()

    client.set_cookie(SESSION, session_cookie(session_token(), age=3600))
    assert abs(expires_in(client.get("/api/auth/session").json()) - (30 * 86400 - 3600)) < 60
    client.set_cookie(SESSION, session_cookie(session_token(), age=25 * 3600))
    assert abs(expires_in(client.get("/api/auth/session").json()) - 30 * 86400) < 60


def test_update_age_zero_reissues_every_time(make_client: Callable[..., Client]) -> None:
    client = make_client(session_update_age=0)
    client.set_cookie(SESSION, session_cookie(session_token()))
    assert set_cookie_headers(client.get("/"))
    assert set_cookie_headers(client.get("/api/auth/session"))


def test_max_age_is_configurable(make_client: Callable[..., Client]) -> None:
    client = make_client(session_max_age=60)
    client.set_cookie(SESSION, session_cookie(session_token(), age=61))
    assert client.get("/api/auth/session").json() == {}


def test_https_uses_secure_prefixed_cookies(
    make_client: Callable[..., Client], workos: respx.MockRouter
) -> None:
    client = make_client(url="https://app.test")
    response = client.get("/api/auth/csrf")
    [csrf] = set_cookie_headers(response)
    assert csrf.startswith("__Host-next-auth.csrf-token=") and "; Secure" in csrf
    assert "Domain" not in csrf
    callback = client.sign_in(workos)
    names = [h.split("=")[0] for h in set_cookie_headers(callback)]
    assert "__Secure-next-auth.session-token" in names
    assert "__Secure-next-auth.state" in names
    assert all("; Secure" in h for h in set_cookie_headers(callback))
    assert client.get("/api/auth/session").json()["user"]["name"] == "Alice Anderson"


def test_large_sessions_are_chunked_and_reassembled(
    make_client: Callable[..., Client], workos: respx.MockRouter
) -> None:
    import secrets

    # Random data does not compress: the cookie really is large.
    def jwt(token: dict[str, Any], *_: Any) -> dict[str, Any]:
        return {**token, "blob": secrets.token_urlsafe(6000)}

    def session(session: dict[str, Any], token: dict[str, Any]) -> dict[str, Any]:
        return {**session, "blob_length": len(token["blob"])}

    client = make_client(callbacks={"jwt": jwt, "session": session})
    response = client.sign_in(workos)
    names = [h.split("=")[0] for h in set_cookie_headers(response)]
    assert f"{SESSION}.0" in names and f"{SESSION}.1" in names and f"{SESSION}.2" in names
    assert all(len(h) < 4096 for h in set_cookie_headers(response))
    assert client.get("/api/auth/session").json()["blob_length"] == 8000

    # Sign out clears every chunk.
    data = {"csrfToken": client.csrf()}
    out = client.post("/api/auth/signout", data=data)
    for name in (f"{SESSION}.0", f"{SESSION}.1", f"{SESSION}.2"):
        assert cookie_cleared(out, name)
    assert client.get("/api/auth/session").json() == {}


def test_a_session_too_large_for_cookies_is_refused_loudly(
    make_client: Callable[..., Client], workos: respx.MockRouter
) -> None:
    import secrets

    def jwt(token: dict[str, Any], *_: Any) -> dict[str, Any]:
        return {**token, "blob": secrets.token_urlsafe(60_000)}

    client = make_client(callbacks={"jwt": jwt})
    response = client.sign_in(workos)
    assert response.headers["location"] == f"{APP_URL}/api/auth/error?error=Configuration"
    page = client.get(response.headers["location"])
    assert page.status_code == 500
    assert client.get("/api/auth/session").json() == {}


def test_session_callback_adds_fields(make_client: Callable[..., Client]) -> None:
    def session(session: dict[str, Any], token: dict[str, Any]) -> dict[str, Any]:
        session["user"]["id"] = token["sub"]
        session["organization"] = token.get("organization_id")
        return session

    client = make_client(callbacks={"session": session})
    client.set_cookie(SESSION, session_cookie(session_token(organization_id="org_1")))
    body = client.get("/api/auth/session").json()
    assert body["user"]["id"] == "prof_01ALICE"
    assert body["organization"] == "org_1"
    assert client.get("/").json()["session"]["organization"] == "org_1"


def test_failing_session_callback_fails_closed(make_client: Callable[..., Client]) -> None:
    def session(session: dict[str, Any], token: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("database down")

    client = make_client(callbacks={"session": session})
    client.set_cookie(SESSION, session_cookie(session_token()))
    assert client.get("/api/auth/session").json() == {}
    assert client.get("/").json()["authenticated"] is False
    assert client.get("/private").status_code == 403


def test_the_injected_clock_ages_refreshes_and_expires_a_real_session(
    make_client: Callable[..., Client], workos: respx.MockRouter
) -> None:
    """Sign in for real, then move the configured clock: no cookie is hand-made."""
    clock = FakeClock()
    client = make_client(clock=clock)
    client.sign_in(workos)
    first = client.cookies[SESSION]
    clock.advance(23 * 3600)  # inside update_age: read, not re-signed
    response = client.get("/")
    assert response.json()["authenticated"] is True
    assert set_cookie_headers(response) == []
    clock.advance(2 * 3600)  # past update_age: re-signed, expiry moved forward
    response = client.get("/")
    assert response.json()["authenticated"] is True
    assert client.cookies[SESSION] != first
    clock.advance(31 * 86400)  # 31 days after the refresh: expired and cleared
    response = client.get("/api/auth/session")
    assert response.json() == {}
    assert cookie_cleared(response, SESSION)


def test_the_injected_clock_expires_a_pending_sign_in(
    make_client: Callable[..., Client], workos: respx.MockRouter
) -> None:
    clock = FakeClock()
    client = make_client(clock=clock)
    workos.post("/sso/token", name="token").respond(200, json=TOKEN_RESPONSE)
    params = client.start_sign_in()
    clock.advance(16 * 60)  # the state cookie lives 15 minutes
    response = client.callback({"code": "code_1", "state": params["state"]})
    assert response.headers["location"] == f"{APP_URL}/api/auth/error?error=OAuthCallback"
    assert workos["token"].call_count == 0


def test_a_remembered_cookie_still_expires(make_client: Callable[..., Client]) -> None:
    """The verified-cookie cache skips the HMAC, never the expiry."""
    clock = FakeClock()
    client = make_client(clock=clock, session_update_age=40 * 86400)
    client.set_cookie(SESSION, session_cookie(session_token()))
    for _ in range(3):  # the same value, read again and again
        assert client.get("/api/auth/session").json()["user"]["name"] == "Alice Anderson"
    clock.advance(30 * 86400 + 1)
    response = client.get("/api/auth/session")
    assert response.json() == {}
    assert cookie_cleared(response, SESSION)
    assert client.get("/").json()["authenticated"] is False


def test_a_request_cannot_change_what_the_next_one_reads(
    make_client: Callable[..., Client],
) -> None:
    """Callbacks get their own copy of the token, even when the cookie was seen before."""

    def session(session: dict[str, Any], token: dict[str, Any]) -> dict[str, Any]:
        token["name"] = "Mallory"
        token["roles"].append("admin")
        session["user"]["name"] = token["name"]
        return {**session, "roles": list(token["roles"])}

    client = make_client(callbacks={"session": session})
    client.set_cookie(SESSION, session_cookie(session_token(roles=["viewer"])))
    for _ in range(3):
        body = client.get("/api/auth/session").json()
        assert body["roles"] == ["viewer", "admin"]
    assert client.get("/").json()["display_name"] == "Mallory"


def test_the_user_object_reads_the_token(client: Client) -> None:
    """request.user's fields come from the token, on both adapters."""
    token = session_token(organization_id="org_1", roles=["admin"], groups=["Eng"])
    client.set_cookie(SESSION, session_cookie(token))
    home = client.get("/").json()
    assert home["authenticated"] is True
    assert home["display_name"] == "Alice Anderson"
    assert home["scopes"] == ["authenticated"]


def test_an_old_format_cookie_signs_out_and_is_cleared(
    client: Client, workos: respx.MockRouter
) -> None:
    """Sessions issued before the v1 format (itsdangerous) are refused cleanly."""
    client.set_cookie(SESSION, sign("session", session_token()))
    home = client.get("/")
    assert home.json()["authenticated"] is False
    assert cookie_cleared(home, SESSION)
    client.sign_in(workos)  # signing in again gives a v1 cookie
    assert client.cookies[SESSION].startswith("v1.")
    assert client.get("/api/auth/session").json()["user"]["name"] == "Alice Anderson"


def test_verified_values_are_remembered_within_a_bound() -> None:
    import time

    from workos_middleware._keys.signing import KeyRing
    from workos_middleware._sessions.format import CACHE_ENTRIES, SessionFormat

    keys = KeyRing(["a-secret-0123456789abcdef"]).keys_for("session")
    codec = SessionFormat(keys, time.time, max_age=3600)
    values = [codec.encode({"sub": f"user_{i}"})[0] for i in range(CACHE_ENTRIES + 100)]
    for value in values:
        decoded = codec.lookup(value, time.time())
        assert decoded is not None
    assert len(codec._verified) == CACHE_ENTRIES
    assert codec.lookup(values[0], time.time()) is not None  # evicted, verified again
    assert codec.lookup("x" * 5000, time.time()) is None


def test_an_app_that_changes_its_session_value_changes_no_later_request(
    adapter: str, portal: Any
) -> None:
    """A returning browser's Cookie header is resolved once and reused while nothing can
    change (no refresh due, not expired), yet each request gets its own session value
    and token: an app that edits them edits its own copies."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from workos_middleware import SESSION_KEY, current_user

    def seen_and_spoiled(session: dict[str, Any], user: Any) -> dict[str, Any]:
        seen = {"name": session["user"]["name"], "roles": list(user.roles)}
        session["user"]["name"] = "Mallory"
        session["expires"] = "never"
        user.roles.append("admin")
        return seen

    async def asgi_view(request: Request) -> JSONResponse:
        return JSONResponse(seen_and_spoiled(request.scope[SESSION_KEY], current_user(request)))

    def wsgi_view(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        body = seen_and_spoiled(environ[SESSION_KEY], current_user(environ))
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]

    client = Client(
        adapter,
        make_config(),
        portal,
        asgi=Starlette(routes=[Route("/", asgi_view)]),
        wsgi=wsgi_view,
    )
    client.set_cookie(SESSION, session_cookie(session_token(roles=["viewer"])))
    for _ in range(3):
        assert client.get("/").json() == {"name": "Alice Anderson", "roles": ["viewer"]}
