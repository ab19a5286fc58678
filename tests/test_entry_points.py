"""The same crafted requests through every entry point: the passthrough decision is made
once, so Starlette, FastAPI, Flask, Django (WSGI and ASGI) and the mounted combinations
give each request the same outcome.

The cases are the ones an attacker tries (issue 13): protected paths and their bypass
variants, methods in lower case, CORS-preflight-shaped ``OPTIONS``, Unicode look-alikes
that a case-insensitive router folds onto a protected path, spoofed ``X-Auth-Request-*``
headers of every spelling, unreadable paths, claims of any shape against an
``AccessRule``, and a session store that is down. Each app is a catch-all that serves
anything it is handed (see ``support/matrix.py``).
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from pathlib import Path
from pprint import pformat
from typing import Any

import pytest

from workos_middleware import AccessRule, ConfigurationError, RedisSessionStore, Rule
from workos_middleware._rules.rules import fold_case

from support import (
    SESSION_COOKIE,
    make_config,
    session_cookie,
    session_token,
    stored_session_cookie,
)
from support.matrix import EVERY_ENTRY, Entry, outcome

BYPASS_FILE = Path(__file__).parent / "data" / "protect-bypass.txt"
BYPASS_PATHS = [
    line for line in BYPASS_FILE.read_text().splitlines() if line and not line.startswith("#")
]

JSON = [("accept", "application/json")]
NAVIGATION = [("accept", "text/html"), ("sec-fetch-mode", "navigate")]
PREFLIGHT = [("origin", "https://other.example"), ("access-control-request-method", "POST")]
SPOOFED = [
    ("X-Auth-Request-User", "admin"),
    ("x-auth-request-access-token", "stolen"),
    ("X-AUTH-REQUEST-PREFERRED-USERNAME", "admin"),
    ("X_Auth_Request_Email", "admin@evil.test"),
    ("x_auth_request_groups", "admins"),
]
ALICE = "alice@example.com"
ALICE_HEADERS = {
    "x-auth-request-user": "prof_01ALICE",
    "x-auth-request-email": ALICE,
    "x-auth-request-groups": "",
}
ANONYMOUS_APP = ("app", None, {})
ALICE_APP = ("app", ALICE, ALICE_HEADERS)

RULES: dict[str, Any] = {
    "protect": [
        "/admin/**",
        "/dashboard",
        "/desk",
        "/orgs/*/settings",
        "/reports/**",
        Rule("/posts/**", methods=["POST"]),
        Rule("/org-only/**", allow=AccessRule(organizations=["org_1"])),
    ],
    "public": ["/public/**", "/static/**"],
    "case_sensitive": False,
    "identity_headers": True,
}


def cookie(**claims: Any) -> tuple[str, str]:
    return ("cookie", f"{SESSION_COOKIE}={session_cookie(session_token(**claims))}")


# (method, target as on the wire, headers, expected outcome)
CASES: dict[str, tuple[str, str, list[tuple[str, str]], tuple[Any, ...]]] = {
    "protected, API": ("GET", "/admin/users", JSON, (401,)),
    "protected, navigation": ("GET", "/dashboard", NAVIGATION, (302,)),
    "public exception": ("GET", "/public/x", JSON, ANONYMOUS_APP),
    "not protected": ("GET", "/", JSON, ANONYMOUS_APP),
    "upper case": ("GET", "/DASHBOARD", JSON, (401,)),
    "long s (U+017F)": ("GET", "/da%C5%BFhboard", JSON, (401,)),
    "dotless i (U+0131)": ("GET", "/adm%C4%B1n/users", JSON, (401,)),
    "dotted I (U+0130)": ("GET", "/ADM%C4%B0N/users", JSON, (401,)),
    "Kelvin sign (U+212A)": ("GET", "/des%E2%84%AA", JSON, (401,)),
    "POST rule, POST": ("POST", "/posts/1", JSON, (401,)),
    "POST rule, post": ("post", "/posts/1", JSON, (401,)),
    "POST rule, Post": ("Post", "/posts/1", JSON, (401,)),
    "POST rule, GET": ("GET", "/posts/1", JSON, ANONYMOUS_APP),
    "preflight, protected": ("OPTIONS", "/reports/x", PREFLIGHT, (401,)),
    "preflight, lower case": ("options", "/reports/x", PREFLIGHT, (401,)),
    "preflight, public": ("OPTIONS", "/public/x", PREFLIGHT, ANONYMOUS_APP),
    "NUL in path": ("GET", "/admin%00", JSON, (400,)),
    "invalid UTF-8": ("GET", "/%C3%28", JSON, (400,)),
    "climbs above root": ("GET", "/public/../../admin", JSON, (400,)),
    "spoofed, anonymous": ("GET", "/", [*JSON, *SPOOFED], ANONYMOUS_APP),
    "spoofed, public": ("GET", "/public/x", [*SPOOFED, *JSON], ANONYMOUS_APP),
    "signed in": ("GET", "/admin/users", [*JSON, cookie()], ALICE_APP),
    "signed in, post": ("post", "/posts/1", [*JSON, cookie()], ALICE_APP),
    "signed in, look-alike": ("GET", "/da%C5%BFhboard", [*JSON, cookie()], ALICE_APP),
    "signed in, spoofed": ("GET", "/", [*SPOOFED, cookie(), *JSON], ALICE_APP),
    "organization claim": ("GET", "/org-only/x", [*JSON, cookie(organization_id="org_1")], None),
    "organization claim, list": (
        "GET",
        "/org-only/x",
        [*JSON, cookie(organization_id=["org_1"])],
        (403,),
    ),
    "organization claim, number": (
        "GET",
        "/org-only/x",
        [*JSON, cookie(organization_id=1)],
        (403,),
    ),
    "organization claim, object": (
        "GET",
        "/org-only/x",
        [*JSON, cookie(organization_id={"id": "org_1"})],
        (403,),
    ),
    "organization claim, missing": ("GET", "/org-only/x", [*JSON, cookie()], (403,)),
}
CASES["organization claim"] = (*CASES["organization claim"][:3], ALICE_APP)


def outcomes(entry: Entry) -> dict[str, tuple[Any, ...]]:
    return {
        name: outcome(entry.send(method, target, headers))
        for name, (method, target, headers, _) in CASES.items()
    }


def test_crafted_requests_get_the_decided_outcome(
    any_entry: str, make_entry: Callable[..., Entry]
) -> None:
    got = outcomes(make_entry(any_entry, **RULES))
    expected = {name: case[3] for name, case in CASES.items()}
    wrong = {name: got[name] for name in CASES if got[name] != expected[name]}
    assert wrong == {}, pformat(wrong)


def test_the_same_request_gets_the_same_outcome_on_every_entry(
    make_entry: Callable[..., Entry],
) -> None:
    table = {name: outcomes(make_entry(name, **RULES)) for name in EVERY_ENTRY}
    first = table[EVERY_ENTRY[0]]
    differing = {
        case: {name: table[name][case] for name in EVERY_ENTRY}
        for case in CASES
        if any(table[name][case] != first[case] for name in EVERY_ENTRY)
    }
    assert differing == {}, pformat(differing)


def test_identity_headers_are_removed_even_when_not_configured(
    any_entry: str, make_entry: Callable[..., Entry]
) -> None:
    entry = make_entry(any_entry)
    assert outcome(entry.send("GET", "/x", [*SPOOFED, *JSON])) == ANONYMOUS_APP
    # Behind the bridge the Flask app knows the user only by the (unconfigured) headers.
    alice = None if any_entry == "fastapi+flask" else ALICE
    assert outcome(entry.send("GET", "/x", [*SPOOFED, cookie()])) == ("app", alice, {})


def test_the_bypass_list_never_reaches_protected_content(
    any_entry: str, make_entry: Callable[..., Entry]
) -> None:
    entry = make_entry(
        any_entry,
        protect=["/admin/**", "/dashboard", "/orgs/*/settings"],
        public=["/public/**", "/static/**"],
    )
    answers = {path: outcome(entry.send("GET", path, JSON)) for path in BYPASS_PATHS}
    assert {path: got for path, got in answers.items() if got not in ((401,), (400,))} == {}
    # And the content is there for a path no rule protects: the test can fail.
    assert outcome(entry.send("GET", "/public/x", JSON)) == ANONYMOUS_APP


# -- the session store is down ------------------------------------------------------------


def test_store_down_fails_closed_on_every_entry(
    any_entry: str, make_entry: Callable[..., Entry], closed_store: RedisSessionStore
) -> None:
    entry = make_entry(any_entry, session_store=closed_store, protect=["/admin/**"])
    session = ("cookie", f"{SESSION_COOKIE}={stored_session_cookie()}")
    assert outcome(entry.send("GET", "/admin/x", [*JSON, session])) == (503,)
    assert outcome(entry.send("GET", "/", [*JSON, session])) == (503,)
    page = entry.send("GET", "/admin/x", [("accept", "text/html"), session])
    assert page.status_code == 503 and "text/html" in page.headers["content-type"]
    # Anonymous requests need no store: they go on.
    assert outcome(entry.send("GET", "/", JSON)) == ANONYMOUS_APP
    assert outcome(entry.send("GET", "/admin/x", JSON)) == (401,)


# -- case folding: what a case-insensitive router matches -------------------------------


def test_case_folding_agrees_with_re_ignorecase_on_every_code_point() -> None:
    """``fold_case`` maps exactly the characters ``re.IGNORECASE`` matches to an ASCII
    letter onto that letter, and leaves every other character alone."""
    letter = re.compile("[a-z]", re.IGNORECASE)
    for code_point in range(0x110000):
        if 0xD800 <= code_point < 0xE000:
            continue
        char = chr(code_point)
        folded = fold_case(char)
        if letter.fullmatch(char):
            assert folded in string.ascii_lowercase, char
            assert re.fullmatch(folded, char, re.IGNORECASE), char
        else:
            assert folded == char, char


@pytest.mark.parametrize("setting", ["protect", "public", "api_prefixes"])
def test_non_ascii_patterns_are_refused_when_matching_ignores_case(setting: str) -> None:
    options: dict[str, Any] = {"protect": ["/admin/**"], setting: ["/caf\u00e9/**"]}
    with pytest.raises(ConfigurationError, match="case_sensitive"):
        make_config(case_sensitive=False, **options)
    make_config(case_sensitive=True, **options)  # matched as written: fine
