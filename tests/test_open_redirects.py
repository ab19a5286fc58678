"""Open-redirect payloads at every place a redirect target enters, on both adapters.

Two corpora: ``data/open-redirects.txt`` (ours, by bypass class, written by
``data/generate_open_redirects.py``) and ``data/openredirects-oauth2-proxy.txt``
(oauth2-proxy's). ``www.whitelisteddomain.tld`` stands for the app's host. Each line is
used as-is and URL-unescaped once, and each must leave the browser on the app's origin:

- as ``callbackUrl`` of the sign-in POST, followed through the whole flow;
- as ``callbackUrl`` of the sign-out POST;
- inside the (signed) callback-url cookie, read back by sign-in and sign-out;
- through a custom sign-in page: ``GET /signin?callbackUrl=`` redirects to the app's
  page, whose ``get_signin_context`` feeds the form that posts to the sign-in.

One test per corpus and entry point loops over every payload and reports all escapes at
once (a few thousand requests per adapter, in-process).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
import respx
from anyio.from_thread import BlockingPortal

from support import NO_ORGANIZATIONS, TOKEN_RESPONSE, WORKOS_URL, make_config, sign
from support.adversary import Browser, on_origin

DATA = Path(__file__).parent / "data"
APP_HOST = "www.whitelisteddomain.tld"
ORIGIN = f"https://{APP_HOST}"


def load(name: str) -> list[str]:
    """A corpus's payloads, as-is and URL-unescaped once, without duplicates."""
    # Not splitlines(): payloads may hold U+2028, U+0085 and other line breaks of Python's.
    lines = (DATA / name).read_text(encoding="utf-8").split("\n")
    raw = [line for line in lines if line and not line.startswith("#")]
    return list(dict.fromkeys(raw + [unquote(line) for line in raw]))


CORPORA = {
    "ours": load("open-redirects.txt"),
    "oauth2-proxy": load("openredirects-oauth2-proxy.txt"),
}


def test_our_corpus_has_every_class_and_300_payloads() -> None:
    text = (DATA / "open-redirects.txt").read_text(encoding="utf-8")
    raw = [line for line in text.split("\n") if line and not line.startswith("#")]
    assert len(raw) >= 300
    for needle in ("\\", "%09", "%252f", "\uff0f", "@evil.tld", f"{APP_HOST}.evil.tld"):
        assert any(needle in line for line in raw), needle
    for needle in ("2130706433", "https:evil.tld", "JaVaScRiPt:", "java%0ascript:"):
        assert any(needle in line for line in raw), needle


def test_the_committed_corpus_is_what_the_script_writes(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "generate_open_redirects", DATA / "generate_open_redirects.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.OUT = tmp_path / "out.txt"
    module.main()
    assert module.OUT.read_text(encoding="utf-8") == (DATA / "open-redirects.txt").read_text(
        encoding="utf-8"
    )


@pytest.fixture
def token_endpoint() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=WORKOS_URL, assert_all_called=False) as router:
        router.get("/organizations").respond(200, json=NO_ORGANIZATIONS)
        router.post("/sso/token", name="token").respond(200, json=TOKEN_RESPONSE)
        yield router


@pytest.fixture
def browser(adapter: str, portal: BlockingPortal) -> Browser:
    return Browser(adapter, make_config(url=ORIGIN), portal)


@pytest.fixture
def custom_page_browser(adapter: str, portal: BlockingPortal) -> Browser:
    return Browser(adapter, make_config(url=ORIGIN, pages={"signIn": "/login"}), portal)


def escapes(payloads: list[str], outcome: Callable[[str], list[str]]) -> list[tuple[str, str]]:
    """(payload, location) for every Location a payload produced off the origin."""
    found = []
    for payload in payloads:
        found.extend((payload, loc) for loc in outcome(payload) if not on_origin(loc, ORIGIN))
    return found


class FreshBrowser:
    """Puts the browser back to "only a CSRF cookie" between payloads, without a request
    (a completed sign-in clears the CSRF cookie; the same one is planted again)."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.token = browser.csrf()
        self.name = browser.cookie_name("csrf_token")
        self.value = browser.cookies[self.name]

    def __call__(self) -> str:
        self.browser.cookies.clear()
        self.browser.set_cookie(self.name, self.value)
        return self.token


def full_flow(browser: Browser, csrf: str, form_callback_url: str | None) -> list[str]:
    """Sign in with this callbackUrl (None: none posted); the callback's Location."""
    data = {"csrfToken": csrf, "email": "alice@example.com"}
    if form_callback_url is not None:
        data["callbackUrl"] = form_callback_url
    start = browser.post("/api/auth/signin/workos", data=data)
    state = browser.state_of(start)
    done = browser.callback(code="code_1", state=state)
    assert done.status_code == 302, done.text
    return [done.headers["location"]]


@pytest.mark.parametrize("corpus", sorted(CORPORA))
def test_sign_in_callback_url_through_the_whole_flow(
    corpus: str, browser: Browser, token_endpoint: respx.MockRouter
) -> None:
    fresh = FreshBrowser(browser)

    def outcome(payload: str) -> list[str]:
        return full_flow(browser, fresh(), payload)

    assert escapes(CORPORA[corpus], outcome) == []
    assert token_endpoint["token"].call_count == len(CORPORA[corpus])


@pytest.mark.parametrize("corpus", sorted(CORPORA))
def test_sign_out_callback_url(corpus: str, browser: Browser) -> None:
    csrf = browser.csrf()

    def outcome(payload: str) -> list[str]:
        data = {"csrfToken": csrf, "callbackUrl": payload}
        response = browser.post("/api/auth/signout", data=data)
        assert response.status_code == 302
        return [response.headers["location"]]

    assert escapes(CORPORA[corpus], outcome) == []


@pytest.mark.parametrize("corpus", sorted(CORPORA))
def test_callback_url_cookie_is_revalidated_when_read(
    corpus: str, browser: Browser, token_endpoint: respx.MockRouter
) -> None:
    """The cookie is signed by us, so only a redirect callback more permissive than
    today's could have stored such a value: it is validated again when read back, by
    sign-out and by a sign-in that names no callbackUrl."""
    name = browser.cookie_name("callback_url")
    fresh = FreshBrowser(browser)

    def outcome(payload: str) -> list[str]:
        csrf = fresh()
        browser.set_cookie(name, sign("callback_url", payload))
        signout = browser.post("/api/auth/signout", data={"csrfToken": csrf})
        return [signout.headers["location"], *full_flow(browser, csrf, None)]

    assert escapes(CORPORA[corpus], outcome) == []


@pytest.mark.parametrize("corpus", sorted(CORPORA))
def test_custom_sign_in_page(
    corpus: str, custom_page_browser: Browser, token_endpoint: respx.MockRouter
) -> None:
    browser = custom_page_browser
    fresh = FreshBrowser(browser)

    def outcome(payload: str) -> list[str]:
        fresh()
        to_page = browser.get("/api/auth/signin", params={"callbackUrl": payload})
        assert to_page.status_code == 302
        page_url = to_page.headers["location"]
        if not on_origin(page_url, ORIGIN):
            return [page_url]
        context = browser.get(page_url).json()
        data = {
            "csrfToken": context["csrf_token"],
            "callbackUrl": context["callback_url"],
            "email": "alice@example.com",
        }
        start = browser.post("/api/auth/signin/workos", data=data)
        done = browser.callback(code="code_1", state=browser.state_of(start))
        return [page_url, done.headers["location"]]

    assert escapes(CORPORA[corpus], outcome) == []
