"""The adversarial suite: the bad input of ``security.md``, one category per section.

Every case runs on both adapters and asserts the safe outcome: the status, a
``Location`` on the app's origin, no session granted, no traceback, clean headers and,
where nothing should leave the app, no call to WorkOS (respx records every call, and
``no_calls`` asserts there were none). Open-redirect corpora are in
``test_open_redirects.py``, property-based fuzzing in ``test_fuzz.py``, provider faults
over real HTTP in ``test_provider_faults.py``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx

from support import (
    APP_URL,
    NO_ORGANIZATIONS,
    PROFILE,
    SECRET,
    TOKEN_RESPONSE,
    WORKOS_URL,
    make_provider,
    seal,
    session_cookie,
    session_token,
    sign,
)
from support.adversary import Browser, grants_session, headers_clean, no_traceback, on_origin

SESSION = "next-auth.session-token"
STATE = "next-auth.state"
CSRF = "next-auth.csrf-token"
CALLBACK_URL = "next-auth.callback-url"
OTHER_SECRET = "another-secret-0123456789abcdef"


@pytest.fixture
def workos() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=WORKOS_URL, assert_all_called=False) as router:
        router.get("/organizations", name="organizations").respond(200, json=NO_ORGANIZATIONS)
        router.post("/sso/token", name="token").respond(200, json=TOKEN_RESPONSE)
        yield router


def no_calls(router: respx.MockRouter) -> bool:
    return router.calls.call_count == 0


def safe(response: httpx.Response) -> None:
    """What every response under attack satisfies."""
    assert response.status_code < 500 or response.status_code == 503, response.text
    assert no_traceback(response)
    assert headers_clean(response)
    assert not grants_session(response, SESSION)
    if "location" in response.headers and response.status_code in (301, 302, 303, 307, 308):
        location = response.headers["location"]
        assert on_origin(location, APP_URL) or location.startswith(
            f"{WORKOS_URL}/sso/authorize?"
        ), location


def signed_out(browser: Browser) -> None:
    session = browser.get("/api/auth/session")
    assert session.status_code == 200
    assert session.json() == {}
    assert not browser.sees_private()
    assert browser.get("/").json()["session"] is None


def real_session(browser: Browser) -> str:
    """A session cookie value the middleware itself issued (a whole sign-in)."""
    start = browser.start_sign_in()
    done = browser.callback(code="code_1", state=browser.state_of(start))
    assert done.status_code == 302
    value = browser.cookies.get(SESSION)
    assert value, done.headers
    return value


def flip(value: str, index: int) -> str:
    char = value[index]
    return value[:index] + ("A" if char != "A" else "B") + value[index + 1 :]


# == 1. Session cookie ===================================================================

BAD_SESSION_VALUES: dict[str, Callable[[str], str]] = {
    "empty": lambda real: "",
    "null": lambda real: "null",
    "undefined": lambda real: "undefined",
    "garbage": lambda real: "garbage",
    "not base64": lambda real: "!!!***%%%",
    "three dots": lambda real: "a.b.c",
    "json object": lambda real: '{"sub":"prof_01ALICE"}',
    "signature flipped (last byte)": lambda real: flip(real, -1),
    "signature flipped (first byte)": lambda real: flip(real, real.rindex(".") + 1),
    "payload flipped": lambda real: flip(real, 3),
    "timestamp flipped": lambda real: flip(real, real.index(".") + 2),
    "signature removed": lambda real: real.rsplit(".", 1)[0],
    "signature doubled": lambda real: real + "." + real.rsplit(".", 1)[1],
    "truncated": lambda real: real[: len(real) // 2],
    "payload of another user": lambda real: session_cookie(
        session_token(sub="prof_01MALLORY"), secret=OTHER_SECRET
    ),
    "another secret": lambda real: session_cookie(session_token(), secret=OTHER_SECRET),
    "expired": lambda real: session_cookie(session_token(), age=31 * 86400),
    "from the future": lambda real: session_cookie(session_token(), age=-3600),
    "a list": lambda real: session_cookie(["prof_01ALICE"]),
    "a string": lambda real: session_cookie("prof_01ALICE"),
    "a dict without sub": lambda real: session_cookie({"email": "alice@example.com"}),
    "sub not a string": lambda real: session_cookie({"sub": 1234}),
    "a state cookie value": lambda real: sign(
        "state", {"s": "x", "v": "y", "p": "workos", "u": APP_URL}
    ),
    "a callback-url cookie value": lambda real: sign("callback_url", APP_URL),
    "a session shape signed as state": lambda real: sign("state", session_token()),
    "a session shape signed as csrf": lambda real: sign("csrf", session_token()),
    "5 KB of garbage": lambda real: "x" * 5000,
    "a real value with a NUL": lambda real: real + "\x00",
    "quoted real value, tampered": lambda real: '"' + flip(real, 5) + '"',
    "unicode": lambda real: "séssion-\u2603",
}


@pytest.mark.parametrize("case", sorted(BAD_SESSION_VALUES))
def test_session_cookie_forgeries_sign_nobody_in(
    make_browser: Callable[..., Browser], workos: respx.MockRouter, case: str
) -> None:
    issuer = make_browser()
    real = real_session(issuer)
    browser = make_browser()
    value = BAD_SESSION_VALUES[case](real)
    cookie = f"{SESSION}={value}".encode()
    for path in ("/api/auth/session", "/private", "/"):
        response = browser.raw("GET", path, [(b"cookie", cookie)])
        safe(response)
        assert "the protected content" not in response.text
        if path == "/api/auth/session":
            assert response.json() == {}


def test_a_real_session_is_the_control_case(
    make_browser: Callable[..., Browser], workos: respx.MockRouter
) -> None:
    """The same requests with the untouched cookie do sign in: the cases above fail
    because of what was changed, not because of how it was sent."""
    real = real_session(make_browser())
    browser = make_browser()
    cookie = f"{SESSION}={real}".encode()
    assert browser.raw("GET", "/private", [(b"cookie", cookie)]).text == "the protected content"


SESSION_HEADER_CASES: dict[str, Callable[[str], bytes]] = {
    "non-UTF-8 bytes": lambda real: b"next-auth.session-token=\xff\xfe\x80",
    "non-UTF-8 around a tampered value": lambda real: (
        b"a=\xff; next-auth.session-token=" + flip(real, 4).encode() + b"; b=\xc3("
    ),
    "garbage first, real second (first wins)": lambda real: (
        f"{SESSION}=garbage; {SESSION}={real}".encode()
    ),
    "chunk 0 only": lambda real: f"{SESSION}.0={real[:40]}".encode(),
    "chunks of a tampered value": lambda real: (
        f"{SESSION}.0={real[:20]}; {SESSION}.1={flip(real, 25)[20:]}".encode()
    ),
    "chunks out of order": lambda real: (
        f"{SESSION}.1={real[:20]}; {SESSION}.0={real[20:]}".encode()
    ),
    "name with trailing space": lambda real: f"{SESSION} ={flip(real, 2)}".encode(),
    "70 KB cookie header": lambda real: f"{SESSION}={'x' * 70_000}".encode(),
}


@pytest.mark.parametrize("case", sorted(SESSION_HEADER_CASES))
def test_session_cookie_header_tricks(
    make_browser: Callable[..., Browser], workos: respx.MockRouter, case: str
) -> None:
    real = real_session(make_browser())
    browser = make_browser()
    header = SESSION_HEADER_CASES[case](real)
    for path in ("/api/auth/session", "/private"):
        response = browser.raw("GET", path, [(b"cookie", header)])
        safe(response)
        assert "the protected content" not in response.text
        if path == "/api/auth/session" and response.status_code == 200:
            assert response.json() == {}


def test_old_secret_during_rotation_is_accepted_and_after_it_refused(
    make_browser: Callable[..., Browser], workos: respx.MockRouter
) -> None:
    real = real_session(make_browser(secret=OTHER_SECRET))
    cookie = [(b"cookie", f"{SESSION}={real}".encode())]
    during = make_browser(secret=[OTHER_SECRET, SECRET])
    assert during.raw("GET", "/private", cookie).text == "the protected content"
    after = make_browser(secret=[SECRET])
    response = after.raw("GET", "/private", cookie)
    safe(response)
    assert response.status_code == 403


def test_a_bad_session_cookie_is_cleared(browser: Browser, workos: respx.MockRouter) -> None:
    response = browser.raw("GET", "/api/auth/session", [(b"cookie", f"{SESSION}=junk".encode())])
    assert any(
        h.startswith(f"{SESSION}=;") and "Max-Age=0" in h
        for h in response.headers.get_list("set-cookie")
    )
    assert no_calls(workos)


# == 2. State and callback ================================================================


def callback_refused(response: httpx.Response, router: respx.MockRouter) -> None:
    safe(response)
    assert response.status_code == 302
    assert response.headers["location"].startswith(f"{APP_URL}/api/auth/error?error=")
    assert router["token"].call_count == 0


STATE_CASES: dict[str, Callable[[Browser, str], dict[str, str]]] = {
    "no state": lambda b, s: {"code": "c"},
    "empty state": lambda b, s: {"code": "c", "state": ""},
    "mismatched state": lambda b, s: {"code": "c", "state": s[:-2] + "xx"},
    "state of another length": lambda b, s: {"code": "c", "state": s + "x"},
    "state with a NUL": lambda b, s: {"code": "c", "state": s + "\x00"},
    "state with CR LF": lambda b, s: {"code": "c", "state": s + "\r\nX-Injected: 1"},
    "7 KB state": lambda b, s: {"code": "c", "state": "s" * 7000},
    "unicode state": lambda b, s: {"code": "c", "state": "\u2603" * 20},
    "no code": lambda b, s: {"state": s},
    "empty code": lambda b, s: {"code": "", "state": s},
    "5 KB code": lambda b, s: {"code": "c" * 5000, "state": s},
}


@pytest.mark.parametrize("case", sorted(STATE_CASES))
def test_callback_parameters_without_a_usable_state_or_code(
    browser: Browser, workos: respx.MockRouter, case: str
) -> None:
    state = browser.state_of(browser.start_sign_in())
    response = browser.callback(**STATE_CASES[case](browser, state))
    callback_refused(response, workos)
    signed_out(browser)


STATE_COOKIE_CASES: dict[str, Callable[[str], str | None]] = {
    "no state cookie": lambda real: None,
    "empty state cookie": lambda real: "",
    "flipped signature": lambda real: flip(real, -1),
    "flipped payload": lambda real: flip(real, 4),
    "truncated": lambda real: real[:30],
    "another secret": lambda real: seal(
        "state", {"s": "S", "v": "v" * 43, "p": "workos", "u": APP_URL}, secret=OTHER_SECRET
    ),
    "expired": lambda real: seal(
        "state", {"s": "S", "v": "v" * 43, "p": "workos", "u": APP_URL}, age=16 * 60
    ),
    "from the future": lambda real: seal(
        "state", {"s": "S", "v": "v" * 43, "p": "workos", "u": APP_URL}, age=-600
    ),
    "for another provider": lambda real: seal(
        "state", {"s": "S", "v": "v" * 43, "p": "github", "u": APP_URL}
    ),
    "signed as a session": lambda real: sign(
        "session", {"s": "S", "v": "v" * 43, "p": "workos", "u": APP_URL}
    ),
    "signed as a callback url": lambda real: sign(
        "callback_url", {"s": "S", "v": "v" * 43, "p": "workos", "u": APP_URL}
    ),
    "wrong shape (list)": lambda real: sign("state", ["S", "v", "workos", APP_URL]),
    "wrong shape (numbers)": lambda real: sign("state", {"s": 1, "v": 2, "p": 3, "u": 4}),
    "9 KB of garbage": lambda real: "g" * 9000,
}


@pytest.mark.parametrize("case", sorted(STATE_COOKIE_CASES))
def test_state_cookie_forgeries(browser: Browser, workos: respx.MockRouter, case: str) -> None:
    """The query's state is ``S`` (or the real one); the cookie is what is changed."""
    browser.state_of(browser.start_sign_in())
    real = browser.cookies[STATE]
    replacement = STATE_COOKIE_CASES[case](real)
    browser.cookies.delete(STATE)
    if replacement is not None:
        browser.set_cookie(STATE, replacement)
    response = browser.callback(code="c", state="S")
    callback_refused(response, workos)
    signed_out(browser)


def test_attackers_code_and_state_in_a_victims_browser(
    make_browser: Callable[..., Browser], workos: respx.MockRouter
) -> None:
    attacker, victim = make_browser(), make_browser()
    attacker_state = attacker.state_of(attacker.start_sign_in())
    victim.state_of(victim.start_sign_in())
    response = victim.callback(code="attackers_code", state=attacker_state)
    callback_refused(response, workos)
    signed_out(victim)


def test_the_same_callback_twice_exchanges_once(browser: Browser, workos: respx.MockRouter) -> None:
    state = browser.state_of(browser.start_sign_in())
    state_cookie = browser.cookies[STATE]
    first = browser.callback(code="c", state=state)
    assert first.headers["location"] == f"{APP_URL}/dashboard"
    browser.set_cookie(STATE, state_cookie)  # even with the state cookie kept
    second = browser.callback(code="c", state=state)
    safe(second)
    assert second.headers["location"].startswith(f"{APP_URL}/api/auth/error?error=")
    assert workos["token"].call_count == 1


def test_a_copied_state_cookie_gives_no_second_session(
    make_browser: Callable[..., Browser], workos: respx.MockRouter
) -> None:
    """RFC 9700's one-time state: the cookie copied to another browser, and a second
    code approved for the same state, sign nobody else in."""
    victim = make_browser()
    state = victim.state_of(victim.start_sign_in())
    copied = victim.cookies[STATE]
    assert victim.callback(code="c1", state=state).headers["location"] == f"{APP_URL}/dashboard"
    other = victim.twin()
    other.set_cookie(STATE, copied)
    response = other.callback(code="c2", state=state)
    callback_refused_after_one(response, workos)
    signed_out(other)


def callback_refused_after_one(response: httpx.Response, router: respx.MockRouter) -> None:
    safe(response)
    assert response.headers["location"].startswith(f"{APP_URL}/api/auth/error?error=")
    assert router["token"].call_count == 1


def test_parallel_callbacks_with_one_code_give_one_session(
    browser: Browser, workos: respx.MockRouter
) -> None:
    state = browser.state_of(browser.start_sign_in())
    state_cookie = browser.cookies[STATE]
    twins = [browser.twin() for _ in range(6)]
    for twin in twins:
        twin.set_cookie(STATE, state_cookie)
    results: list[httpx.Response] = []
    barrier = threading.Barrier(len(twins))

    def go(twin: Browser) -> None:
        barrier.wait()
        results.append(twin.callback(code="the_code", state=state))

    threads = [threading.Thread(target=go, args=(t,)) for t in twins]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    granted = [r for r in results if grants_session_any(r)]
    assert len(results) == len(twins)
    assert len(granted) == 1
    assert workos["token"].call_count == 1
    for response in results:
        assert response.status_code == 302
        assert on_origin(response.headers["location"], APP_URL)


def grants_session_any(response: httpx.Response) -> bool:
    return any(
        h.startswith(f"{SESSION}=") and not h.startswith(f"{SESSION}=;")
        for h in response.headers.get_list("set-cookie")
    )


def test_repeated_code_and_state_use_the_first(browser: Browser, workos: respx.MockRouter) -> None:
    state = browser.state_of(browser.start_sign_in())
    query = f"code=first&code=second&state={state}&state=other"
    response = browser.get(f"/api/auth/callback/workos?{query}")
    assert response.headers["location"] == f"{APP_URL}/dashboard"
    assert json.loads(workos["token"].calls.last.request.content)["code"] == "first"


def test_repeated_state_with_the_real_one_second_is_refused(
    browser: Browser, workos: respx.MockRouter
) -> None:
    state = browser.state_of(browser.start_sign_in())
    response = browser.get(f"/api/auth/callback/workos?code=c&state=bad&state={state}")
    callback_refused(response, workos)


@pytest.mark.parametrize(
    "error",
    ["access_denied", "server_error", "organization_invalid", "x" * 5000, "a\r\nb", "\x00"],
)
@pytest.mark.parametrize("good_state", [True, False], ids=["good-state", "bad-state"])
def test_error_from_the_idp_never_exchanges(
    browser: Browser, workos: respx.MockRouter, error: str, good_state: bool
) -> None:
    state = browser.state_of(browser.start_sign_in())
    response = browser.callback(
        error=error, error_description="d\r\n" * 100, state=state if good_state else "bad"
    )
    callback_refused(response, workos)
    if not good_state:
        assert response.headers["location"].endswith("error=OAuthCallback")
    signed_out(browser)


def test_callback_for_an_unknown_provider(browser: Browser, workos: respx.MockRouter) -> None:
    state = browser.state_of(browser.start_sign_in())
    response = browser.get("/api/auth/callback/github", params={"code": "c", "state": state})
    callback_refused(response, workos)


def test_state_issued_for_another_provider(
    make_browser: Callable[..., Browser], workos: respx.MockRouter
) -> None:
    browser = make_browser(providers=[make_provider(), make_provider(id="second", name="Two")])
    start = browser.post(
        "/api/auth/signin/second",
        data={"csrfToken": browser.csrf(), "email": "alice@example.com"},
    )
    state = browser.state_of(start)
    response = browser.callback(code="c", state=state)  # to /callback/workos
    callback_refused(response, workos)


# == 3. CSRF ===============================================================================

POST_ROUTES = ["/api/auth/signin/workos", "/api/auth/signout"]


CSRF_CASES: dict[str, Callable[[Browser, str], dict[str, Any]]] = {
    "no token, no cookie": lambda b, t: {"cookies": False, "data": {}},
    "no token": lambda b, t: {"data": {}},
    "empty token": lambda b, t: {"data": {"csrfToken": ""}},
    "mismatched token": lambda b, t: {
        "data": {"csrfToken": t[:-1] + ("1" if t.endswith("0") else "0")}
    },
    "cookie only (token from elsewhere)": lambda b, t: {"data": {"csrfToken": "0" * 64}},
    "body only (no cookie)": lambda b, t: {"cookies": False, "data": {"csrfToken": t}},
    "cookie of another secret": lambda b, t: {"cookie": "other-secret", "data": {"csrfToken": t}},
    "cookie without its HMAC": lambda b, t: {"cookie": "bare", "data": {"csrfToken": t}},
    "token in the query only": lambda b, t: {"data": {}, "params": {"csrfToken": t}},
    "cross-origin Origin": lambda b, t: {
        "data": {"csrfToken": t},
        "headers": {"origin": "https://evil.test"},
    },
    "Origin null": lambda b, t: {"data": {"csrfToken": t}, "headers": {"origin": "null"}},
    "look-alike Origin": lambda b, t: {
        "data": {"csrfToken": t},
        "headers": {"origin": "http://app.test.evil.test"},
    },
    "https Origin for an http app": lambda b, t: {
        "data": {"csrfToken": t},
        "headers": {"origin": "https://app.test"},
    },
    "Origin with another port": lambda b, t: {
        "data": {"csrfToken": t},
        "headers": {"origin": "http://app.test:8080"},
    },
    "Sec-Fetch-Site cross-site": lambda b, t: {
        "data": {"csrfToken": t},
        "headers": {"sec-fetch-site": "cross-site"},
    },
    "Sec-Fetch-Site same-site (a sibling subdomain)": lambda b, t: {
        "data": {"csrfToken": t},
        "headers": {"sec-fetch-site": "same-site"},
    },
    "text/plain body": lambda b, t: {
        "content": f"csrfToken={t}".encode(),
        "headers": {"content-type": "text/plain"},
    },
    "multipart body": lambda b, t: {"files": {"csrfToken": (None, t)}},
    "xml body": lambda b, t: {
        "content": f"<csrfToken>{t}</csrfToken>".encode(),
        "headers": {"content-type": "application/xml"},
    },
    "no content type": lambda b, t: {"content": f"csrfToken={t}".encode(), "headers": {}},
    "json array": lambda b, t: {"json": [t]},
    "json token not a string": lambda b, t: {"json": {"csrfToken": [t]}},
}


@pytest.mark.parametrize("route", POST_ROUTES, ids=["signin", "signout"])
@pytest.mark.parametrize("case", sorted(CSRF_CASES))
def test_csrf_refusals(
    make_browser: Callable[..., Browser], workos: respx.MockRouter, route: str, case: str
) -> None:
    browser = make_browser()
    token = browser.csrf()
    spec = CSRF_CASES[case](browser, token)
    if spec.pop("cookies", True) is False:
        browser.cookies.clear()
    cookie = spec.pop("cookie", None)
    if cookie == "other-secret":
        other = make_browser(secret=OTHER_SECRET)
        other.csrf()
        browser.set_cookie(
            CSRF, other.cookies[CSRF].replace(other.cookies[CSRF].split("|")[0], token)
        )
    elif cookie == "bare":
        browser.set_cookie(CSRF, token)
    data = spec.pop("data", None)
    if data is not None:
        spec["data"] = {**data, "email": "alice@example.com", "callbackUrl": "/x"}
    response = browser.post(route, **spec)
    safe(response)
    assert response.status_code == 302
    target = "/api/auth/signin" if "signin" in route else "/api/auth/signout"
    assert response.headers["location"] == f"{APP_URL}{target}?csrf=true"
    assert no_calls(workos)
    assert not any(h.startswith(STATE + "=") for h in response.headers.get_list("set-cookie"))


def test_the_control_case_passes_csrf(browser: Browser, workos: respx.MockRouter) -> None:
    response = browser.post(
        "/api/auth/signin/workos",
        data={"csrfToken": browser.csrf(), "email": "alice@example.com"},
        headers={"origin": APP_URL, "sec-fetch-site": "same-origin"},
    )
    assert response.headers["location"].startswith(f"{WORKOS_URL}/sso/authorize?")


def test_json_body_with_a_good_token_passes(browser: Browser, workos: respx.MockRouter) -> None:
    response = browser.post(
        "/api/auth/signin/workos", json={"csrfToken": browser.csrf(), "email": "a@example.com"}
    )
    assert response.headers["location"].startswith(f"{WORKOS_URL}/sso/authorize?")


def test_get_signout_only_shows_a_confirmation(
    make_browser: Callable[..., Browser], workos: respx.MockRouter
) -> None:
    browser = make_browser()
    real_session(browser)
    response = browser.get("/api/auth/signout", params={"callbackUrl": "https://evil.test"})
    assert response.status_code == 200
    assert "Are you sure" in response.text
    assert not any(h.startswith(SESSION) for h in response.headers.get_list("set-cookie"))
    assert browser.signed_in()


def test_cross_site_signout_keeps_the_session(
    make_browser: Callable[..., Browser], workos: respx.MockRouter
) -> None:
    browser = make_browser()
    real_session(browser)
    token = browser.csrf()
    response = browser.post(
        "/api/auth/signout", data={"csrfToken": token}, headers={"origin": "https://evil.test"}
    )
    safe(response)
    assert browser.signed_in()


# == 4. Redirect targets at the less common entry points ===================================

HOSTILE_URLS = [
    "https://evil.test/",
    "//evil.test",
    "/\\evil.test",
    "/\t/evil.test",
    "https:evil.test",
    "javascript:alert(1)",
    "http://app.test@evil.test/",
    "http://app.test.evil.test/",
    "/x\r\nSet-Cookie: a=b",
    "http://[",
]


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_callback_url_in_the_query_of_the_sign_in_post(
    browser: Browser, workos: respx.MockRouter, url: str
) -> None:
    start = browser.post(
        "/api/auth/signin/workos",
        params={"callbackUrl": url},
        data={"csrfToken": browser.csrf(), "email": "alice@example.com"},
    )
    done = browser.callback(code="c", state=browser.state_of(start))
    assert done.headers["location"] in (APP_URL, APP_URL + "/")


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_callback_url_with_json_true(browser: Browser, workos: respx.MockRouter, url: str) -> None:
    response = browser.post(
        "/api/auth/signout", data={"csrfToken": browser.csrf(), "callbackUrl": url, "json": "true"}
    )
    assert response.status_code == 200
    assert response.json() == {"url": APP_URL}


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_callback_url_reflected_in_built_in_pages_is_escaped(
    browser: Browser, workos: respx.MockRouter, url: str
) -> None:
    for path in ("/api/auth/signin", "/api/auth/signout"):
        response = browser.get(path, params={"callbackUrl": url + '"><script>alert(1)</script>'})
        assert response.status_code == 200
        assert "<script>alert(1)" not in response.text
        safe(response)


def test_hostile_redirect_callback_result_is_contained(
    make_browser: Callable[..., Browser], workos: respx.MockRouter
) -> None:
    """A user ``redirect`` callback returning garbage or header-breaking text."""
    for result in ("/ok\r\nX-Injected: 1", "javascript:alert(1)", 42, None, "\\\\evil.test"):
        browser = make_browser(callbacks={"redirect": lambda url, base, r=result: r})
        response = browser.post(
            "/api/auth/signout", data={"csrfToken": browser.csrf(), "callbackUrl": "/x"}
        )
        safe(response)
        assert response.headers["location"] == APP_URL


# == 5. Headers ===============================================================================

SPOOFED_HEADERS = {
    "Host": {"host": "evil.test"},
    "X-Forwarded-Host": {"x-forwarded-host": "evil.test"},
    "X-Forwarded-Proto": {"x-forwarded-proto": "https"},
    "X-Forwarded-Port": {"x-forwarded-port": "8443"},
    "Forwarded": {"forwarded": "host=evil.test;proto=https"},
    "X-Original-URL": {"x-original-url": "/api/auth/session"},
    "X-Rewrite-URL": {"x-rewrite-url": "/private"},
    "all of them": {
        "host": "evil.test",
        "x-forwarded-host": "evil.test",
        "x-forwarded-proto": "https",
        "forwarded": "host=evil.test;proto=https",
    },
}


@pytest.mark.parametrize("case", sorted(SPOOFED_HEADERS))
def test_spoofed_headers_from_an_untrusted_peer_change_no_url(
    browser: Browser, workos: respx.MockRouter, case: str
) -> None:
    headers = SPOOFED_HEADERS[case]
    start = browser.post(
        "/api/auth/signin/workos",
        data={"csrfToken": browser.csrf(), "email": "alice@example.com", "callbackUrl": "/d"},
        headers=headers,
    )
    query = parse_qs(urlsplit(start.headers["location"]).query)
    assert query["redirect_uri"] == [f"{APP_URL}/api/auth/callback/workos"]
    done = browser.get(
        "/api/auth/callback/workos",
        params={"code": "c", "state": query["state"][0]},
        headers=headers,
    )
    assert done.headers["location"] == f"{APP_URL}/d"
    page = browser.get("/api/auth/signin", headers=headers)
    assert "evil.test" not in page.text
    assert browser.get("/api/auth/providers", headers=headers).text.count("evil.test") == 0


INJECTION_CASES = {
    "error page code": "/api/auth/error?error=x%0d%0aX-Injected:%201",
    "error page code to sign-in": "/api/auth/error?error=OAuthSignin%0d%0aX-Injected:%201",
    "sign-in page error": "/api/auth/signin?error=%0d%0aX-Injected:%201",
    "custom sign-in redirect": "/api/auth/signin?callbackUrl=%0d%0aX-Injected:%201",
    "callback error": "/api/auth/callback/workos?error=%0d%0aX-Injected:%201&state=s",
}


@pytest.mark.parametrize("case", sorted(INJECTION_CASES))
def test_no_header_injection(
    make_browser: Callable[..., Browser], workos: respx.MockRouter, case: str
) -> None:
    browser = make_browser(pages={"signIn": "/login"})
    response = browser.get(INJECTION_CASES[case])
    safe(response)
    assert "x-injected" not in response.headers


def test_login_hint_cannot_inject_into_the_authorize_url(
    browser: Browser, workos: respx.MockRouter
) -> None:
    response = browser.post(
        "/api/auth/signin/workos",
        data={"csrfToken": browser.csrf(), "email": "a&client_id=evil@example.com"},
    )
    safe(response)
    if response.headers["location"].startswith(WORKOS_URL):
        query = parse_qs(urlsplit(response.headers["location"]).query)
        assert query["client_id"] == ["client_01TEST"]


AUTH_ROUTES = [
    ("GET", "/api/auth/signin"),
    ("GET", "/api/auth/signout"),
    ("GET", "/api/auth/session"),
    ("GET", "/api/auth/csrf"),
    ("GET", "/api/auth/providers"),
    ("GET", "/api/auth/error?error=AccessDenied"),
    ("GET", "/api/auth/callback/workos"),
    ("POST", "/api/auth/signin/workos"),
    ("POST", "/api/auth/signout"),
    ("GET", "/api/auth/nowhere"),
]


@pytest.mark.parametrize(("method", "path"), AUTH_ROUTES)
def test_auth_responses_are_never_stored_by_caches(
    browser: Browser, workos: respx.MockRouter, method: str, path: str
) -> None:
    response = browser.request(method, path)
    assert "no-store" in response.headers["cache-control"]
    assert "cookie" in response.headers["vary"].lower()


def test_pages_carry_a_csp_without_inline_script(browser: Browser) -> None:
    for path in ("/api/auth/signin", "/api/auth/signout", "/api/auth/error?error=Configuration"):
        csp = browser.get(path).headers["content-security-policy"]
        directives = dict(
            ([*part.strip().split(" ", 1), ""])[:2] for part in csp.split(";") if part.strip()
        )
        assert directives["default-src"] == "'none'"
        assert "script-src" not in directives or "'unsafe-inline'" not in directives["script-src"]
        assert directives["frame-ancestors"] == "'none'"
        assert directives.get("form-action", "'self'") in ("'self'", f"'self' {WORKOS_URL}")


def test_a_refreshed_session_on_a_public_app_response_is_made_private(
    make_browser: Callable[..., Browser], workos: respx.MockRouter
) -> None:
    """The app marks a page cacheable; the session refreshed on it must not be shared."""
    browser = make_browser(session_update_age=0)
    real_session(browser)
    response = browser.get("/cached")
    assert any(h.startswith(SESSION + "=") for h in response.headers.get_list("set-cookie"))
    cache_control = response.headers["cache-control"]
    assert "public" not in cache_control
    assert "private" in cache_control or "no-store" in cache_control
    assert "cookie" in response.headers["vary"].lower()


def test_a_cleared_session_on_an_app_response_is_made_private(browser: Browser) -> None:
    response = browser.raw("GET", "/cached", [(b"cookie", f"{SESSION}=junk".encode())])
    assert response.headers.get_list("set-cookie")
    assert "public" not in response.headers["cache-control"]
    assert "cookie" in response.headers["vary"].lower()


def test_an_app_response_without_cookies_keeps_its_caching(browser: Browser) -> None:
    response = browser.get("/cached")
    assert response.headers["cache-control"] == "public, max-age=600"
    assert "set-cookie" not in response.headers


# == 6. Bad input: paths, methods, bodies, sizes ============================================

ODD_PATHS = [
    "/api/auth",
    "/api/auth/",
    "/api/auth//",
    "/api/auth/nowhere",
    "/api/auth/signin/",
    "/api/auth/signin/nobody",
    "/api/auth/signin/workos/extra",
    "/api/auth/callback/",
    "/api/auth/callback/workos/extra",
    "/api/auth//signin",
    "/api/auth/SESSION",
    "/api/auth/session;jsessionid=1",
    "/api/auth/session/",
    "/api/auth/session%00",
    "/api/auth/%00",
    "/api/auth/%ff%fe",
    "/api/auth/%c3%28",
    "/api/auth/signin/%2e%2e",
    "/api/auth/signin/..%2f..%2fsession",
    "/api/auth/signin/%2fworkos",
    "/api/auth/%2e%2e/%2e%2e/private",
    "/api/auth/error?error=%ff",
    "/api/auth/error?error=" + "E" * 5000,
    "/api/auth/session?%zz=%zz",
    "/api/auth/" + "a" * 8000,
]


@pytest.mark.parametrize("path", ODD_PATHS)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_odd_paths_under_the_base_path(
    browser: Browser, workos: respx.MockRouter, path: str, method: str
) -> None:
    response = browser.raw(method, path)
    safe(response)
    assert response.status_code < 500
    assert no_calls(workos)


@pytest.mark.parametrize(
    "method", ["PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND", "FOO"]
)
def test_other_methods(browser: Browser, workos: respx.MockRouter, method: str) -> None:
    for path in ("/api/auth/session", "/api/auth/signin/workos", "/api/auth/callback/workos"):
        response = browser.raw(method, path)
        safe(response)
        assert response.status_code in (404, 405), (method, path, response.status_code)
    assert no_calls(workos)


def test_head_of_the_session(browser: Browser) -> None:
    response = browser.request("HEAD", "/api/auth/session")
    assert response.status_code == 200
    assert response.content == b""


def many_fields(count: int, token: str) -> bytes:
    fields = [f"f{i}=v" for i in range(count)] + [f"csrfToken={token}"]
    return "&".join(fields).encode()


def deep_json(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


HOSTILE_BODIES: dict[str, Callable[[str], tuple[bytes, str]]] = {
    "65 form fields": lambda t: (many_fields(65, t), "application/x-www-form-urlencoded"),
    "1000 form fields": lambda t: (many_fields(1000, t), "application/x-www-form-urlencoded"),
    "JSON nested 5000 deep": lambda t: (deep_json(5000), "application/json"),
    "JSON nested 100000 deep (arrays)": lambda t: (
        b"[" * 30000 + b"]" * 30000,
        "application/json",
    ),
    "JSON with a huge number": lambda t: (
        b'{"csrfToken": ' + b"9" * 5000 + b"}",
        "application/json",
    ),
    "invalid JSON": lambda t: (b'{"csrfToken": "', "application/json"),
    "invalid UTF-8 form": lambda t: (
        b"csrfToken=\xff\xfe&email=\xc3(",
        "application/x-www-form-urlencoded",
    ),
    "invalid UTF-8 JSON": lambda t: (b'{"csrfToken": "\xff"}', "application/json"),
    "NUL bytes": lambda t: (
        b"csrfToken=\x00\x00&callbackUrl=/\x00",
        "application/x-www-form-urlencoded",
    ),
    "percent garbage": lambda t: (b"csrfToken=%zz%&&&==&%", "application/x-www-form-urlencoded"),
    "charset utf-16": lambda t: (
        f"csrfToken={t}".encode("utf-16"),
        "application/x-www-form-urlencoded; charset=utf-16",
    ),
    "content type with garbage parameters": lambda t: (
        f"csrfToken={t}".encode(),
        'application/x-www-form-urlencoded; ;;; boundary="',
    ),
    "multipart without boundary": lambda t: (b"--x\r\n\r\n", "multipart/form-data"),
    "65 KB form": lambda t: (b"a=" + b"b" * 65 * 1024, "application/x-www-form-urlencoded"),
}


@pytest.mark.parametrize(
    "path", ["/api/auth/signin/workos", "/api/auth/signout", "/api/auth/callback/workos"]
)
@pytest.mark.parametrize("case", sorted(HOSTILE_BODIES))
def test_hostile_bodies_get_a_4xx_or_the_csrf_refusal(
    browser: Browser, workos: respx.MockRouter, path: str, case: str
) -> None:
    token = browser.csrf()
    body, content_type = HOSTILE_BODIES[case](token)
    response = browser.post(path, content=body, headers={"content-type": content_type})
    safe(response)
    assert response.status_code in (302, 400, 413), response.status_code
    if case.startswith(("65 form", "1000 form", "JSON nested")):
        assert response.status_code == 400
    if case.startswith("65 KB"):
        assert response.status_code == 413
    assert no_calls(workos)
    assert browser.get("/api/auth/session").status_code == 200  # still serving


def test_hostile_bodies_leave_no_traceback_in_the_log(
    browser: Browser, workos: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    token = browser.csrf()
    for body, content_type in (
        (many_fields(1000, token), "application/x-www-form-urlencoded"),
        (deep_json(5000), "application/json"),
    ):
        browser.post("/api/auth/signout", content=body, headers={"content-type": content_type})
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records]
    assert all(r.levelname != "ERROR" for r in caplog.records)


SIZE_CASES = {
    "query 9 KB": ("GET", "/api/auth/session?x=" + "q" * 9000, [], 414),
    "cookie header 70 KB": ("GET", "/api/auth/session", [(b"cookie", b"a=" + b"c" * 70_000)], 431),
    "body 70 KB": (
        "POST",
        "/api/auth/signout",
        [(b"content-type", b"application/x-www-form-urlencoded")],
        413,
    ),
}


@pytest.mark.parametrize("case", sorted(SIZE_CASES))
def test_size_limits(browser: Browser, workos: respx.MockRouter, case: str) -> None:
    method, target, headers, status = SIZE_CASES[case]
    body = b"a=" + b"b" * 70_000 if method == "POST" else b""
    response = browser.raw(method, target, headers, body)
    safe(response)
    assert response.status_code == status
    assert no_calls(workos)


def test_content_length_that_lies(browser: Browser, workos: respx.MockRouter) -> None:
    for value in (b"-1", b"abc", b"99999999999999999999", b"0"):
        response = browser.raw(
            "POST",
            "/api/auth/signout",
            [(b"content-length", value), (b"content-type", b"application/x-www-form-urlencoded")],
        )
        safe(response)
        assert response.status_code in (302, 400, 413)


PROTECTED_VARIANTS = [
    "/private",
    "/PRIVATE",
    "//private",
    "/./private",
    "/x/../private",
    "/%70rivate",
    "/private/",
    "/private;x",
    "/private%00",
    "/private%2f",
    "/private/%2e%2e/private",
    "/private/%ff",
    "/private?api/auth/session",
    "/api/auth/../../private",
    "/api/auth/%2e%2e/%2e%2e/private",
]


@pytest.mark.parametrize("path", PROTECTED_VARIANTS)
def test_protected_route_variants_without_a_session(
    browser: Browser, workos: respx.MockRouter, path: str
) -> None:
    response = browser.raw("GET", path)
    safe(response)
    assert "the protected content" not in response.text


# == 7. Provider faults (respx; over real HTTP in test_provider_faults.py) ===================

ERROR_PAGE = f"{APP_URL}/api/auth/error?error="

TOKEN_FAULTS: dict[str, tuple[Callable[[respx.Route], Any], str]] = {
    "400 invalid_grant": (
        lambda r: r.respond(400, json={"error": "invalid_grant", "error_description": "used"}),
        "Callback",
    ),
    "400 invalid_client": (
        lambda r: r.respond(400, json={"error": "invalid_client", "error_description": "bad"}),
        "Configuration",
    ),
    "401": (lambda r: r.respond(401, json={"message": "Unauthorized"}), "Configuration"),
    "403": (lambda r: r.respond(403, json={"message": "Forbidden"}), "Configuration"),
    "404 (wrong base URL)": (lambda r: r.respond(404, text="Not Found"), "Configuration"),
    "422": (lambda r: r.respond(422, json={"message": "bad"}), "Callback"),
    "429": (lambda r: r.respond(429, json={"message": "slow down"}), "ProviderUnavailable"),
    "500": (lambda r: r.respond(500, json={"message": "boom"}), "ProviderUnavailable"),
    "502 HTML": (
        lambda r: r.respond(502, text="<html>Bad gateway</html>", content_type="text/html"),
        "ProviderUnavailable",
    ),
    "503": (lambda r: r.respond(503, json={"message": "down"}), "ProviderUnavailable"),
    "504": (lambda r: r.respond(504, text=""), "ProviderUnavailable"),
    "200 HTML": (
        lambda r: r.respond(200, text="<html>login</html>", content_type="text/html"),
        "Callback",
    ),
    "200 invalid JSON": (lambda r: r.respond(200, text='{"profile": {'), "Callback"),
    "200 JSON array": (lambda r: r.respond(200, json=[TOKEN_RESPONSE]), "Callback"),
    "200 empty": (lambda r: r.respond(200, text=""), "Callback"),
    "200 without profile or token": (lambda r: r.respond(200, json={}), "Callback"),
    "200 profile not an object": (
        lambda r: r.respond(200, json={**TOKEN_RESPONSE, "profile": "alice", "access_token": ""}),
        "Callback",
    ),
    "200 profile without id": (
        lambda r: r.respond(200, json={**TOKEN_RESPONSE, "profile": {**PROFILE, "id": None}}),
        "Callback",
    ),
    "2 MB body": (lambda r: r.respond(200, json={"padding": "x" * 2_000_000}), "Callback"),
    "connection refused": (
        lambda r: r.mock(side_effect=httpx.ConnectError("refused")),
        "ProviderUnavailable",
    ),
    "connect timeout": (
        lambda r: r.mock(side_effect=httpx.ConnectTimeout("slow")),
        "ProviderUnavailable",
    ),
    "read timeout": (
        lambda r: r.mock(side_effect=httpx.ReadTimeout("slow")),
        "ProviderUnavailable",
    ),
    "protocol error": (
        lambda r: r.mock(side_effect=httpx.RemoteProtocolError("garbled")),
        "ProviderUnavailable",
    ),
}


@pytest.mark.parametrize("case", sorted(TOKEN_FAULTS))
def test_token_endpoint_faults(browser: Browser, workos: respx.MockRouter, case: str) -> None:
    fault, code = TOKEN_FAULTS[case]
    fault(workos["token"])
    state = browser.state_of(browser.start_sign_in())
    response = browser.callback(code="c", state=state)
    safe(response)
    assert response.headers["location"] == ERROR_PAGE + code
    assert workos["token"].call_count == 1  # never retried
    signed_out(browser)


BAD_EMAILS = [
    "",
    "alice",
    "alice@",
    "@example.com",
    "a@@example.com",
    "a b@example.com",
    "alice@localhost",
    "alice@exa_mple.com",
    "alice@example.com\r\nX: y",
    None,
    42,
    ["alice@example.com"],
    "x" * 300 + "@example.com",
]


@pytest.mark.parametrize("email", BAD_EMAILS, ids=[repr(e)[:20] for e in BAD_EMAILS])
def test_profiles_with_a_malformed_email(
    browser: Browser, workos: respx.MockRouter, email: Any
) -> None:
    workos["token"].respond(200, json={**TOKEN_RESPONSE, "profile": {**PROFILE, "email": email}})
    state = browser.state_of(browser.start_sign_in())
    response = browser.callback(code="c", state=state)
    safe(response)
    assert response.headers["location"].startswith(ERROR_PAGE)
    signed_out(browser)


ORGANIZATION_FAULTS: dict[str, tuple[Callable[[respx.Route], Any], str]] = {
    "connection refused": (
        lambda r: r.mock(side_effect=httpx.ConnectError("refused")),
        "ProviderUnavailable",
    ),
    "DNS failure": (
        lambda r: r.mock(side_effect=httpx.ConnectError("Name or service not known")),
        "ProviderUnavailable",
    ),
    "timeout": (lambda r: r.mock(side_effect=httpx.ReadTimeout("slow")), "ProviderUnavailable"),
    "503": (lambda r: r.respond(503, json={"message": "down"}), "ProviderUnavailable"),
    "401 (bad API key)": (
        lambda r: r.respond(401, json={"message": "Unauthorized"}),
        "Configuration",
    ),
}


@pytest.mark.parametrize("case", sorted(ORGANIZATION_FAULTS))
def test_organization_lookup_faults_never_send_the_browser_to_workos(
    browser: Browser, workos: respx.MockRouter, case: str
) -> None:
    fault, code = ORGANIZATION_FAULTS[case]
    fault(workos["organizations"])
    response = browser.post(
        "/api/auth/signin/workos",
        data={"csrfToken": browser.csrf(), "email": "dave@unmapped.example"},
    )
    safe(response)
    # The error, and the email typed so the sign-in form keeps it.
    assert response.headers["location"] == f"{ERROR_PAGE}{code}&email=dave%40unmapped.example"
    assert workos["organizations"].call_count == 1
