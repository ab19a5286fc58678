"""The emulator's test data: organizations, their domains and connections, and test users.

The model is immutable: every change builds a new :class:`EmulatorData`. This module also
reads the data-file shape (a JSON file or a dict, see ``docs/emulator.md``) and writes it back.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from .defaults import DEFAULT_DATA
from .ids import stable_id

DOMAIN_STATES = ("verified", "legacy_verified", "pending", "unverified", "failed")
VERIFIED_STATES = ("verified", "legacy_verified")
VERIFICATION_STRATEGIES = ("manual", "dns")
CONNECTION_STATES = ("active", "inactive")
DEFAULT_TIMESTAMP = "2024-01-01T00:00:00.000Z"


class DataError(ValueError):
    """Test data that does not have the data-file shape; the message names the bad field."""


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
class EmulatorData:
    """Everything the emulator knows: organizations, connections and registered redirect URIs."""

    organizations: tuple[Organization, ...] = ()
    connections: tuple[Connection, ...] = ()
    redirect_uris: tuple[str, ...] = ()

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
        self, organization: Organization, connections: Sequence[Connection] | None = None
    ) -> EmulatorData:
        """Add or replace an organization; ``connections``, when given, replace its own."""
        organizations = _replace_or_append(self.organizations, organization)
        kept = self.connections
        if connections is not None:
            kept = tuple(c for c in kept if c.organization_id != organization.id)
            for connection in connections:
                kept = _replace_or_append(
                    kept, replace(connection, organization_id=organization.id)
                )
        return replace(self, organizations=organizations, connections=kept)

    def delete_organization(self, organization_id: str) -> EmulatorData:
        return replace(
            self,
            organizations=tuple(o for o in self.organizations if o.id != organization_id),
            connections=tuple(c for c in self.connections if c.organization_id != organization_id),
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


# ---------------------------------------------------------------------------------------------
# Reading the data-file shape


class _Fields:
    """One JSON object being read, with the path used in error messages."""

    def __init__(self, raw: object, path: str, allowed: Sequence[str]) -> None:
        if not isinstance(raw, Mapping):
            raise DataError(f"{path or 'data'}: expected a JSON object")
        unknown = [k for k in raw if not str(k).startswith("$") and k not in allowed]
        if unknown:
            raise DataError(f"{path or 'data'}: unknown field {unknown[0]!r}")
        self.raw: Mapping[str, Any] = raw
        self.path = path

    def where(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def string(self, key: str, default: str | None = None) -> str:
        value = self.raw.get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise DataError(f"{self.where(key)}: expected a non-empty string")
        return value.strip()

    def timestamp(self, key: str, default: str) -> str:
        value = self.string(key, default)
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise DataError(f"{self.where(key)}: expected an ISO 8601 timestamp") from None
        return value

    def optional_string(self, key: str) -> str | None:
        value = self.raw.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise DataError(f"{self.where(key)}: expected a string or null")
        return value

    def choice(self, key: str, choices: Sequence[str], default: str) -> str:
        value = self.string(key, default)
        if value not in choices:
            raise DataError(f"{self.where(key)}: expected one of {', '.join(choices)}")
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self.raw.get(key, default)
        if not isinstance(value, bool):
            raise DataError(f"{self.where(key)}: expected true or false")
        return value

    def mapping(self, key: str) -> dict[str, Any]:
        value = self.raw.get(key)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise DataError(f"{self.where(key)}: expected a JSON object")
        return copy.deepcopy(dict(value))

    def items(self, key: str) -> list[Any]:
        value = self.raw.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise DataError(f"{self.where(key)}: expected a JSON array")
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        values = self.items(key)
        if not all(isinstance(v, str) for v in values):
            raise DataError(f"{self.where(key)}: expected an array of strings")
        return tuple(values)


def _slug(value: object, where: str) -> str:
    """A role given as ``"admin"`` or as WorkOS's ``{"slug": "admin"}``."""
    if isinstance(value, Mapping):
        value = value.get("slug")
    if not isinstance(value, str) or not value:
        raise DataError(f"{where}: expected a role slug or {{'slug': ...}}")
    return value


_USER_FIELDS = (
    "id",
    "email",
    "idp_id",
    "first_name",
    "last_name",
    "name",
    "role",
    "roles",
    "groups",
    "custom_attributes",
    "raw_attributes",
)


def parse_user(
    raw: object, *, connection_id: str, path: str = "", user_id: str | None = None
) -> User:
    """Read one user; its id defaults to one derived from the connection and email."""
    f = _Fields(raw, path, _USER_FIELDS)
    email = f.string("email")
    if "@" not in email.strip("@"):
        raise DataError(f"{f.where('email')}: expected an email address")
    first_name = f.optional_string("first_name")
    last_name = f.optional_string("last_name")
    name = f.optional_string("name")
    if name is None and (first_name or last_name):
        name = " ".join(part for part in (first_name, last_name) if part)
    role_raw = f.raw.get("role", "member")
    role = None if role_raw is None else _slug(role_raw, f.where("role"))
    roles_raw = f.items("roles")
    roles = tuple(_slug(r, f"{f.where('roles')}[{i}]") for i, r in enumerate(roles_raw))
    if not roles and role is not None:
        roles = (role,)
    default_idp_id = hashlib.sha256(f"{connection_id}\x1f{email.lower()}".encode()).hexdigest()
    return User(
        id=user_id or f.string("id", stable_id("prof", connection_id, email.lower())),
        email=email,
        idp_id=f.string("idp_id", default_idp_id[:20]),
        first_name=first_name,
        last_name=last_name,
        name=name,
        role=role,
        roles=roles,
        groups=f.strings("groups"),
        custom_attributes=f.mapping("custom_attributes"),
        raw_attributes=f.mapping("raw_attributes"),
    )


_CONNECTION_FIELDS = ("id", "name", "connection_type", "organization_id", "state", "users")


def parse_connection(
    raw: object,
    *,
    path: str = "",
    connection_id: str | None = None,
    organization_id: str | None = None,
    allow_organization_id: bool = True,
) -> Connection:
    """Read one connection with its users."""
    allowed = [k for k in _CONNECTION_FIELDS if allow_organization_id or k != "organization_id"]
    f = _Fields(raw, path, allowed)
    connection_type = f.string("connection_type")
    name = f.string("name", connection_type)
    if organization_id is None and allow_organization_id:
        organization_id = f.optional_string("organization_id")
    cid = connection_id or f.string("id", stable_id("conn", organization_id or "", name))
    users: list[User] = []
    for i, user_raw in enumerate(f.items("users")):
        user = parse_user(user_raw, connection_id=cid, path=f"{f.where('users')}[{i}]")
        if any(u.id == user.id for u in users):
            raise DataError(f"{f.where('users')}[{i}].id: duplicate user id {user.id!r}")
        users.append(user)
    return Connection(
        id=cid,
        name=name,
        connection_type=connection_type,
        organization_id=organization_id,
        state=f.choice("state", CONNECTION_STATES, "active"),
        users=tuple(users),
    )


_ORGANIZATION_FIELDS = (
    "id",
    "name",
    "domains",
    "allow_profiles_outside_organization",
    "external_id",
    "metadata",
    "created_at",
    "updated_at",
    "connections",
)


def parse_organization(
    raw: object, *, path: str = "", organization_id: str | None = None
) -> tuple[Organization, list[Connection] | None]:
    """Read one organization; the connections are ``None`` when the field is absent."""
    f = _Fields(raw, path, _ORGANIZATION_FIELDS)
    name = f.string("name")
    oid = organization_id or f.string("id", stable_id("org", name))
    domains: list[Domain] = []
    for i, domain_raw in enumerate(f.items("domains")):
        where = f"{f.where('domains')}[{i}]"
        if isinstance(domain_raw, str):
            domain_raw = {"domain": domain_raw}
        d = _Fields(domain_raw, where, ("id", "domain", "state", "verification_strategy"))
        domain = d.string("domain").lower()
        domains.append(
            Domain(
                id=d.string("id", stable_id("org_domain", oid, domain)),
                domain=domain,
                state=d.choice("state", DOMAIN_STATES, "verified"),
                verification_strategy=d.choice(
                    "verification_strategy", VERIFICATION_STRATEGIES, "manual"
                ),
            )
        )
    metadata = f.mapping("metadata")
    if not all(isinstance(v, str) for v in metadata.values()):
        raise DataError(f"{f.where('metadata')}: values must be strings")
    created_at = f.timestamp("created_at", DEFAULT_TIMESTAMP)
    organization = Organization(
        id=oid,
        name=name,
        domains=tuple(domains),
        allow_profiles_outside_organization=f.boolean("allow_profiles_outside_organization", False),
        external_id=f.optional_string("external_id"),
        metadata=metadata,
        created_at=created_at,
        updated_at=f.timestamp("updated_at", created_at),
    )
    connections: list[Connection] | None = None
    if "connections" in f.raw:
        connections = [
            parse_connection(
                c,
                path=f"{f.where('connections')}[{i}]",
                organization_id=oid,
                allow_organization_id=False,
            )
            for i, c in enumerate(f.items("connections"))
        ]
    return organization, connections


def parse_data(raw: object) -> EmulatorData:
    """Read the whole data-file shape; ids must be unique."""
    f = _Fields(raw, "", ("organizations", "connections", "redirect_uris"))
    data = EmulatorData(redirect_uris=f.strings("redirect_uris"))
    for i, org_raw in enumerate(f.items("organizations")):
        organization, connections = parse_organization(org_raw, path=f"organizations[{i}]")
        if data.organization(organization.id):
            raise DataError(f"organizations[{i}].id: duplicate id {organization.id!r}")
        for connection in connections or []:
            if data.connection(connection.id):
                raise DataError(f"organizations[{i}]: duplicate connection id {connection.id!r}")
            data = replace(data, connections=(*data.connections, connection))
        data = data.put_organization(organization)
    for i, conn_raw in enumerate(f.items("connections")):
        connection = parse_connection(conn_raw, path=f"connections[{i}]")
        if data.connection(connection.id):
            raise DataError(f"connections[{i}].id: duplicate id {connection.id!r}")
        try:
            data = data.put_connection(connection)
        except DataError as exc:
            raise DataError(f"connections[{i}].{exc}") from None
    return data


def load_data(source: str | os.PathLike[str] | Mapping[str, Any] | None) -> EmulatorData:
    """The built-in defaults (``None``), a dict in the data-file shape, or a JSON file's path."""
    if source is None:
        return parse_data(DEFAULT_DATA)
    if isinstance(source, Mapping):
        return parse_data(source)
    try:
        with open(source, encoding="utf-8") as fh:
            raw = json.load(fh)
    except OSError as exc:
        raise DataError(f"{os.fspath(source)}: {exc.strerror or exc}") from exc
    except json.JSONDecodeError as exc:
        raise DataError(f"{os.fspath(source)}: not valid JSON ({exc})") from exc
    try:
        return parse_data(raw)
    except DataError as exc:
        raise DataError(f"{os.fspath(source)}: {exc}") from exc


# ---------------------------------------------------------------------------------------------
# Writing the data-file shape


def dump_user(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "idp_id": user.idp_id,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "name": user.name,
        "role": user.role,
        "roles": list(user.roles),
        "groups": list(user.groups),
        "custom_attributes": copy.deepcopy(dict(user.custom_attributes)),
        "raw_attributes": copy.deepcopy(dict(user.raw_attributes)),
    }


def dump_connection(connection: Connection, *, with_organization: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"id": connection.id, "name": connection.name}
    out["connection_type"] = connection.connection_type
    if with_organization:
        out["organization_id"] = connection.organization_id
    out["state"] = connection.state
    out["users"] = [dump_user(u) for u in connection.users]
    return out


def dump_organization(
    organization: Organization, connections: Sequence[Connection]
) -> dict[str, Any]:
    return {
        "id": organization.id,
        "name": organization.name,
        "domains": [
            {
                "id": d.id,
                "domain": d.domain,
                "state": d.state,
                "verification_strategy": d.verification_strategy,
            }
            for d in organization.domains
        ],
        "allow_profiles_outside_organization": organization.allow_profiles_outside_organization,
        "external_id": organization.external_id,
        "metadata": dict(organization.metadata),
        "created_at": organization.created_at,
        "updated_at": organization.updated_at,
        "connections": [dump_connection(c, with_organization=False) for c in connections],
    }


def dump_data(data: EmulatorData) -> dict[str, Any]:
    """The data-file shape of ``data``; ``parse_data`` reads it back unchanged."""
    return {
        "redirect_uris": list(data.redirect_uris),
        "organizations": [
            dump_organization(o, data.connections_of(o.id)) for o in data.organizations
        ],
        "connections": [
            dump_connection(c, with_organization=False)
            for c in data.connections
            if c.organization_id is None
        ],
    }
