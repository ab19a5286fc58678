"""The package's exceptions and NextAuth's error codes with their texts."""

from __future__ import annotations

from typing import Final

from ._types import ErrorCode

__all__ = [
    "SIGNIN_ERROR_CODES",
    "ConfigurationError",
    "MiddlewareNotInstalled",
    "ProviderError",
    "SessionTooLarge",
    "WorkOSMiddlewareError",
    "error_page_text",
    "signin_error_message",
]


class WorkOSMiddlewareError(Exception):
    """Base class of every exception this package raises."""


class ConfigurationError(WorkOSMiddlewareError, ValueError):
    """A setting is missing or invalid; raised when the middleware is constructed."""


class ProviderError(WorkOSMiddlewareError):
    """The identity provider answered with an error or something unusable.

    ``code`` is the NextAuth error code the sign-in ends with.
    """

    def __init__(self, message: str, code: ErrorCode = "Callback") -> None:
        super().__init__(message)
        self.code = code


class MiddlewareNotInstalled(WorkOSMiddlewareError, LookupError):
    """The user or session of a request was read before the middleware ran for it
    (the middleware is missing, or sits inside the code that reads the user)."""


class SessionTooLarge(WorkOSMiddlewareError):
    """The session would need more cookie chunks than a browser reliably keeps."""


# Codes that NextAuth shows on the sign-in page rather than on the error page.
SIGNIN_ERROR_CODES: Final[frozenset[ErrorCode]] = frozenset(
    {
        "Signin",
        "OAuthSignin",
        "OAuthCallback",
        "OAuthCreateAccount",
        "EmailCreateAccount",
        "Callback",
        "OAuthAccountNotLinked",
        "EmailSignin",
        "CredentialsSignin",
        "SessionRequired",
        "NoConnection",
        "IdPInitiated",
    }
)

_DIFFERENT_ACCOUNT = "Try signing in with a different account."
_SIGNIN_MESSAGES: Final[dict[str, str]] = {
    "Signin": _DIFFERENT_ACCOUNT,
    "OAuthSignin": _DIFFERENT_ACCOUNT,
    "OAuthCallback": _DIFFERENT_ACCOUNT,
    "OAuthCreateAccount": _DIFFERENT_ACCOUNT,
    "EmailCreateAccount": _DIFFERENT_ACCOUNT,
    "Callback": _DIFFERENT_ACCOUNT,
    "OAuthAccountNotLinked": (
        "To confirm your identity, sign in with the same account you used originally."
    ),
    "EmailSignin": "Check your email address.",
    "CredentialsSignin": "Sign in failed. Check the details you provided are correct.",
    "SessionRequired": "Please sign in to access this page.",
    "AccessDenied": "You do not have permission to sign in.",
    "NoConnection": (
        "Single sign-on is not set up for that email address. "
        "Check the address, or ask your administrator."
    ),
    "IdPInitiated": (
        "Sign-in from your identity provider's dashboard is not enabled for this app. "
        "Sign in here instead."
    ),
    "Default": "Unable to sign in.",
}


def signin_error_message(code: str) -> str:
    """The sign-in page's text for an error code (NextAuth's wording)."""
    return _SIGNIN_MESSAGES.get(code, _SIGNIN_MESSAGES["Default"])


def error_page_text(code: str) -> tuple[int, str, str]:
    """Status, heading and message of the built-in error page for a code."""
    if code == "Configuration":
        return (
            500,
            "Server error",
            "There is a problem with the server configuration. "
            "Check the server logs for more information.",
        )
    if code == "Unavailable":
        return (
            503,
            "Service unavailable",
            "Signing in is unavailable for a moment. Please try again shortly.",
        )
    if code == "AccessDenied":
        return 403, "Access denied", "You do not have permission to sign in."
    if code == "Verification":
        return (
            403,
            "Unable to sign in",
            "The sign in link is no longer valid. It may have been used already "
            "or it may have expired.",
        )
    return 200, "Error", "Unable to sign in."
