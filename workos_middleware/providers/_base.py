"""What the core needs of an identity provider."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from .._base.effects import Flow
from .._base.types import ErrorCode, User

__all__ = ["Provider", "SignInResult"]


@dataclass(frozen=True)
class SignInResult:
    """What a completed provider callback yields, in NextAuth's three shapes."""

    user: User
    account: dict[str, Any]
    profile: dict[str, Any] = field(default_factory=dict)
    # What the provider needs back later (a refresh token, its session id): kept
    # encrypted with the session and given to the provider's optional ``refresh`` and
    # ``signout_url`` methods. ``None`` for providers that keep nothing.
    provider_state: dict[str, Any] | None = None


@runtime_checkable
class Provider(Protocol):
    """An OAuth-style provider. ``style`` picks its form on the built-in sign-in page:
    ``"sso"`` asks for an email address, ``"oauth"`` is a plain button."""

    id: str
    name: str
    type: str
    style: Literal["sso", "oauth"]

    def authorization_params(
        self, query: Mapping[str, str], email: str | None
    ) -> Flow[dict[str, str]]:
        """The provider-specific authorization parameters for one sign-in.

        ``query`` is the sign-in request's query string; ``email`` the form's ``email``
        field, if any. Raises :class:`~workos_middleware.ProviderError` with
        ``code`` ``"NoConnection"`` when no connection can be chosen.
        """
        ...

    def authorization_url(
        self,
        params: Mapping[str, str],
        *,
        redirect_uri: str,
        state: str,
        code_challenge: str,
        nonce: str | None = None,
    ) -> str:
        """The URL the browser is sent to, with the protocol fields set by the core.

        ``nonce`` is the pending sign-in's OpenID Connect nonce (send it if the provider
        issues ID tokens; it comes back to :meth:`complete`)."""
        ...

    def error_code(self, error: str) -> ErrorCode:
        """The NextAuth error code for the ``error`` the provider sent to the callback."""
        ...

    def complete(
        self, *, code: str, redirect_uri: str, code_verifier: str, nonce: str | None = None
    ) -> Flow[SignInResult]:
        """Exchange ``code`` (once, never retried) and return the signed-in user."""
        ...
