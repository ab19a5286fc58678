"""The example apps in a real browser, signing in through their embedded WorkOS emulator.

Every test runs once per example (the ``app`` fixture): Starlette with its custom
sign-in page at ``/auth/signin``; Flask, FastAPI and Django with the middleware's
built-in page at ``/api/auth/signin``. Each test starts from a fresh browser context
(no cookies) and saves a full-page screenshot of the pages it checks under
``artifacts/screenshots/<example>/``.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, Response, expect

from workos_middleware.emulator.defaults import EXAMPLE_ORG_ID
from workos_middleware.emulator.embedded import BANNER

from e2e_support import (
    DENIED_MESSAGE,
    DOCS_SIGNIN_PNG,
    NO_CONNECTION_MESSAGE,
    NOT_SIGNED_IN,
    SSO_BUTTON,
    RunningExample,
    open_signin_page,
    redirects_from,
    screenshot,
    session_of,
    sign_in_as_alice,
    submit_email,
)
from support import path_of, query_lists


def expect_banner(page: Page) -> None:
    banner = page.get_by_role("status")
    expect(banner).to_have_text(re.compile(r"^Offline demo: "))
    expect(banner).to_have_text(BANNER)


def expect_error_on_signin_page(page: Page, app: RunningExample, code: str, message: str) -> None:
    page.wait_for_url(
        lambda url: path_of(url) == app.example.signin_path and "error" in query_lists(url)
    )
    assert query_lists(page.url)["error"] == [code]
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_text(message)
    # The form is there again, to try another address.
    expect(page.get_by_role("textbox", name=app.example.email_label, exact=True)).to_be_visible()
    expect(page.get_by_role("button", name=SSO_BUTTON)).to_be_visible()


def test_anonymous_home_offers_sign_in(page: Page, app: RunningExample) -> None:
    response = page.goto(app.url("/"))
    assert response is not None and response.status == 200
    expect(page).to_have_title(re.compile(r"(Home|Flask \+ WorkOS)"))
    expect(page.get_by_role("heading", name=NOT_SIGNED_IN)).to_be_visible()
    link = page.get_by_role("link", name="Sign in", exact=True)
    expect(link).to_be_visible()
    expect(link).to_have_attribute("href", "/api/auth/signin?callbackUrl=/")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    expect_banner(page)
    assert session_of(page, app) == {}
    screenshot(page, app.name, "01-home-anonymous")


def test_sign_in_link_leads_to_the_sign_in_page(
    page: Page, app: RunningExample, responses: list[Response]
) -> None:
    open_signin_page(page, app)

    assert path_of(page.url) == app.example.signin_path
    assert query_lists(page.url)["callbackUrl"] == ["/"]
    expect(page).to_have_title("Sign in")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    email = page.get_by_role("textbox", name=app.example.email_label, exact=True)
    expect(email).to_be_visible()
    expect(email).to_have_attribute("type", "email")
    expect(email).to_have_value("")
    expect(page.get_by_role("button", name=SSO_BUTTON)).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)

    if app.example.custom_signin_page:
        # The home page's link goes through the middleware, which sends it to the app's page.
        hops = redirects_from(responses, app.url("/api/auth/signin"))
        assert len(hops) == 1, hops
        assert path_of(hops[0][1]) == "/auth/signin"
        assert query_lists(hops[0][1])["callbackUrl"] == ["/"]
        expect_banner(page)
        DOCS_SIGNIN_PNG.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS_SIGNIN_PNG))
    else:
        # The built-in page is served by the middleware itself, no redirect.
        assert redirects_from(responses, app.url("/api/auth/signin")) == []
    screenshot(page, app.name, "02-signin")


def test_sign_in_as_alice_through_the_emulator(page: Page, app: RunningExample) -> None:
    open_signin_page(page, app)
    submit_email(page, app, "alice@example.com")

    # The emulator's IdP page, reached with the organization looked up from the domain.
    assert page.url.startswith(app.emulator_url + "/sso/authorize?"), page.url
    query = query_lists(page.url)
    assert query["client_id"] == ["client_emulator"]
    assert query["redirect_uri"] == [app.callback_url]
    assert query["response_type"] == ["code"]
    assert query["login_hint"] == ["alice@example.com"]
    assert query["organization"] == [EXAMPLE_ORG_ID]
    assert query["code_challenge_method"] == ["S256"]
    assert query["state"][0]
    expect(page.get_by_role("heading", name="Sign in to Example")).to_be_visible()
    expect(page.get_by_role("button", name="Sign in as Alice Anderson", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Sign in as Bob Brown", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Deny", exact=True)).to_be_visible()
    screenshot(page, app.name, "03-idp")

    page.get_by_role("button", name="Sign in as Alice Anderson", exact=True).click()

    page.wait_for_url(app.url("/"))
    expect(page.get_by_role("heading", name="Signed in")).to_be_visible()
    main = page.get_by_role("main")
    expect(main.get_by_text("Alice Anderson", exact=True)).to_be_visible()
    expect(main.get_by_text("alice@example.com", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("link", name="Sign in", exact=True)).to_have_count(0)
    expect_banner(page)
    session = session_of(page, app)
    assert isinstance(session, dict)
    assert session["user"]["name"] == "Alice Anderson"
    assert session["user"]["email"] == "alice@example.com"
    screenshot(page, app.name, "04-home-signed-in")


def test_sign_out_returns_to_the_anonymous_home(page: Page, app: RunningExample) -> None:
    sign_in_as_alice(page, app)
    assert any(cookie["name"] == "next-auth.session-token" for cookie in page.context.cookies())

    with page.expect_response(
        lambda r: r.url == app.url("/api/auth/signout") and r.request.method == "POST"
    ) as signout:
        page.get_by_role("button", name="Sign out").click()
    assert signout.value.status == 302
    assert signout.value.headers["location"] in ("/", app.url("/"))

    page.wait_for_url(app.url("/"))
    expect(page.get_by_role("heading", name=NOT_SIGNED_IN)).to_be_visible()
    expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()
    expect(page.get_by_text("alice@example.com")).to_have_count(0)

    page.reload()
    expect(page.get_by_role("heading", name=NOT_SIGNED_IN)).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    assert not any(cookie["name"] == "next-auth.session-token" for cookie in page.context.cookies())
    assert session_of(page, app) == {}


def test_denied_sign_in_shows_the_error(
    page: Page, app: RunningExample, responses: list[Response]
) -> None:
    open_signin_page(page, app)
    submit_email(page, app, "alice@example.com")
    assert page.url.startswith(app.emulator_url + "/sso/authorize?"), page.url

    page.get_by_role("button", name="Deny", exact=True).click()

    expect_error_on_signin_page(page, app, "Cancelled", DENIED_MESSAGE)
    # The emulator answered the Deny with access_denied, to the app's callback.
    hops = redirects_from(responses, app.emulator_url + "/sso/authorize/complete")
    assert len(hops) == 1, hops
    assert hops[0][1].startswith(app.callback_url + "?"), hops
    assert query_lists(hops[0][1])["error"] == ["access_denied"]
    assert session_of(page, app) == {}
    screenshot(page, app.name, "05-denied")


def test_unknown_email_domain_shows_no_connection(
    page: Page, app: RunningExample, responses: list[Response]
) -> None:
    open_signin_page(page, app)
    submit_email(page, app, "nobody@unknown.test")

    expect_error_on_signin_page(page, app, "NoConnection", NO_CONNECTION_MESSAGE)
    # No organization has the domain: it went as the deprecated `domain` selector, and
    # the emulator sent the browser back with organization_invalid.
    hops = redirects_from(responses, app.emulator_url + "/sso/authorize?")
    assert len(hops) == 1, hops
    sent, answer = query_lists(hops[0][0]), query_lists(hops[0][1])
    assert sent["domain"] == ["unknown.test"]
    assert sent["login_hint"] == ["nobody@unknown.test"]
    assert "organization" not in sent
    assert hops[0][1].startswith(app.callback_url + "?"), hops
    assert answer["error"] == ["organization_invalid"]
    assert session_of(page, app) == {}
    screenshot(page, app.name, "06-unknown-domain")


def test_dashboard_signed_out_leads_through_sign_in_back_to_it(
    page: Page, app: RunningExample
) -> None:
    response = page.goto(app.url("/dashboard"))
    assert response is not None and response.status == 200
    # The guarded miss: a browser navigation is sent to sign in, to come back here.
    assert path_of(page.url) == app.example.signin_path
    assert query_lists(page.url)["callbackUrl"] == ["/dashboard"]
    expect(page.get_by_role("button", name=SSO_BUTTON)).to_be_visible()

    submit_email(page, app, "alice@example.com")
    page.get_by_role("button", name="Sign in as Alice Anderson", exact=True).click()

    page.wait_for_url(app.url("/dashboard"))
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    main = page.get_by_role("main")
    expect(main.get_by_text("Alice Anderson", exact=True)).to_be_visible()
    expect(main.get_by_text("alice@example.com", exact=True)).to_be_visible()
    # The organization by its name (WorkOSProvider(organization_names=True)), not its id.
    expect(main.get_by_role("definition").filter(has_text="Example")).to_have_text("Example")
    expect(main.get_by_text(EXAMPLE_ORG_ID)).to_have_count(0)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect_banner(page)
    screenshot(page, app.name, "07-dashboard-signed-in")


def test_api_me_signed_out_and_in(page: Page, app: RunningExample) -> None:
    response = page.request.get(app.url("/api/me"), headers={"accept": "application/json"})
    assert response.status == 401
    assert response.headers["content-type"].startswith("application/json")
    assert "www-authenticate" in response.headers

    sign_in_as_alice(page, app)
    page.get_by_role("link", name="Your session as JSON").click()
    page.wait_for_url(app.url("/api/me"))
    response = page.request.get(app.url("/api/me"))
    assert response.status == 200
    me = response.json()
    assert me["user"]["name"] == "Alice Anderson"
    assert me["user"]["email"] == "alice@example.com"
    assert me == session_of(page, app)

    # Signed out again, the dashboard is closed.
    page.goto(app.url("/"))
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(app.url("/"))
    page.goto(app.url("/dashboard"))
    assert path_of(page.url) == app.example.signin_path
