"""The middleware's built-in pages at phone width (390 px), light and dark, in Chromium.

Each page is served by the real middleware under uvicorn and saved as a screenshot at
``artifacts/screenshots/builtin/<page>-<scheme>.png``. At 390 px nothing scrolls
sideways, every field, button and message fits inside the viewport, and the dark scheme
is dark (the pages follow ``prefers-color-scheme``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from playwright.sync_api import Browser

from workos_middleware import AuthMiddleware

from e2e_support import SCREENSHOTS
from support import free_port, make_config
from support.adversary import asgi_app

PAGES = {
    "signin": "/api/auth/signin",
    "signin-error": (
        "/api/auth/signin?error=ProviderUnavailable"
        "&email=a.very.long.address.of.someone@subsidiary.example-corporation.com"
    ),
    "signout": "/api/auth/signout",
    "error": "/api/auth/error?error=Configuration",
}


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    middleware = AuthMiddleware(asgi_app(), config=make_config(url=url))
    server = uvicorn.Server(
        uvicorn.Config(middleware, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    yield url
    server.should_exit = True
    thread.join(10)


def _luminance(rgb: str) -> float:
    parts = [float(p) for p in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
    return (0.2126 * parts[0] + 0.7152 * parts[1] + 0.0722 * parts[2]) / 255


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", sorted(PAGES))
def test_built_in_pages_fit_a_phone(browser: Browser, app_url: str, name: str, scheme: str) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, color_scheme=scheme, device_scale_factor=2
    )
    try:
        page = context.new_page()
        response = page.goto(app_url + PAGES[name])
        assert response is not None and response.status in (200, 500)
        path = SCREENSHOTS / "builtin" / f"{name}-{scheme}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        boxes = page.evaluate(
            """() => [...document.querySelectorAll('main, h1, p, input, button, a, .error')]
                .filter(e => e.type !== 'hidden')
                .map(e => { const r = e.getBoundingClientRect();
                            return [e.tagName, r.left, r.right, r.width]; })"""
        )
        assert boxes, "nothing visible on the page"
        for tag, left, right, width in boxes:
            assert left >= 0 and right <= 390, (tag, left, right)
            assert width > 0, tag
        if name == "signin-error":
            field = page.get_by_role("textbox")
            assert field.input_value().startswith("a.very.long.address")
            alert = page.get_by_role("alert")
            assert "could not be reached" in alert.inner_text()
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        text = page.evaluate("getComputedStyle(document.body).color")
        if scheme == "dark":
            assert _luminance(background) < 0.2 < _luminance(text), (background, text)
        else:
            assert _luminance(background) > 0.8 > _luminance(text), (background, text)
    finally:
        context.close()
