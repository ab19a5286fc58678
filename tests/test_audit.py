"""Errors that say what to do, and the audit trail.

For each cause of a failed sign-in: the page the user ends on (its words), and the one
record the operator gets on the ``workos_middleware.audit`` logger (its level, reason and
detail). Then the audit records of successes and refusals: their fields, their levels,
and what they must never contain. Both adapters.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import respx

from support import (
    APP_URL,
    NO_ORGANIZATIONS,
    TOKEN_RESPONSE,
    WORKOS_URL,
    make_provider,
)
from support.adversary import Browser

AUDIT = "workos_middleware.audit"


@pytest.fixture
def workos() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=WORKOS_URL, assert_all_called=False) as router:
        router.get("/organizations", name="organizations").respond(200, json=NO_ORGANIZATIONS)
        router.post("/sso/token", name="token").respond(200, json=TOKEN_RESPONSE)
        yield router


@pytest.fixture
def audit_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="workos_middleware")
    return caplog


def audit_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == AUDIT]


def only_record(caplog: pytest.LogCaptureFixture, event: str) -> dict[str, Any]:
    found = [r for r in audit_records(caplog) if r.audit["event"] == event]  # type: ignore[attr-defined]
    assert len(found) == 1, [r.getMessage() for r in audit_records(caplog)]
    record = found[0]
    fields: dict[str, Any] = dict(record.audit)  # type: ignore[attr-defined]
    fields["levelname"] = record.levelname
    fields["message"] = record.getMessage()
    return fields


def final_page(browser: Browser, response: httpx.Response) -> httpx.Response:
    """Follow the error redirects to the page the user sees."""
    for _ in range(4):
        if response.status_code != 302:
            return response
        location = response.headers["location"]
        assert location.startswith(APP_URL), location
        response = browser.get(location)
    return response


def callback_after(browser: Browser, caplog: pytest.LogCaptureFixture) -> httpx.Response:
    state = browser.state_of(browser.start_sign_in())
    caplog.clear()
    return browser.callback(code="c", state=state)


# -- each cause: the page and the log record ------------------------------------------


def test_bad_credentials_are_a_configuration_error_naming_the_settings(
    browser: Browser, workos: respx.MockRouter, audit_log: pytest.LogCaptureFixture
) -> None:
    workos["token"].respond(400, json={"error": "invalid_client", "error_description": "bad"})
    response = callback_after(browser, audit_log)
    assert response.headers["location"] == f"{APP_URL}/api/auth/error?error=Configuration"
    page = final_page(browser, response)
    assert page.status_code == 500
    assert "problem with the server configuration" in page.text
    record = only_record(audit_log, "signin")
    assert record["levelname"] == "WARNING"
    assert record["outcome"] == "failed"
    assert record["reason"] == "provider_configuration"
    assert "WORKOS_API_KEY" in record["detail"] and "WORKOS_CLIENT_ID" in record["detail"]
    assert f"{WORKOS_URL}/sso/token" in record["detail"]
    assert "HTTP 400" in record["detail"]


def test_a_401_from_the_organization_lookup_names_the_api_key(
    browser: Browser, workos: respx.MockRouter, audit_log: pytest.LogCaptureFixture
) -> None:
    workos["organizations"].respond(401, json={"message": "Unauthorized"})
    csrf = browser.csrf()
    audit_log.clear()
    response = browser.post(
        "/api/auth/signin/workos", data={"csrfToken": csrf, "email": "dave@unmapped.example"}
    )
    assert not response.headers["location"].startswith(WORKOS_URL)
    page = final_page(browser, response)
    assert "problem with the server configuration" in page.text
    record = only_record(audit_log, "signin")
    assert record["reason"] == "provider_configuration"
    assert "WORKOS_API_KEY" in record["detail"]
    assert "sk_test" not in record["message"]  # the key itself is never logged


@pytest.mark.parametrize(
    ("fault", "in_detail"),
    [
        (lambda r: r.respond(503, json={"message": "down"}), "HTTP 503"),
        (lambda r: r.respond(502, text="<html>bad gateway</html>"), "HTTP 502"),
        (lambda r: r.mock(side_effect=httpx.ReadTimeout("timed out")), "ReadTimeout"),
        (lambda r: r.mock(side_effect=httpx.ConnectError("refused")), "ConnectError"),
    ],
    ids=["503", "502", "timeout", "connection-refused"],
)
def test_an_outage_says_workos_could_not_be_reached_and_logs_url_cause_and_time(
    browser: Browser,
    workos: respx.MockRouter,
    audit_log: pytest.LogCaptureFixture,
    fault: Callable[[respx.Route], Any],
    in_detail: str,
) -> None:
    fault(workos["token"])
    response = callback_after(browser, audit_log)
    assert response.headers["location"] == f"{APP_URL}/api/auth/error?error=ProviderUnavailable"
    page = final_page(browser, response)
    assert page.status_code == 200
    assert "WorkOS could not be reached to sign you in. Please try again" in page.text
    record = only_record(audit_log, "signin")
    assert record["levelname"] == "WARNING"
    assert record["reason"] == "provider_unavailable"
    assert f"{WORKOS_URL}/sso/token" in record["detail"]
    assert in_detail in record["detail"]
    assert " s" in record["detail"] and "after" in record["detail"]  # the time taken


def test_an_unreachable_workos_at_the_lookup_never_sends_the_browser_there(
    browser: Browser, workos: respx.MockRouter, audit_log: pytest.LogCaptureFixture
) -> None:
    workos["organizations"].mock(side_effect=httpx.ConnectError("Name or service not known"))
    csrf = browser.csrf()
    audit_log.clear()
    response = browser.post(
        "/api/auth/signin/workos", data={"csrfToken": csrf, "email": "dave@unmapped.example"}
    )
    assert response.headers["location"].startswith(f"{APP_URL}/api/auth/error?")
    page = final_page(browser, response)
    assert "WorkOS could not be reached" in page.text
    # The email typed is kept in the form.
    assert 'value="dave@unmapped.example"' in page.text
    record = only_record(audit_log, "signin")
    assert record["reason"] == "provider_unavailable"
    assert f"{WORKOS_URL}/organizations" in record["detail"]
    assert "Name or service not known" in record["detail"]


def test_deny_at_the_idp_says_the_sign_in_was_cancelled(
    browser: Browser, workos: respx.MockRouter, audit_log: pytest.LogCaptureFixture
) -> None:
    state = browser.state_of(browser.start_sign_in())
    audit_log.clear()
    response = browser.callback(error="access_denied", state=state)
    assert response.headers["location"] == f"{APP_URL}/api/auth/error?error=Cancelled"
    page = final_page(browser, response)
    assert "The sign-in was cancelled." in page.text
    assert "different account" not in page.text
    record = only_record(audit_log, "signin")
    assert (record["reason"], record["outcome"], record["levelname"]) == (
        "cancelled",
        "refused",
        "WARNING",
    )
    assert workos["token"].call_count == 0


def test_another_host_than_auth_urls_gets_the_page_on_auth_urls_host_and_one_warning(
    browser: Browser, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="workos_middleware")
    headers = [(b"host", b"127.0.0.1:8123")]
    first = browser.raw("GET", "/api/auth/signin?callbackUrl=%2Fx", headers)
    assert first.status_code == 302
    assert first.headers["location"] == (
        f"{APP_URL}/api/auth/signin?callbackUrl=%2Fx&hostRedirect=1"
    )
    browser.raw("GET", "/api/auth/signin", headers)
    warnings = [r for r in caplog.records if "127.0.0.1:8123" in r.getMessage()]
    assert len(warnings) == 1  # once per host, not per request
    assert "AUTH_URL" in warnings[0].getMessage()
    assert warnings[0].levelname == "WARNING"
    # On AUTH_URL's host the page is served (and the form works there).
    page = browser.get(first.headers["location"])
    assert page.status_code == 200
    assert "Sign in" in page.text


def test_a_proxy_rewriting_host_gets_one_redirect_not_a_loop(
    browser: Browser, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="workos_middleware")
    page = browser.raw("GET", "/api/auth/signin?hostRedirect=1", [(b"host", b"backend:8000")])
    assert page.status_code == 200
    assert any("rewrites Host" in r.getMessage() for r in caplog.records)


def test_the_built_in_page_keeps_the_typed_email_after_an_error(
    browser: Browser, workos: respx.MockRouter
) -> None:
    response = browser.post(
        "/api/auth/signin/workos", data={"csrfToken": browser.csrf(), "email": "bob@nowhere"}
    )
    page = final_page(browser, response)
    assert "Single sign-on is not set up for that email address" in page.text
    assert 'value="bob@nowhere"' in page.text


# -- the audit records ------------------------------------------------------------------


def test_a_sign_in_is_one_info_record_with_who_and_where(
    browser: Browser, workos: respx.MockRouter, audit_log: pytest.LogCaptureFixture
) -> None:
    state = browser.state_of(browser.start_sign_in())
    audit_log.clear()
    browser.callback(code="the-code", state=state)
    record = only_record(audit_log, "signin")
    assert record["levelname"] == "INFO"
    assert (record["outcome"], record["reason"], record["provider"]) == ("success", "ok", "workos")
    assert record["user"] == "prof_01ALICE"
    assert record["organization"] == "org_01EXAMPLE"
    assert record["connection"] == "conn_01EXAMPLE"
    assert record["email"] == "a***@example.com"
    assert len(record["request_id"]) >= 8
    text = repr(audit_records(audit_log)[0].__dict__)
    for secret in ("the-code", state, TOKEN_RESPONSE["access_token"], "sk_test_key"):
        assert secret not in text
    assert "alice@example.com" not in text


def test_emails_are_logged_whole_only_when_configured(
    make_browser: Callable[..., Browser],
    workos: respx.MockRouter,
    audit_log: pytest.LogCaptureFixture,
) -> None:
    browser = make_browser(audit_emails=True)
    state = browser.state_of(browser.start_sign_in())
    browser.callback(code="c", state=state)
    assert only_record(audit_log, "signin")["email"] == "alice@example.com"


def test_the_request_id_of_a_proxy_is_kept_and_a_bad_one_replaced(
    browser: Browser, audit_log: pytest.LogCaptureFixture
) -> None:
    browser.post("/api/auth/signout", headers={"x-request-id": "req-123_abc"})
    assert only_record(audit_log, "signout")["request_id"] == "req-123_abc"
    audit_log.clear()
    browser.post("/api/auth/signout", headers={"x-request-id": "bad id\twith spaces"})
    assert only_record(audit_log, "signout")["request_id"] != "bad id\twith spaces"


def test_a_sign_out_is_one_info_record(
    browser: Browser, workos: respx.MockRouter, audit_log: pytest.LogCaptureFixture
) -> None:
    state = browser.state_of(browser.start_sign_in())
    browser.callback(code="c", state=state)
    csrf = browser.csrf()
    audit_log.clear()
    browser.post("/api/auth/signout", data={"csrfToken": csrf})
    record = only_record(audit_log, "signout")
    assert (record["levelname"], record["outcome"], record["reason"]) == ("INFO", "success", "ok")
    assert record["user"] == "prof_01ALICE"


REFUSALS: dict[str, tuple[Callable[[Browser], httpx.Response], str, str]] = {
    "csrf missing": (
        lambda b: b.post("/api/auth/signin/workos", data={"email": "a@example.com"}),
        "signin",
        "csrf_token_missing",
    ),
    "cross-origin": (
        lambda b: b.post(
            "/api/auth/signout",
            data={"csrfToken": b.csrf()},
            headers={"origin": "https://evil.test"},
        ),
        "signout",
        "cross_origin",
    ),
    "cross-site": (
        lambda b: b.post(
            "/api/auth/signout",
            data={"csrfToken": b.csrf()},
            headers={"sec-fetch-site": "cross-site"},
        ),
        "signout",
        "cross_site",
    ),
    "state cookie missing": (
        lambda b: b.callback(code="c", state="s"),
        "signin",
        "state_cookie_missing",
    ),
    "hostile body": (
        lambda b: b.post(
            "/api/auth/signout",
            content=b"&".join(b"f%d=v" % i for i in range(100)),
            headers={"content-type": "application/x-www-form-urlencoded"},
        ),
        "request",
        "malformed_body",
    ),
    "query too long": (
        lambda b: b.get("/api/auth/session?x=" + "q" * 9000),
        "request",
        "query_too_large",
    ),
    "IdP-initiated": (
        lambda b: b.callback(code="unsolicited"),
        "signin",
        "idp_initiated",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_refusals_are_one_warning_record_each(
    browser: Browser,
    workos: respx.MockRouter,
    audit_log: pytest.LogCaptureFixture,
    case: str,
) -> None:
    send, event, reason = REFUSALS[case]
    browser.csrf()
    audit_log.clear()
    send(browser)
    record = only_record(audit_log, event)
    assert (record["levelname"], record["outcome"], record["reason"]) == (
        "WARNING",
        "refused",
        reason,
    )
    assert not [r for r in audit_log.records if r.exc_info]  # no traceback


def test_a_replayed_state_is_a_state_reused_refusal(
    browser: Browser, workos: respx.MockRouter, audit_log: pytest.LogCaptureFixture
) -> None:
    state = browser.state_of(browser.start_sign_in())
    cookie = browser.cookies["next-auth.state"]
    browser.callback(code="c", state=state)
    browser.set_cookie("next-auth.state", cookie)
    audit_log.clear()
    browser.callback(code="c", state=state)
    assert only_record(audit_log, "signin")["reason"] == "state_reused"


def test_log_injection_through_parameters_is_neutralised(
    browser: Browser, workos: respx.MockRouter, audit_log: pytest.LogCaptureFixture
) -> None:
    state = browser.state_of(browser.start_sign_in())
    audit_log.clear()
    browser.callback(
        error="x\nsignin success: ok (user=admin)", error_description="\r\nforged", state=state
    )
    record = only_record(audit_log, "signin")
    assert "\n" not in record["message"] and "\r" not in record["message"]


def test_a_raising_sign_in_callback_fails_closed_and_is_recorded(
    make_browser: Callable[..., Browser],
    workos: respx.MockRouter,
    audit_log: pytest.LogCaptureFixture,
) -> None:
    def explode(*args: Any) -> bool:
        raise RuntimeError("database down")

    browser = make_browser(callbacks={"sign_in": explode})
    state = browser.state_of(browser.start_sign_in())
    audit_log.clear()
    response = browser.callback(code="c", state=state)
    assert response.headers["location"] == f"{APP_URL}/api/auth/error?error=AccessDenied"
    assert browser.get("/api/auth/session").json() == {}
    record = only_record(audit_log, "signin")
    assert (record["outcome"], record["reason"]) == ("failed", "sign_in_callback_raised")


def test_two_providers_name_the_one_that_failed(
    make_browser: Callable[..., Browser],
    workos: respx.MockRouter,
    audit_log: pytest.LogCaptureFixture,
) -> None:
    browser = make_browser(providers=[make_provider(), make_provider(id="two", name="Two")])
    workos["token"].respond(503)
    start = browser.post(
        "/api/auth/signin/two", data={"csrfToken": browser.csrf(), "email": "a@example.com"}
    )
    audit_log.clear()
    response = browser.get(
        "/api/auth/callback/two", params={"code": "c", "state": browser.state_of(start)}
    )
    page = final_page(browser, response)
    assert "The sign-in service could not be reached" in page.text
    assert only_record(audit_log, "signin")["provider"] == "two"
