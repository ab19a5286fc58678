"""The signed-in user as Starlette's ``BaseUser``, for ``request.user`` and ``@requires``."""

from __future__ import annotations

from functools import cached_property

from starlette.authentication import AuthCredentials, BaseUser, UnauthenticatedUser

from .._base.types import SessionToken

__all__ = [
    "ANONYMOUS_CREDENTIALS",
    "ANONYMOUS_USER",
    "AUTHENTICATED",
    "AnonymousUser",
    "AuthUser",
]


class AuthUser(BaseUser):
    """A signed-in user; the session token's fields are attributes (``user.email``).

    Made for every request of a signed-in user, so it stores the token and nothing
    else: each field is read from the token when asked for.
    """

    def __init__(self, token: SessionToken) -> None:
        self.token = token

    @property
    def id(self) -> str:
        return self.token["sub"]

    @property
    def name(self) -> str | None:
        return self.token.get("name")

    @property
    def email(self) -> str | None:
        return self.token.get("email")

    @property
    def image(self) -> str | None:
        return self.token.get("image")

    @property
    def organization_id(self) -> str | None:
        return self.token.get("organization_id")

    @property
    def organization_name(self) -> str | None:
        """The organization's name, when the provider looked it up (else ``None``)."""
        return self.token.get("organization_name")

    @property
    def connection_id(self) -> str | None:
        return self.token.get("connection_id")

    @property
    def connection_type(self) -> str | None:
        return self.token.get("connection_type")

    @cached_property
    def roles(self) -> list[str]:
        return list(self.token.get("roles") or [])

    @cached_property
    def groups(self) -> list[str]:
        return list(self.token.get("groups") or [])

    @cached_property
    def permissions(self) -> list[str]:
        return list(self.token.get("permissions") or [])

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def display_name(self) -> str:
        return self.name or self.email or self.id

    @property
    def identity(self) -> str:
        return self.id

    def __repr__(self) -> str:
        return f"AuthUser(id={self.id!r}, email={self.email!r})"


class AnonymousUser(UnauthenticatedUser):
    """Nobody signed in: Starlette's ``UnauthenticatedUser``, and falsy, so that
    ``if request.user:`` and ``if current_user:`` mean "signed in"."""

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "AnonymousUser()"


ANONYMOUS_USER = AnonymousUser()
ANONYMOUS_CREDENTIALS = AuthCredentials()
AUTHENTICATED = AuthCredentials(["authenticated"])
