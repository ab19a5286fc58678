"""``make demo``'s offboarding scenario in a real browser: sign in to the Starlette
example as Alice, deactivate her on the embedded emulator's dashboard in another tab,
and her next request lands on the sign-in page.

The example registers its own webhook endpoint with the emulator it embeds and keeps
sessions in memory (docs/lifecycle.md); the emulator signs and sends
``dsync.user.updated`` (``state: "inactive"``) to it.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from e2e_support import RunningExample, screenshot, sign_in_as_alice
from support import path_of


@pytest.fixture(scope="module")
def app(starlette_example: RunningExample) -> RunningExample:
    return starlette_example


def test_deactivated_on_the_dashboard_means_signed_out(page: Page, app: RunningExample) -> None:
    sign_in_as_alice(page, app)
    page.goto(app.url("/dashboard"))
    assert path_of(page.url) == "/dashboard"
    expect(page.get_by_text("alice@example.com").first).to_be_visible()

    # The customer's IT admin, in another tab: Alice is deactivated in the directory.
    admin = page.context.new_page()
    admin.goto(app.emulator_url + "/")
    admin.get_by_role("button", name="Deactivate Alice Anderson").click()
    admin.wait_for_load_state()
    expect(admin.get_by_role("button", name="Reactivate Alice Anderson")).to_be_visible()
    screenshot(admin, app.name, "lifecycle-01-deactivated-on-the-dashboard")

    # Back in Alice's tab: her next request lands on the sign-in page. The webhook is
    # delivered in the background, so the page is asked again until it has been.
    for _ in range(50):
        page.goto(app.url("/dashboard"))
        if path_of(page.url) == app.example.signin_path:
            break
        page.wait_for_timeout(100)
    assert path_of(page.url) == app.example.signin_path
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    screenshot(page, app.name, "lifecycle-02-signed-out-after-deactivation")
    assert page.request.get(app.url("/api/auth/session")).json() == {}
