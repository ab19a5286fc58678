"""The package's exceptions and NextAuth's error codes with their texts."""

from __future__ import annotations

from typing import Final

from .types import ErrorCode

__all__ = [
    "SIGNIN_ERROR_CODES",
    "ConfigurationError",
    "MiddlewareNotInstalled",
    "ProviderError",
    "ProviderMisconfigured",
    "ProviderUnavailable",
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


class ProviderUnavailable(ProviderError):
    """The provider could not be reached, timed out or answered 429/5xx: try again later.

    The message names the URL, the status or exception and the time taken.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message, "ProviderUnavailable")


class ProviderMisconfigured(ProviderError):
    """The provider refused our credentials or does not know the URL: a configuration
    error of this app. ``settings`` names what the operator should check."""

    def __init__(self, message: str, settings: str) -> None:
        super().__init__(f"{message}: check {settings}", "Configuration")
        self.settings = settings


def provider_status_error(
    what: str, url: str, status: int, body: str, elapsed: float, *, credentials: str, base_url: str
) -> ProviderError:
    """The error for a provider's non-2xx answer, by cause: our credentials
    (``credentials`` names the settings), a wrong base URL (``base_url`` names it), the
    provider's outage (429, 5xx), or a refusal of this sign-in (other 4xx)."""
    detail = body[:200].replace("\r", " ").replace("\n", " ")
    where = f"{what} at {url} answered HTTP {status} after {elapsed:.2f} s"
    lowered = body.lower()
    if status in (401, 403) or (
        status == 400 and ("invalid_client" in lowered or "unauthorized_client" in lowered)
    ):
        return ProviderMisconfigured(
            f"{where}, refusing this app's credentials ({detail})", credentials
        )
    if status in (404, 405):
        return ProviderMisconfigured(f"{where}: no such endpoint", base_url)
    if status == 429 or status >= 500:
        return ProviderUnavailable(f"{where} ({detail})")
    return ProviderError(f"{where} ({detail})")


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
        "Cancelled",
        "ProviderUnavailable",
    }
)

_DIFFERENT_ACCOUNT = "Try signing in with a different account."
_SIGNIN_MESSAGES: Final[dict[str, str]] = {
    "Signin": _DIFFERENT_ACCOUNT,
    "OAuthSignin": "The sign-in could not be started. Please try again.",
    "OAuthCallback": (
        "This sign-in could not be completed: it expired, was already used, or was "
        "started in another browser or tab. Please sign in again."
    ),
    "Cancelled": "The sign-in was cancelled. Sign in again when you are ready.",
    "ProviderUnavailable": (
        "{provider} could not be reached to sign you in. Please try again in a moment."
    ),
    "OAuthCreateAccount": _DIFFERENT_ACCOUNT,
    "EmailCreateAccount": _DIFFERENT_ACCOUNT,
    "Callback": (
        "The sign-in could not be completed. Please try again; if it keeps failing, "
        "ask your administrator."
    ),
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


def signin_error_message(code: str, provider: str = "The sign-in service") -> str:
    """The sign-in page's text for an error code (``provider`` names who could not be
    reached, for ``ProviderUnavailable``)."""
    message = _SIGNIN_MESSAGES.get(code, _SIGNIN_MESSAGES["Default"])
    return message.replace("{provider}", provider)


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
