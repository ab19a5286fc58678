"""Every way in of ``make demo`` in a real browser: the Starlette example's sign-in page
lists WorkOS SSO, AuthKit, GitHub and Google, and each signs in through the embedded
emulator (which plays WorkOS, AuthKit, a GitHub-like OAuth provider and an OpenID
Connect provider standing in for Google). WorkOS SSO itself is covered, in depth, by
test_browser_examples.py."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from e2e_support import (
    SSO_BUTTON,
    RunningExample,
    open_signin_page,
    screenshot,
    session_of,
)


@pytest.fixture(scope="module")
def app(starlette_example: RunningExample) -> RunningExample:
    """The Starlette example (``make demo``), for this module only."""
    return starlette_example


def test_sign_in_page_lists_every_way_in(page: Page, app: RunningExample) -> None:
    open_signin_page(page, app)
    for name in (SSO_BUTTON, "Sign in with AuthKit", "Sign in with GitHub", "Sign in with Google"):
        expect(page.get_by_role("button", name=name, exact=True)).to_be_visible()
    screenshot(page, app.name, "10-signin-every-provider")
    listed = page.request.get(app.url("/api/auth/providers")).json()
    assert list(listed) == ["workos", "authkit", "github", "google"]
    for provider_id, entry in listed.items():
        assert entry["signinUrl"] == app.url(f"/api/auth/signin/{provider_id}")


@pytest.mark.parametrize(
    ("provider", "user", "email"),
    [
        ("AuthKit", "Alice Anderson", "alice@example.com"),
        ("GitHub", "Hal Nine", "hal@discovery.test"),  # no public email: /user/emails
        ("Google", "Dana Diaz", "dana@gmail.com"),
    ],
)
def test_sign_in_through_each_provider(
    page: Page, app: RunningExample, provider: str, user: str, email: str
) -> None:
    open_signin_page(page, app)
    page.get_by_role("button", name=f"Sign in with {provider}", exact=True).click()
    page.wait_for_url(lambda url: url.startswith(app.emulator_url))
    screenshot(page, app.name, f"11-{provider.lower()}-emulator-page")
    page.get_by_role("button", name=f"Sign in as {user}").click()
    page.wait_for_url(app.url("/"))
    expect(page.get_by_role("heading", name="Signed in")).to_be_visible()
    session = session_of(page, app)
    assert isinstance(session, dict) and session["user"]["email"] == email
    screenshot(page, app.name, f"12-{provider.lower()}-signed-in")
