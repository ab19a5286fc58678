"""The shapes of the values the middleware passes around, defined once.

A provider turns its profile into a :class:`User`; the session keeps a
:class:`SessionToken` (the user's fields under ``sub`` instead of ``id``, plus what a
``jwt`` callback adds); ``GET /session`` answers a :class:`Session`. The field list of
the user lives here only: :data:`PROFILE_FIELDS` is read off :class:`ProfileFields`.
"""

from __future__ import annotations

from typing import Final, Literal, TypedDict

__all__ = [
    "PROFILE_FIELDS",
    "ErrorCode",
    "ExtraProfileFields",
    "ProfileFields",
    "ProviderKeys",
    "Session",
    "SessionToken",
    "SessionUser",
    "User",
]


class ProfileFields(TypedDict, total=False):
    """What the session keeps about a user (each may be missing from an older token)."""

    name: str | None
    email: str | None
    image: str | None
    organization_id: str | None
    connection_id: str | None
    connection_type: str | None
    roles: list[str]
    groups: list[str]
    permissions: list[str]
    # Who the customer's directory says this is (its events name people this way):
    # the IdP's user id, and whether the email was verified (False: never matched).
    idp_id: str | None
    email_verified: bool | None


class ExtraProfileFields(TypedDict, total=False):
    """Kept only when the provider sets them (never as ``None``, so older tokens and
    providers without them are unchanged): the organization's display name, when
    ``WorkOSProvider(organization_names=True)`` looked it up."""

    organization_name: str


class User(ProfileFields, ExtraProfileFields):
    """The signed-in user a provider returns (NextAuth's ``user``)."""

    id: str


class ProviderKeys(TypedDict, total=False):
    """Which provider signed the user in (with ``sub``, the person's stable key), and,
    for providers with a session of their own (AuthKit), its state (refresh token,
    session id) sealed with AES-GCM."""

    provider: str
    provider_state: str


class SessionToken(ProfileFields, ExtraProfileFields, ProviderKeys):
    """The session cookie's content (NextAuth's JWT); ``sub`` is the user's id."""

    sub: str


class SessionUser(TypedDict):
    name: str | None
    email: str | None
    image: str | None


class Session(TypedDict):
    """What ``GET /api/auth/session`` returns before the ``session`` callback."""

    user: SessionUser
    expires: str


PROFILE_FIELDS: Final[tuple[str, ...]] = tuple(ProfileFields.__annotations__)

ErrorCode = Literal[
    "Configuration",
    "AccessDenied",
    "Verification",
    "Default",
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
]
"""NextAuth's error codes (the ``error=`` of the error and sign-in pages), plus
``NoConnection`` (no WorkOS connection for the sign-in), ``IdPInitiated`` (an
unsolicited callback from the identity provider, refused), ``Cancelled`` (the user
denied at the identity provider) and ``ProviderUnavailable`` (the provider could not be
reached, timed out or answered 429/5xx)."""
