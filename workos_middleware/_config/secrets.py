"""The signing secrets: present, long enough, and not a placeholder copied from a guide.

``AUTH_SECRET`` signs every cookie; a documentation value (``your-secret-here``,
``changeme``), one character repeated or a value too short would let anyone who read
the same guide mint sessions. Each refusal names the command that makes a good one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from .._base.errors import ConfigurationError

__all__ = ["GENERATE", "MIN_SECRET_LENGTH", "checked_secrets"]

MIN_SECRET_LENGTH: Final = 16
GENERATE: Final = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"

# Compared after lower-casing and dropping everything but letters and digits, so
# "Your-Secret-Here", "your_secret_here" and "YOUR SECRET HERE" are one value.
_PLACEHOLDERS: Final[frozenset[str]] = frozenset(
    {
        "secret",
        "secrets",
        "mysecret",
        "supersecret",
        "topsecret",
        "yoursecret",
        "yoursecrethere",
        "yoursecretkey",
        "yoursecretkeyhere",
        "yourauthsecret",
        "yourauthsecrethere",
        "yournextauthsecret",
        "nextauthsecret",
        "authsecret",
        "secretkey",
        "changeme",
        "changemeplease",
        "pleasechangeme",
        "changethis",
        "changethissecret",
        "replaceme",
        "replacewithyoursecret",
        "insertsecrethere",
        "putyoursecrethere",
        "placeholder",
        "password",
        "development",
        "developmentsecret",
        "devsecret",
        "testsecret",
        "notasecret",
        "notsecret",
        "insecure",
        "todo",
        "xxx",
    }
)
# Words that only a placeholder contains, wherever they stand in it.
_PLACEHOLDER_WORDS: Final = ("changeme", "replaceme", "yoursecret", "secrethere", "placeholder")


def checked_secrets(secret: str | Sequence[str] | None) -> tuple[str, ...]:
    """The secrets, newest last; a :class:`ConfigurationError` naming ``AUTH_SECRET``
    and the command that makes one when any is missing, short or a placeholder."""
    secrets = [secret] if isinstance(secret, str) else list(secret or ())
    if not secrets or not all(isinstance(s, str) and s for s in secrets):
        raise ConfigurationError(
            f"no secret configured: set AUTH_SECRET to the output of `{GENERATE}`"
        )
    for value in secrets:
        problem = _weakness(value)
        if problem is not None:
            raise ConfigurationError(
                f"AUTH_SECRET {problem}: anyone who can guess it can sign themselves in. "
                f"Set it to the output of `{GENERATE}`"
            )
    return tuple(secrets)


def _weakness(value: str) -> str | None:
    if len(value) < MIN_SECRET_LENGTH:
        return f"is too short: use at least {MIN_SECRET_LENGTH} characters"
    if len(set(value)) == 1:
        return "is one character repeated"
    letters = re.sub(r"[^a-z0-9]", "", value.lower())
    if _repeats_a_short_unit(letters) or letters in _PLACEHOLDERS:
        return "is a placeholder value"
    if any(word in letters for word in _PLACEHOLDER_WORDS):
        return "is a placeholder value"
    return None


def _repeats_a_short_unit(letters: str) -> bool:
    """``abababab...``, ``12341234...``, ``secretsecret...``: one short unit, repeated
    (or nothing but punctuation)."""
    if not letters:
        return True
    return any(
        len(letters) >= 2 * size and letters == (letters[:size] * len(letters))[: len(letters)]
        for size in range(1, 9)
    )
