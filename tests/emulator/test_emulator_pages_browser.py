"""The emulator's pages in a real browser (Chromium) at phone width, light and dark.

A screenshot of each is kept in ``artifacts/screenshots/emulator/`` for review. The same
Chromium and switches as the example tests: ``WORKOS_MIDDLEWARE_CHROMIUM`` names another
binary, ``WORKOS_MIDDLEWARE_SKIP_BROWSER=1`` skips these tests.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from workos_middleware.emulator.defaults import EXAMPLE_CONNECTION_ID, EXAMPLE_ORG_ID

from emulator_helpers import API_KEY, REDIRECT_URI, authorize_params
from support import LiveServer, query_of

CHROMIUM = Path(os.environ.get("WORKOS_MIDDLEWARE_CHROMIUM") or "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots" / "emulator"
PHONE = {"width": 390, "height": 844}

pytestmark = pytest.mark.skipif(
    os.environ.get("WORKOS_MIDDLEWARE_SKIP_BROWSER") == "1",
    reason="browser tests skipped: WORKOS_MIDDLEWARE_SKIP_BROWSER=1",
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is not at {CHROMIUM}: apt-get install chromium", pytrace=False)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"], headless=True
        )
        try:
            yield launched
        finally:
            launched.close()


def open_page(browser: Browser, url: str, scheme: Any, shot: str) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(url)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{shot}-{scheme}.png"), full_page=True)
        yield page
    finally:
        context.close()


def assert_fits_the_phone(page: Page, users: bool = True) -> None:
    """Nothing wider than the screen or the card, no email broken into a column of letters."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    outside = page.evaluate(
        """() => {
            const card = document.querySelector('main').getBoundingClientRect();
            return [...document.querySelectorAll('main *')].filter(e => {
                const box = e.getBoundingClientRect();
                return box.width > 0 && (box.left < card.left || box.right > card.right);
            }).map(e => e.outerHTML.slice(0, 80));
        }"""
    )
    assert outside == []
    lines = page.evaluate(
        """() => [...document.querySelectorAll('.who .muted')].map(e => {
            const height = e.getBoundingClientRect().height;
            return Math.round(height / parseFloat(getComputedStyle(e).lineHeight));
        })"""
    )
    assert (lines and max(lines) <= 2) or (not users and not lines), lines


def url_breaks_inside_a_word(page: Page) -> list[str]:
    """The characters after which a ``code.url`` wraps, unless a ``/``, ``?`` or ``&``."""
    found: list[str] = page.evaluate(
        """() => [...document.querySelectorAll('code.url')].flatMap(code => {
            const text = [];
            const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
            while (walker.nextNode()) {
                const node = walker.currentNode;
                for (let i = 0; i < node.length; i++) {
                    const range = document.createRange();
                    range.setStart(node, i); range.setEnd(node, i + 1);
                    text.push([node.data[i], range.getBoundingClientRect().top]);
                }
            }
            const bad = [];
            for (let i = 1; i < text.length; i++) {
                if (text[i][1] > text[i - 1][1] + 2 && !'/?&'.includes(text[i - 1][0])) {
                    bad.push(text.slice(0, i).map(c => c[0]).join(''));
                }
            }
            return bad;
        })"""
    )
    return found


def background_luminance(page: Page) -> float:
    rgb = page.evaluate("getComputedStyle(document.body).backgroundColor")
    red, green, blue = (int(part) for part in rgb[rgb.index("(") + 1 : -1].split(",")[:3])
    return (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_idp_page_at_phone_width(browser: Browser, live: LiveServer, scheme: str) -> None:
    # A long email, as real ones are: it must wrap at most once, not letter by letter.
    long_user = {"email": "maximiliana.featherstonehaugh@example.com", "name": "Maximiliana F."}
    path = f"/_emulator/connections/{EXAMPLE_CONNECTION_ID}/users/prof_long"
    httpx.put(live.url + path, json=long_user).raise_for_status()
    url = f"{live.url}/sso/authorize?{urlencode(authorize_params())}"
    for page in open_page(browser, url, scheme, "idp-page"):
        assert_fits_the_phone(page)
        assert page.locator("code.url").count() == 1
        assert url_breaks_inside_a_word(page) == []  # the callback URL wraps at a slash
        luminance = background_luminance(page)
        assert luminance > 0.8 if scheme == "light" else luminance < 0.2
        # The app is not running: answer for it, and check where the browser was sent.
        page.route(REDIRECT_URI + "?*", lambda route: route.fulfill(body="the app"))
        page.get_by_role("button", name="Sign in as Maximiliana F.").click()
        page.wait_for_url(REDIRECT_URI + "?*")
        assert "code" in query_of(page.url)


OTHER_PAGES = {
    "authkit-page": "/user_management/authorize?"
    + urlencode({**authorize_params(organization=None), "provider": "authkit"}),
    "authkit-error-page": "/user_management/sessions/logout",
    "google-page": "/oidc/google/authorize?"
    + urlencode(
        {
            **authorize_params(organization=None, client_id="google-client-emulator"),
            "scope": "openid",
        }
    ),
    "github-page": "/oauth/github/login/oauth/authorize?"
    + urlencode({"client_id": "github-client-emulator", "redirect_uri": REDIRECT_URI}),
    "idp-dashboard": "/sso/idp_initiated?"
    + urlencode({"connection": EXAMPLE_CONNECTION_ID, "redirect_uri": REDIRECT_URI}),
}


def test_the_other_pages_at_phone_width(browser: Browser, live: LiveServer) -> None:
    """Layout does not depend on the theme (the IdP page's test checks both): dark only."""
    scheme = "dark"
    for shot, path in OTHER_PAGES.items():
        for page in open_page(browser, live.url + path, scheme, shot):
            assert_fits_the_phone(page, users=shot != "authkit-error-page")
    for page in open_page(browser, f"{live.url}/", scheme, "index-page"):
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_dashboard_deactivates_a_user_in_the_browser(
    browser: Browser, live: LiveServer
) -> None:
    """The IT admin's buttons work in a real browser and the page still fits the phone."""
    for page in open_page(browser, f"{live.url}/#directories", "light", "dashboard"):
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.get_by_role("button", name="Deactivate Alice Anderson").click()
        page.wait_for_url(f"{live.url}/#directories")
        page.get_by_role("button", name="Reactivate Alice Anderson").wait_for()
        assert "dsync.user.updated" in page.inner_text("#events ~ .scroll")
        page.get_by_role("button", name="Remove Bob Brown from Sales").click()
        page.wait_for_url(f"{live.url}/#directories")
        assert "dsync.group.user_removed" in page.inner_text("#events ~ .scroll")
        page.get_by_label("Group to add Bob Brown to").select_option(label="Admins")
        page.get_by_role("button", name="Add Bob Brown to the group").click()
        page.wait_for_url(f"{live.url}/#directories")
        assert "dsync.group.user_added" in page.inner_text("#events ~ .scroll")
        page.screenshot(path=str(SCREENSHOTS / "dashboard-after-light.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    events = httpx.get(f"{live.url}/_emulator/events").json()["data"]
    assert [e["event"] for e in events] == [
        "dsync.user.updated",
        "dsync.group.user_removed",
        "dsync.group.user_added",
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_admin_portal_at_phone_width(browser: Browser, live: LiveServer, scheme: str) -> None:
    body = {
        "organization": EXAMPLE_ORG_ID,
        "return_url": "http://127.0.0.1:8000/settings",
        "success_url": "http://127.0.0.1:8000/settings?done=1",
    }
    link = httpx.post(
        f"{live.url}/portal/generate_link",
        json=body,
        headers={"Authorization": f"Bearer {API_KEY}"},
    ).json()["link"]
    for page in open_page(browser, link, scheme, "admin-portal"):
        assert_fits_the_phone(page, users=False)
        page.route("http://127.0.0.1:8000/settings", lambda route: route.fulfill(body="the app"))
        page.get_by_role("link", name="Back to the application").click()
        page.wait_for_url("http://127.0.0.1:8000/settings")


def test_the_idp_page_rows_line_up_on_a_desktop(browser: Browser, live: LiveServer) -> None:
    """At 1280 px every user row has the same shape: name column and button aligned,
    whatever the length of the email."""
    long_user = {"email": "maximiliana.featherstonehaugh@example.com", "name": "Maximiliana F."}
    path = f"/_emulator/connections/{EXAMPLE_CONNECTION_ID}/users/prof_long"
    httpx.put(live.url + path, json=long_user).raise_for_status()
    url = f"{live.url}/sso/authorize?{urlencode(authorize_params())}"
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(url)
        rows = page.evaluate(
            """() => [...document.querySelectorAll('li.user')].map(row => {
                const who = row.querySelector('.who').getBoundingClientRect();
                const button = row.querySelector('button').getBoundingClientRect();
                return [Math.round(who.left), Math.round(button.right),
                        Math.round(who.bottom - button.top)];
            })"""
        )
        assert len(rows) >= 3
        assert len({left for left, _, _ in rows}) == 1, rows
        assert len({right for _, right, _ in rows}) == 1, rows
        # The button sits beside the name, not wrapped below it, on every row.
        assert min(overlap for _, _, overlap in rows) > 0, rows
    finally:
        context.close()
