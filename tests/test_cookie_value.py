"""The one-cookie lookup of the request path gives what the full Cookie parser gives."""

from __future__ import annotations

import random

import pytest

from workos_middleware._base.messages import cookie_value, parse_cookie_header

NAME = "next-auth.session-token"
PIECES = [
    NAME,
    f"{NAME}.0",
    f"x{NAME}",
    "theme",
    "=",
    ";",
    "; ",
    " ",
    "\t",
    '"',
    "v1.abc",
    "value",
    "",
]


def _random_header(rng: random.Random) -> str:
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 12)))


FIXED = [
    "",
    f"{NAME}=a",
    f"{NAME}=",
    f"{NAME}",
    f' {NAME} = "quoted" ; other=1',
    f"other=1; {NAME}=first; {NAME}=second",
    f"other={NAME}=fake; {NAME}=real",
    f"{NAME}.0=chunk; {NAME}.1=chunk",
    f"x{NAME}=no; {NAME}=yes",
    f"{NAME}x=no",
    f";{NAME}=no-space",
    f"a=1;  {NAME}=two-spaces",
    f"{NAME}==starts-with-equals",
    f"{NAME} =spaced",
]


@pytest.mark.parametrize("header", FIXED)
def test_fixed_headers(header: str) -> None:
    assert cookie_value(header, NAME) == parse_cookie_header(header).get(NAME)


def test_random_headers() -> None:
    rng = random.Random(9)
    for _ in range(20_000):
        header = _random_header(rng)
        assert cookie_value(header, NAME) == parse_cookie_header(header).get(NAME), header


def test_oversized_header_has_no_cookies() -> None:
    header = f"{NAME}=a; " + "x" * 70_000
    assert cookie_value(header, NAME) is None
    assert parse_cookie_header(header) == {}
