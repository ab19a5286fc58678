"""The emulator's test data: organizations, their domains and connections, and test users.

The model is immutable: every change builds a new :class:`EmulatorData`. Field names are the
data file's keys (``datafile.py`` reads them, :func:`plain` writes them back), and the wire
format (``wire.py``) starts from :func:`plain` too, so each field is named in one place.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, fields, is_dataclass, replace
from typing import Any

DOMAIN_STATES = ("verified", "legacy_verified", "pending", "unverified", "failed")
VERIFIED_STATES = ("verified", "legacy_verified")
VERIFICATION_STRATEGIES = ("manual", "dns")
CONNECTION_STATES = ("active", "inactive")
PROVIDER_KINDS = ("oidc", "github")
DIRECTORY_STATES = ("linked", "validating", "invalid_credentials", "unlinked", "deleting")
DIRECTORY_USER_STATES = ("active", "inactive", "suspended")
DEFAULT_TIMESTAMP = "2024-01-01T00:00:00.000Z"


class DataError(ValueError):
    """Test data that does not have the data-file shape; the message names the bad field."""


def plain(item: Any, *, omit: Collection[str] = ()) -> dict[str, Any]:
    """A model object as JSON-ready values, keyed by its field names (``omit`` left out)."""
    return {f.name: _plain_value(getattr(item, f.name)) for f in fields(item) if f.name not in omit}


def _plain_value(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return plain(value)
    if isinstance(value, tuple | list):
        return [_plain_value(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain_value(v) for k, v in value.items()}
    return copy.deepcopy(value)


@dataclass(frozen=True)
class User:
    """A test user of one connection; becomes a WorkOS profile when it signs in."""

    id: str
    email: str
    idp_id: str
    first_name: str | None = None
    last_name: str | None = None
    name: str | None = None
    role: str | None = "member"
    roles: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    custom_attributes: Mapping[str, Any] = field(default_factory=dict)
    raw_attributes: Mapping[str, Any] = field(default_factory=dict)

    @property
    def display_name(self) -> str:
        return self.name or self.email

    @property
    def email_domain(self) -> str:
        return self.email.rpartition("@")[2].lower()


@dataclass(frozen=True)
class Domain:
    """A domain an organization owns; only verified ones vouch for its users."""

    id: str
    domain: str
    state: str = "verified"
    verification_strategy: str = "manual"

    @property
    def verified(self) -> bool:
        return self.state in VERIFIED_STATES


@dataclass(frozen=True)
class Connection:
    """An SSO connection (``organization_id`` set) or an OAuth provider connection (unset)."""

    id: str
    name: str
    connection_type: str
    organization_id: str | None = None
    state: str = "active"
    users: tuple[User, ...] = ()

    @property
    def active(self) -> bool:
        return self.state == "active"

    def user(self, user_id: str) -> User | None:
        return next((u for u in self.users if u.id == user_id), None)

    def user_by_email(self, email: str) -> User | None:
        wanted = email.strip().lower()
        return next((u for u in self.users if u.email.lower() == wanted), None)


@dataclass(frozen=True)
class Organization:
    """A WorkOS organization with its domains."""

    id: str
    name: str
    domains: tuple[Domain, ...] = ()
    allow_profiles_outside_organization: bool = False
    external_id: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
    created_at: str = DEFAULT_TIMESTAMP
    updated_at: str = DEFAULT_TIMESTAMP

    def has_domain(self, domain: str, *, verified_only: bool = False) -> bool:
        wanted = domain.strip().lower()
        return any(d.domain == wanted and (d.verified or not verified_only) for d in self.domains)

    def allows_email(self, email: str) -> bool:
        """Whether a profile with this email may sign in through this organization."""
        if self.allow_profiles_outside_organization:
            return True
        return self.has_domain(email.rpartition("@")[2], verified_only=True)


@dataclass(frozen=True)
class Membership:
    """An AuthKit user's membership of an organization, with its role and permissions."""

    id: str
    organization_id: str
    role: str = "member"
    permissions: tuple[str, ...] = ()


@dataclass(frozen=True)
class AuthKitUser:
    """A WorkOS User Management (AuthKit) user; it may belong to several organizations."""

    id: str
    email: str
    first_name: str | None = None
    last_name: str | None = None
    email_verified: bool = True
    profile_picture_url: str | None = None
    external_id: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
    created_at: str = DEFAULT_TIMESTAMP
    updated_at: str = DEFAULT_TIMESTAMP
    memberships: tuple[Membership, ...] = ()

    @property
    def display_name(self) -> str:
        name = " ".join(part for part in (self.first_name, self.last_name) if part)
        return name or self.email

    def membership(self, organization_id: str) -> Membership | None:
        return next((m for m in self.memberships if m.organization_id == organization_id), None)


@dataclass(frozen=True)
class ProviderEmail:
    """One of a GitHub user's email addresses (``GET /user/emails``)."""

    email: str
    primary: bool = False
    verified: bool = True
    visibility: str | None = None


@dataclass(frozen=True)
class ProviderUser:
    """A user of an OpenID Connect or GitHub-like provider.

    ``sub`` is the OIDC subject, and GitHub's numeric ``id`` for a GitHub-like provider.
    ``email`` is the public one (``null`` when the user hides it); ``emails`` are all of them.
    """

    sub: str
    email: str | None
    email_verified: bool = True
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    picture: str | None = None
    login: str | None = None
    emails: tuple[ProviderEmail, ...] = ()

    @property
    def display_name(self) -> str:
        return self.name or self.login or self.email or self.sub


@dataclass(frozen=True)
class Provider:
    """An OAuth 2.0 provider the emulator also plays: ``oidc`` (as Google) or ``github``.

    ``strict`` (``oidc`` only) plays a certified OpenID provider that follows the letter
    of the specifications: profile claims only from userinfo, RFC 9207's ``iss`` in every
    redirect, and a session of its own that RP-initiated logout ends."""

    id: str
    kind: str
    name: str
    client_id: str
    client_secret: str
    users: tuple[ProviderUser, ...] = ()
    strict: bool = False

    def user(self, sub: str) -> ProviderUser | None:
        return next((u for u in self.users if u.sub == sub), None)

    def user_by_email(self, email: str) -> ProviderUser | None:
        wanted = email.strip().lower()
        return next((u for u in self.users if (u.email or "").lower() == wanted), None)


@dataclass(frozen=True)
class Role:
    """An environment role (``admin``, ``member``) and the permissions it grants."""

    slug: str
    name: str
    permissions: tuple[str, ...] = ()
    description: str | None = None


@dataclass(frozen=True)
class DirectoryGroup:
    """A group of a directory, as the customer's IdP syncs it."""

    id: str
    name: str
    idp_id: str
    raw_attributes: Mapping[str, Any] = field(default_factory=dict)
    created_at: str = DEFAULT_TIMESTAMP
    updated_at: str = DEFAULT_TIMESTAMP


@dataclass(frozen=True)
class DirectoryUser:
    """A person the customer's directory provisions; ``groups`` are group ids."""

    id: str
    email: str
    idp_id: str
    first_name: str | None = None
    last_name: str | None = None
    state: str = "active"
    role: str | None = None
    groups: tuple[str, ...] = ()
    custom_attributes: Mapping[str, Any] = field(default_factory=dict)
    raw_attributes: Mapping[str, Any] = field(default_factory=dict)
    created_at: str = DEFAULT_TIMESTAMP
    updated_at: str = DEFAULT_TIMESTAMP

    @property
    def display_name(self) -> str:
        name = " ".join(part for part in (self.first_name, self.last_name) if part)
        return name or self.email


@dataclass(frozen=True)
class Directory:
    """A Directory Sync connection of one organization, with its users and groups."""

    id: str
    name: str
    organization_id: str
    type: str = "generic scim v2.0"
    state: str = "linked"
    domain: str | None = None
    external_key: str = ""
    created_at: str = DEFAULT_TIMESTAMP
    updated_at: str = DEFAULT_TIMESTAMP
    groups: tuple[DirectoryGroup, ...] = ()
    users: tuple[DirectoryUser, ...] = ()

    def user(self, user_id: str) -> DirectoryUser | None:
        return next((u for u in self.users if u.id == user_id), None)

    def group(self, group_id: str) -> DirectoryGroup | None:
        return next((g for g in self.groups if g.id == group_id), None)

    def groups_of(self, user: DirectoryUser) -> list[DirectoryGroup]:
        return [g for g in self.groups if g.id in user.groups]


@dataclass(frozen=True)
class WebhookEndpoint:
    """Where the emulator sends signed events; ``events`` empty means every event."""

    id: str
    url: str
    secret: str
    events: tuple[str, ...] = ()

    def wants(self, event: str) -> bool:
        return not self.events or event in self.events


@dataclass(frozen=True)
class EmulatorData:
    """Everything the emulator knows: organizations, their SSO connections, AuthKit users,
    the OAuth providers it plays, and registered redirect URIs."""

    organizations: tuple[Organization, ...] = ()
    connections: tuple[Connection, ...] = ()
    redirect_uris: tuple[str, ...] = ()
    users: tuple[AuthKitUser, ...] = ()
    providers: tuple[Provider, ...] = ()
    directories: tuple[Directory, ...] = ()
    roles: tuple[Role, ...] = ()
    webhooks: tuple[WebhookEndpoint, ...] = ()

    def role(self, slug: str) -> Role | None:
        return next((r for r in self.roles if r.slug == slug), None)

    def permissions_of(self, membership: Membership) -> list[str]:
        """What a membership may do: its role's permissions, then any of its own."""
        role = self.role(membership.role)
        granted = [*(role.permissions if role else ()), *membership.permissions]
        return list(dict.fromkeys(granted))

    def put_role(self, role: Role) -> EmulatorData:
        kept = tuple(r for r in self.roles if r.slug != role.slug)
        if len(kept) == len(self.roles):
            return replace(self, roles=(*self.roles, role))
        return replace(self, roles=tuple(role if r.slug == role.slug else r for r in self.roles))

    def delete_role(self, slug: str) -> EmulatorData:
        return replace(self, roles=tuple(r for r in self.roles if r.slug != slug))

    def webhook(self, endpoint_id: str) -> WebhookEndpoint | None:
        return next((w for w in self.webhooks if w.id == endpoint_id), None)

    def put_webhook(self, endpoint: WebhookEndpoint) -> EmulatorData:
        return replace(self, webhooks=_replace_or_append(self.webhooks, endpoint))

    def delete_webhook(self, endpoint_id: str) -> EmulatorData:
        return replace(self, webhooks=tuple(w for w in self.webhooks if w.id != endpoint_id))

    def directory(self, directory_id: str) -> Directory | None:
        return next((d for d in self.directories if d.id == directory_id), None)

    def directories_of(self, organization_id: str) -> list[Directory]:
        return [d for d in self.directories if d.organization_id == organization_id]

    def directory_user(self, user_id: str) -> tuple[Directory, DirectoryUser] | None:
        """A directory user with its directory."""
        for directory in self.directories:
            user = directory.user(user_id)
            if user is not None:
                return directory, user
        return None

    def directory_group(self, group_id: str) -> tuple[Directory, DirectoryGroup] | None:
        """A directory group with its directory."""
        for directory in self.directories:
            group = directory.group(group_id)
            if group is not None:
                return directory, group
        return None

    def put_directory(self, directory: Directory) -> EmulatorData:
        if self.organization(directory.organization_id) is None:
            raise DataError(f"organization_id: no organization {directory.organization_id!r}")
        return replace(self, directories=_replace_or_append(self.directories, directory))

    def delete_directory(self, directory_id: str) -> EmulatorData:
        return replace(self, directories=tuple(d for d in self.directories if d.id != directory_id))

    def put_directory_user(self, directory_id: str, user: DirectoryUser) -> EmulatorData:
        """Add or replace a user of a directory; its groups must be the directory's."""
        directory = self.directory(directory_id)
        if directory is None:
            raise DataError(f"no directory {directory_id!r}")
        unknown = [g for g in user.groups if directory.group(g) is None]
        if unknown:
            raise DataError(f"groups: no group {unknown[0]!r} in directory {directory_id!r}")
        users = _replace_or_append(directory.users, user)
        return self.put_directory(replace(directory, users=users))

    def delete_directory_user(self, directory_id: str, user_id: str) -> EmulatorData:
        directory = self.directory(directory_id)
        if directory is None:
            return self
        users = tuple(u for u in directory.users if u.id != user_id)
        return self.put_directory(replace(directory, users=users))

    def authkit_user(self, user_id: str) -> AuthKitUser | None:
        return next((u for u in self.users if u.id == user_id), None)

    def authkit_user_by_email(self, email: str) -> AuthKitUser | None:
        wanted = email.strip().lower()
        return next((u for u in self.users if u.email.lower() == wanted), None)

    def put_authkit_user(self, user: AuthKitUser) -> EmulatorData:
        for membership in user.memberships:
            if self.organization(membership.organization_id) is None:
                raise DataError(f"memberships: no organization {membership.organization_id!r}")
        return replace(self, users=_replace_or_append(self.users, user))

    def delete_authkit_user(self, user_id: str) -> EmulatorData:
        return replace(self, users=tuple(u for u in self.users if u.id != user_id))

    def put_provider(self, provider: Provider) -> EmulatorData:
        return replace(self, providers=_replace_or_append(self.providers, provider))

    def provider(self, provider_id: str, kind: str | None = None) -> Provider | None:
        found = next((p for p in self.providers if p.id == provider_id), None)
        return found if found is not None and kind in (None, found.kind) else None

    def organization(self, organization_id: str) -> Organization | None:
        return next((o for o in self.organizations if o.id == organization_id), None)

    def connection(self, connection_id: str) -> Connection | None:
        return next((c for c in self.connections if c.id == connection_id), None)

    def connections_of(self, organization_id: str) -> list[Connection]:
        return [c for c in self.connections if c.organization_id == organization_id]

    def organizations_with_domain(
        self, domain: str, *, verified_only: bool = False
    ) -> list[Organization]:
        return [o for o in self.organizations if o.has_domain(domain, verified_only=verified_only)]

    def put_organization(
        self,
        organization: Organization,
        connections: Sequence[Connection] | None = None,
        directories: Sequence[Directory] | None = None,
    ) -> EmulatorData:
        """Add or replace an organization; ``connections`` and ``directories``, when given,
        replace its own."""
        organizations = _replace_or_append(self.organizations, organization)
        kept = self.connections
        if connections is not None:
            kept = tuple(c for c in kept if c.organization_id != organization.id)
            for connection in connections:
                kept = _replace_or_append(
                    kept, replace(connection, organization_id=organization.id)
                )
        kept_directories = self.directories
        if directories is not None:
            kept_directories = tuple(
                d for d in kept_directories if d.organization_id != organization.id
            )
            for directory in directories:
                kept_directories = _replace_or_append(
                    kept_directories, replace(directory, organization_id=organization.id)
                )
        return replace(
            self,
            organizations=organizations,
            connections=kept,
            directories=kept_directories,
        )

    def delete_organization(self, organization_id: str) -> EmulatorData:
        users = tuple(
            replace(
                u,
                memberships=tuple(m for m in u.memberships if m.organization_id != organization_id),
            )
            for u in self.users
        )
        return replace(
            self,
            organizations=tuple(o for o in self.organizations if o.id != organization_id),
            connections=tuple(c for c in self.connections if c.organization_id != organization_id),
            directories=tuple(d for d in self.directories if d.organization_id != organization_id),
            users=users,
        )

    def put_connection(self, connection: Connection) -> EmulatorData:
        if connection.organization_id is not None and not self.organization(
            connection.organization_id
        ):
            raise DataError(f"organization_id: no organization {connection.organization_id!r}")
        return replace(self, connections=_replace_or_append(self.connections, connection))

    def delete_connection(self, connection_id: str) -> EmulatorData:
        return replace(
            self, connections=tuple(c for c in self.connections if c.id != connection_id)
        )

    def put_user(self, connection_id: str, user: User) -> EmulatorData:
        connection = self.connection(connection_id)
        if connection is None:
            raise DataError(f"no connection {connection_id!r}")
        users = _replace_or_append(connection.users, user)
        return self.put_connection(replace(connection, users=users))

    def delete_user(self, connection_id: str, user_id: str) -> EmulatorData:
        connection = self.connection(connection_id)
        if connection is None:
            return self
        users = tuple(u for u in connection.users if u.id != user_id)
        return self.put_connection(replace(connection, users=users))


def _replace_or_append(items: tuple[Any, ...], item: Any) -> tuple[Any, ...]:
    if any(existing.id == item.id for existing in items):
        return tuple(item if existing.id == item.id else existing for existing in items)
    return (*items, item)
