"""Property-based fuzzing of every entry point with hypothesis.

Random methods, request targets (odd percent-encodings, invalid UTF-8 once decoded,
dot segments, NUL), query strings, headers, cookies (ours with random values, forged
chunks) and bodies (form, JSON, binary, with random content types) go straight into the
five entry points of ``support/matrix.py`` (Starlette, FastAPI, Flask, Django under WSGI
and ASGI; a hand-built scope with raw bytes, or an environ as a PEP 3333 server builds
it), with a protected path among the targets. Whatever comes in, what goes out
satisfies:

- no 5xx, except the error page of the ``Configuration`` code (a server misconfiguration
  by definition) and a provider outage (here WorkOS is mocked and always answers);
- no traceback in the body;
- a ``Location`` only on the app's origin or to WorkOS's authorize URL;
- no ``Set-Cookie`` over 4,096 bytes, no CR/LF or other control character in a header;
- the app keeps serving afterwards.

The budget: ``WORKOS_MIDDLEWARE_FUZZ_EXAMPLES`` examples per entry point and test (60 in
``make test``; ``make fuzz`` runs 3,000).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import respx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support import APP_URL, NO_ORGANIZATIONS, TOKEN_RESPONSE, WORKOS_URL
from support.matrix import Entry

EXAMPLES = int(os.environ.get("WORKOS_MIDDLEWARE_FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

COOKIE_NAMES = [
    "next-auth.session-token",
    "next-auth.session-token.0",
    "next-auth.session-token.1",
    "next-auth.csrf-token",
    "next-auth.callback-url",
    "next-auth.state",
    "other",
]
ROUTES = [
    "/api/auth/signin",
    "/api/auth/signin/workos",
    "/api/auth/signout",
    "/api/auth/callback/workos",
    "/api/auth/session",
    "/api/auth/csrf",
    "/api/auth/providers",
    "/api/auth/error",
    "/api/auth",
    "/",
    "/private",
]
_CONTROL = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")

# -- strategies ------------------------------------------------------------------------

_url_char = st.one_of(
    st.sampled_from(list("abcXYZ019-._~/?#[]@!$&'()*+,;=:")),
    st.sampled_from(["%00", "%0a", "%0d", "%2f", "%5c", "%2e", "%ff", "%c3%28", "%e2%80%ae"]),
    st.sampled_from(["%", "%z", "%%", "%25", "..", "//", "\\"]),
)
_noise = st.lists(_url_char, max_size=12).map("".join)
targets = st.builds(lambda route, tail: route + tail, st.sampled_from(ROUTES), _noise)
_param_names = st.sampled_from(
    ["callbackUrl", "csrfToken", "code", "state", "error", "email", "json", "x", ""]
)
_param_values = st.one_of(
    _noise,
    st.sampled_from(["https://evil.test", "//evil.test", "true", "Configuration", "access_denied"]),
    st.text(max_size=40),
)
queries = st.lists(st.tuples(_param_names, _param_values), max_size=5).map(
    lambda pairs: "&".join(f"{k}={v}" for k, v in pairs)
)
# Header values as a server passes them on: bytes without CR, LF or NUL.
header_values = st.binary(max_size=60).map(lambda b: _CONTROL.sub(b"", b))
cookies = st.lists(st.tuples(st.sampled_from(COOKIE_NAMES), header_values), max_size=5).map(
    lambda pairs: b"; ".join(n.encode() + b"=" + v for n, v in pairs)
)
headers = st.lists(
    st.one_of(
        st.tuples(st.just(b"cookie"), cookies),
        st.tuples(
            st.sampled_from(
                [
                    b"origin",
                    b"host",
                    b"x-forwarded-host",
                    b"x-forwarded-proto",
                    b"referer",
                    b"sec-fetch-site",
                    b"x-request-id",
                    b"accept",
                    b"content-length",
                ]
            ),
            header_values,
        ),
    ),
    max_size=5,
)
content_types = st.sampled_from(
    [
        b"application/x-www-form-urlencoded",
        b"application/json",
        b"text/plain",
        b"multipart/form-data; boundary=x",
        b"",
        b"application/json; charset=utf-16",
    ]
)
bodies = st.one_of(
    st.binary(max_size=300),
    queries.map(str.encode),
    st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20)),
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(st.text(max_size=10), children, max_size=3)
        ),
        max_leaves=10,
    ).map(lambda value: __import__("json").dumps(value).encode()),
)
methods = st.sampled_from(["GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH", "FOO"])
requests = st.fixed_dictionaries(
    {
        "method": methods,
        "target": targets,
        "query": queries,
        "headers": headers,
        "content_type": content_types,
        "body": bodies,
    }
)

# -- driving the adapters directly -------------------------------------------------------


@pytest.fixture
def workos() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=WORKOS_URL, assert_all_called=False) as router:
        router.get("/organizations").respond(200, json=NO_ORGANIZATIONS)
        router.post("/sso/token").respond(200, json=TOKEN_RESPONSE)
        yield router


@pytest.fixture
def send(
    entry_point: str, make_entry: Callable[..., Entry], workos: respx.MockRouter
) -> Callable[[dict[str, Any]], httpx.Response]:
    """A request spec through one of the five entry points, exactly as generated."""
    entry = make_entry(entry_point, protect=["/private/**"])

    def send_spec(spec: dict[str, Any]) -> httpx.Response:
        target = spec["target"].encode("utf-8", "replace").partition(b"?")[0]
        target += b"?" + spec["query"].encode("utf-8", "replace")
        headers: list[tuple[bytes, bytes]] = list(spec["headers"])
        body: bytes = spec["body"] if spec["method"] == "POST" else b""
        if body:
            headers.append((b"content-type", spec["content_type"]))
        return entry.send(spec["method"], target, headers, body)

    return send_spec


def check(spec: dict[str, Any], response: httpx.Response) -> None:
    is_error_page = spec["target"].startswith("/api/auth/error")
    assert response.status_code < 500 or is_error_page, (spec, response.status_code)
    assert b"Traceback" not in response.content
    assert b'File "' not in response.content
    for name, value in response.headers.raw:
        assert not re.search(rb"[\x00-\x1f\x7f]", name + value), (name, value)
    for cookie in response.headers.get_list("set-cookie"):
        assert len(cookie.encode()) <= 4096
    location = response.headers.get("location")
    if location is not None:
        assert (
            location == APP_URL
            or location.startswith(APP_URL + "/")
            or location.startswith(f"{WORKOS_URL}/sso/authorize?")
        ), location


@FUZZ
@given(spec=requests)
def test_any_request_gets_a_safe_answer(send: Any, spec: dict[str, Any]) -> None:
    check(spec, send(spec))


@FUZZ
@given(specs=st.lists(requests, min_size=1, max_size=4))
def test_the_app_keeps_serving_after_any_requests(send: Any, specs: list[dict[str, Any]]) -> None:
    for spec in specs:
        check(spec, send(spec))
    alive = send(
        {
            "method": "GET",
            "target": "/api/auth/csrf",
            "query": "",
            "headers": [],
            "content_type": b"",
            "body": b"",
        }
    )
    assert alive.status_code == 200
    assert len(alive.json()["csrfToken"]) == 64
