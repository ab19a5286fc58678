"""Playing the user on the emulator's sign-in pages, and a reset admin client for a live
emulator (the emulator is a third party: tests drive it over HTTP like a browser)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest


def pending_id(html: str) -> str:
    """The pending-request id a sign-in page's form carries."""
    marker = 'name="request" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def complete_url(page_url: Any) -> str:
    """Where a sign-in page's form posts: its URL without the query, plus ``/complete``."""
    return str(page_url).split("?", 1)[0] + "/complete"


def pick(browser: httpx.Client, authorize_url: str, **form: str) -> str:
    """Open the emulator's sign-in page at ``authorize_url``, post ``form`` (``user=...``,
    ``email=...`` or ``action="deny"``) with its request id; the Location the emulator
    sends the browser back to."""
    page = browser.get(authorize_url)
    assert page.status_code == 200, page.text
    form = {"request": pending_id(page.text), **form}
    done = browser.post(complete_url(authorize_url), data=form)
    assert done.status_code == 302, done.text
    location: str = done.headers["location"]
    return location


@pytest.fixture
def admin(emulator_url: str) -> Iterator[httpx.Client]:
    """A client for the live emulator at ``emulator_url`` (a fixture of the test module),
    reset to its loaded data first."""
    with httpx.Client(base_url=emulator_url) as client:
        client.post("/_emulator/reset").raise_for_status()
        yield client
