"""The signed-in user as Starlette's ``BaseUser``, for ``request.user`` and ``@requires``."""

from __future__ import annotations

from starlette.authentication import AuthCredentials, BaseUser, UnauthenticatedUser

from ._types import SessionToken

__all__ = [
    "ANONYMOUS_CREDENTIALS",
    "ANONYMOUS_USER",
    "AUTHENTICATED",
    "AnonymousUser",
    "AuthUser",
]


class AuthUser(BaseUser):
    """A signed-in user; the session token's fields are attributes (``user.email``)."""

    def __init__(self, token: SessionToken) -> None:
        self.token = token
        self.id: str = token["sub"]
        self.name: str | None = token.get("name")
        self.email: str | None = token.get("email")
        self.image: str | None = token.get("image")
        self.organization_id: str | None = token.get("organization_id")
        self.connection_id: str | None = token.get("connection_id")
        self.connection_type: str | None = token.get("connection_type")
        self.roles: list[str] = list(token.get("roles") or [])
        self.groups: list[str] = list(token.get("groups") or [])

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
