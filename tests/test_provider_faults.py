"""Provider faults over real HTTP: the emulator (and dead or wrong addresses) behind both
adapters, nothing mocked.

Each fault ends in a clear page and no session: a slow token endpoint (a timeout, and
under ASGI the event loop keeps serving other requests meanwhile), 5xx, malformed JSON,
HTML from a base URL that is a website, a 50 MB body (read with a cap), connection
refused, a DNS failure, ``error=`` with good and bad state, and one code presented by
parallel callbacks (exactly one session). The emulator's faults are its admin API
(docs/emulator.md).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from anyio.from_thread import BlockingPortal
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from workos_middleware import AuthMiddleware, WorkOSProvider
from workos_middleware.emulator import DEFAULT_API_KEY, DEFAULT_CLIENT_ID, create_app
from workos_middleware.emulator.defaults import ALICE_ID, EXAMPLE_ORG_ID

from support import APP_URL, free_port, make_config, serve
from support.adversary import Browser, asgi_app
from support.emulator import pick

ERROR = f"{APP_URL}/api/auth/error?error="


@pytest.fixture(scope="module")
def emulator_url() -> Iterator[str]:
    server = serve(create_app(redirect_uris=[f"{APP_URL}/api/auth/callback/workos"]))
    yield server.url
    server.stop()


@pytest.fixture(scope="module")
def website_url() -> Iterator[str]:
    """A base URL that is a website, not the WorkOS API: HTML for everything."""

    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse("<!doctype html><title>Welcome</title><p>Our homepage</p>")

    app = Starlette(routes=[Route("/{path:path}", page, methods=["GET", "POST"])])
    server = serve(app)
    yield server.url
    server.stop()


@pytest.fixture
def make_browser(adapter: str, portal: BlockingPortal) -> Callable[..., Browser]:
    def make(base_url: str, **overrides: Any) -> Browser:
        provider = WorkOSProvider(
            client_id=DEFAULT_CLIENT_ID,
            client_secret=DEFAULT_API_KEY,
            base_url=base_url,
            domains={"example.com": EXAMPLE_ORG_ID},
        )
        return Browser(adapter, make_config(providers=[provider], **overrides), portal)

    return make


def idp_approve(authorize_url: str, user_id: str | None = ALICE_ID) -> str:
    """Play the user on the emulator's IdP page; the Location back to the app."""
    form = {"user": user_id} if user_id else {"action": "deny"}
    with httpx.Client() as idp:
        location = pick(idp, authorize_url, **form)
        assert location.startswith(f"{APP_URL}/api/auth/callback/workos?")
        return location


def approved_callback(browser: Browser) -> str:
    """Sign-in started and approved at the IdP: the callback URL, not yet visited."""
    start = browser.start_sign_in()
    assert start.status_code == 302, start.text
    return idp_approve(start.headers["location"])


def fault(admin: httpx.Client, **spec: Any) -> None:
    admin.post("/_emulator/faults", json={"endpoint": "token", **spec}).raise_for_status()


def token_calls(admin: httpx.Client) -> int:
    log = admin.get("/_emulator/requests").json()["data"]
    return sum(1 for entry in log if entry["path"].endswith("/sso/token"))


def page_after(browser: Browser, response: httpx.Response) -> str:
    for _ in range(3):
        if response.status_code != 302:
            break
        response = browser.get(response.headers["location"])
    return response.text


def signed_out(browser: Browser) -> bool:
    return browser.get("/api/auth/session").json() == {}


@pytest.mark.parametrize(
    ("spec", "code", "words"),
    [
        ({"kind": "latency", "seconds": 3}, "ProviderUnavailable", "could not be reached"),
        ({"kind": "status", "status": 500}, "ProviderUnavailable", "could not be reached"),
        ({"kind": "status", "status": 502}, "ProviderUnavailable", "could not be reached"),
        ({"kind": "status", "status": 503}, "ProviderUnavailable", "could not be reached"),
        ({"kind": "status", "status": 429}, "ProviderUnavailable", "could not be reached"),
        ({"kind": "status", "status": 401}, "Configuration", "server configuration"),
        ({"kind": "invalid_grant"}, "Callback", "could not be completed"),
        ({"kind": "malformed_json"}, "Callback", "could not be completed"),
        ({"kind": "huge_body", "bytes": 50_000_000}, "Callback", "could not be completed"),
        (
            {"kind": "huge_body", "bytes": 50_000_000, "chunked": True},
            "Callback",
            "could not be completed",
        ),
    ],
    ids=[
        "slow-timeout",
        "500",
        "502",
        "503",
        "429",
        "401",
        "invalid_grant",
        "malformed-json",
        "50MB",
        "50MB-chunked",
    ],
)
def test_token_endpoint_faults_over_http(
    make_browser: Callable[..., Browser],
    emulator_url: str,
    admin: httpx.Client,
    spec: dict[str, Any],
    code: str,
    words: str,
) -> None:
    browser = make_browser(emulator_url, http_timeout=1.0)
    callback = approved_callback(browser)
    fault(admin, **spec)
    response = browser.get(callback)
    assert response.headers["location"] == ERROR + code
    assert words in page_after(browser, response)
    assert signed_out(browser)
    deadline = time.monotonic() + 6  # a slow call is logged by the emulator when it ends
    while token_calls(admin) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert token_calls(admin) == 1  # never retried


def test_a_base_url_that_is_a_website(
    make_browser: Callable[..., Browser], website_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """HTML where JSON was expected: the organization lookup falls back, the exchange
    ends in Callback, and the log suggests checking WORKOS_BASE_URL."""
    browser = make_browser(website_url)
    start = browser.start_sign_in()  # mapped domain: no lookup
    location = start.headers["location"]
    assert location.startswith(f"{website_url}/sso/authorize?")
    state = dict(httpx.URL(location).params)["state"]
    response = browser.callback(code="c", state=state)
    assert response.headers["location"] == ERROR + "Callback"
    assert signed_out(browser)
    assert any("WORKOS_BASE_URL" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    "base_url",
    [f"http://127.0.0.1:{free_port()}", "http://workos.invalid"],
    ids=["connection-refused", "dns-failure"],
)
def test_an_unreachable_workos(
    make_browser: Callable[..., Browser], base_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    browser = make_browser(base_url)
    # The organization lookup fails: the browser is not sent on to the dead URL.
    csrf = browser.csrf()
    lookup = browser.post(
        "/api/auth/signin/workos", data={"csrfToken": csrf, "email": "dave@unmapped.example"}
    )
    assert lookup.headers["location"].startswith(ERROR + "ProviderUnavailable")
    text = page_after(browser, lookup)
    assert "WorkOS could not be reached to sign you in. Please try again" in text
    assert 'value="dave@unmapped.example"' in text
    # A mapped domain needs no lookup; the exchange then fails the same way.
    start = browser.start_sign_in()
    state = dict(httpx.URL(start.headers["location"]).params)["state"]
    response = browser.callback(code="c", state=state)
    assert response.headers["location"] == ERROR + "ProviderUnavailable"
    assert signed_out(browser)
    failures = [r for r in caplog.records if r.name == "workos_middleware.audit"]
    assert any(base_url in r.getMessage() for r in failures)


@pytest.mark.parametrize("good_state", [True, False], ids=["good-state", "bad-state"])
def test_deny_at_the_emulator(
    make_browser: Callable[..., Browser],
    emulator_url: str,
    admin: httpx.Client,
    good_state: bool,
) -> None:
    browser = make_browser(emulator_url)
    start = browser.start_sign_in()
    location = idp_approve(start.headers["location"], None)
    assert "error=access_denied" in location
    if not good_state:
        location = re.sub(r"state=[^&]+", "state=forged", location)
    response = browser.get(location)
    expected = "Cancelled" if good_state else "OAuthCallback"
    assert response.headers["location"] == ERROR + expected
    assert signed_out(browser)
    assert token_calls(admin) == 0


def test_parallel_callbacks_with_one_code_give_exactly_one_session(
    make_browser: Callable[..., Browser], emulator_url: str, admin: httpx.Client
) -> None:
    browser = make_browser(emulator_url)
    callback = approved_callback(browser)
    state_cookie = browser.cookies["next-auth.state"]
    twins = [browser.twin() for _ in range(5)]
    for twin in twins:
        twin.set_cookie("next-auth.state", state_cookie)
    barrier = threading.Barrier(len(twins))
    results: list[httpx.Response] = []

    def go(twin: Browser) -> None:
        barrier.wait()
        results.append(twin.get(callback))

    threads = [threading.Thread(target=go, args=(t,)) for t in twins]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert len(results) == len(twins)
    winners = [r for r in results if r.headers["location"] == f"{APP_URL}/dashboard"]
    assert len(winners) == 1
    for response in results:
        assert response.status_code == 302
        assert response.headers["location"].startswith(APP_URL)
    assert token_calls(admin) == 1  # the rest refused before any exchange


def test_asgi_keeps_serving_while_a_token_call_is_slow(
    emulator_url: str, admin: httpx.Client
) -> None:
    """uvicorn, one event loop: a callback waiting on a slow WorkOS does not hold up the
    requests of other users (they are answered before it ends)."""
    port = free_port()
    app_url = f"http://127.0.0.1:{port}"
    provider = WorkOSProvider(
        client_id=DEFAULT_CLIENT_ID,
        client_secret=DEFAULT_API_KEY,
        base_url=emulator_url,
        domains={"example.com": EXAMPLE_ORG_ID},
    )
    middleware = AuthMiddleware(
        asgi_app(), config=make_config(providers=[provider], url=app_url, http_timeout=10.0)
    )
    server = uvicorn.Server(
        uvicorn.Config(middleware, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.01)
        with httpx.Client(base_url=app_url) as user:
            csrf = user.get("/api/auth/csrf").json()["csrfToken"]
            start = user.post(
                "/api/auth/signin/workos",
                data={"csrfToken": csrf, "email": "alice@example.com", "callbackUrl": "/"},
            )
            callback = idp_approve_any(start.headers["location"])  # loopback: registered
            fault(admin, kind="latency", seconds=3)
            done = threading.Event()
            outcome: list[httpx.Response] = []

            def slow() -> None:
                outcome.append(user.get(callback))
                done.set()

            waiting = threading.Thread(target=slow)
            waiting.start()
            while not _token_call_arrived(admin):
                time.sleep(0.02)
            with httpx.Client(base_url=app_url) as other:
                answers = [other.get("/api/auth/csrf") for _ in range(5)]
                answers.append(other.get("/"))
            served_meanwhile = not done.is_set()
            waiting.join(20)
        assert all(a.status_code == 200 for a in answers)
        assert served_meanwhile
        assert outcome[0].headers["location"] == f"{app_url}/"  # the slow one still succeeds
    finally:
        server.should_exit = True
        thread.join(10)


def idp_approve_any(authorize_url: str) -> str:
    with httpx.Client() as idp:
        page = idp.get(authorize_url)
        request_id = re.search(r'name="request" value="([^"]+)"', page.text)
        assert request_id is not None
        done = idp.post(
            authorize_url.split("?")[0] + "/complete",
            data={"request": request_id.group(1), "user": ALICE_ID},
        )
        assert done.status_code == 302, done.text
        return str(done.headers["location"])


def _token_call_arrived(admin: httpx.Client) -> bool:
    """The emulator logs a call when it arrives (a slow one before it answers)."""
    return token_calls(admin) > 0
