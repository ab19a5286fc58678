"""Fixtures for the browser tests: headless Chromium and the example apps as servers.

The helpers are in ``e2e_support.py``. With ``WORKOS_MIDDLEWARE_SKIP_BROWSER=1`` every
test here is skipped; otherwise a missing Chromium (``/usr/bin/chromium``, or
``WORKOS_MIDDLEWARE_CHROMIUM``) is a failure, not a skip. A failing test leaves a
screenshot of its page at ``artifacts/screenshots/<example>/failed-<test>.png``.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Response, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from e2e_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    EXAMPLES_UNDER_TEST,
    SCREENSHOTS,
    SKIP_ENV,
    RunningExample,
    start_example,
)

HERE = Path(__file__).resolve().parent
REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if os.environ.get(SKIP_ENV) != "1":
        return
    skip = pytest.mark.skip(reason=f"browser tests skipped: {SKIP_ENV}=1")
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(skip)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    item.stash.setdefault(REPORTS, {})[report.when] = report
    return report


# Module scope, not session: Playwright's sync API runs an event loop in this thread
# while it is open, and the other tests call asyncio.run() after these.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is not at {CHROMIUM}: install it (Debian: apt-get install chromium), "
            f"or set {SKIP_ENV}=1 to skip the browser tests",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module", params=list(EXAMPLES_UNDER_TEST))
def app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningExample]:
    """One example app serving on a free loopback port for the module's tests."""
    running = start_example(EXAMPLES_UNDER_TEST[request.param], tmp_path_factory.mktemp("e2e"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def starlette_example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningExample]:
    """The Starlette example (``make demo``) alone, for a module about it (which names
    it its ``app``)."""
    running = start_example(EXAMPLES_UNDER_TEST["starlette"], tmp_path_factory.mktemp("e2e"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def responses() -> list[Response]:
    """Every HTTP response the test's page received, redirects included."""
    return []


@pytest.fixture
def page(
    browser: Browser,
    app: RunningExample,
    responses: list[Response],
    request: pytest.FixtureRequest,
) -> Iterator[Page]:
    """A fresh page (no cookies), 800x600, light color scheme."""
    context = browser.new_context(viewport={"width": 800, "height": 600}, color_scheme="light")
    context.set_default_timeout(10_000)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name)
    failure_png = SCREENSHOTS / app.name / f"failed-{name}.png"
    failure_png.unlink(missing_ok=True)  # from an earlier run
    try:
        opened = context.new_page()
        opened.on("response", lambda response: responses.append(response))
        yield opened
        reports = request.node.stash.get(REPORTS, {})
        if "call" in reports and reports["call"].failed:
            # What the browser showed when the test failed, for the CI artifacts.
            failure_png.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(PlaywrightError):
                opened.screenshot(path=str(failure_png), full_page=True)
    finally:
        context.close()
