"""The signed-in pages show the session's expiry in words: ``expires_in_words``."""

from __future__ import annotations

import calendar

import pytest

from workos_middleware import expires_in_words

NOW = calendar.timegm((2026, 11, 27, 7, 28, 0))


@pytest.mark.parametrize(
    ("expires", "words"),
    [
        ("2026-12-27T07:28:00.000Z", "in 30 days, on 27 December 2026 at 07:28 UTC"),
        ("2026-11-28T07:28:00.000Z", "in 1 day, on 28 November 2026 at 07:28 UTC"),
        ("2026-11-27T12:28:00.000Z", "in 5 hours, on 27 November 2026 at 12:28 UTC"),
        ("2026-11-27T07:29:00.000Z", "in 1 minute, on 27 November 2026 at 07:29 UTC"),
        ("2026-11-27T07:28:30.000Z", "in less than a minute, on 27 November 2026 at 07:28 UTC"),
        ("2026-11-26T07:28:00.000Z", "already expired (on 26 November 2026 at 07:28 UTC)"),
    ],
)
def test_expiry_in_words(expires: str, words: str) -> None:
    assert expires_in_words(expires, now=NOW) == words


@pytest.mark.parametrize("bad", [None, "", "tomorrow", "2026-13-45T99:00:00Z", 42])
def test_not_a_time_is_none(bad: object) -> None:
    assert expires_in_words(bad, now=NOW) is None  # type: ignore[arg-type]
