"""The data-file shape (a JSON file or a dict, see ``docs/emulator.md``): read and written back.

Reading fills in what a file may leave out (derived ids, default roles and states) and names
the bad field in every error; writing is :func:`~.data.plain` of the model, nested as the
file nests it, so ``parse_data(dump_data(d)) == d``.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from .data import (
    CONNECTION_STATES,
    DEFAULT_TIMESTAMP,
    DIRECTORY_STATES,
    DIRECTORY_USER_STATES,
    DOMAIN_STATES,
    PROVIDER_KINDS,
    VERIFICATION_STRATEGIES,
    AuthKitUser,
    Connection,
    DataError,
    Directory,
    DirectoryGroup,
    DirectoryUser,
    Domain,
    EmulatorData,
    Membership,
    Organization,
    Provider,
    ProviderEmail,
    ProviderUser,
    Role,
    User,
    WebhookEndpoint,
    plain,
)
from .defaults import DEFAULT_DATA
from .ids import stable_id


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
    email = _email(f)
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
    "directories",
)


def parse_organization(
    raw: object, *, path: str = "", organization_id: str | None = None
) -> tuple[Organization, list[Connection] | None, list[Directory] | None]:
    """Read one organization; its connections or directories are ``None`` when the field is
    absent."""
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
    directories: list[Directory] | None = None
    if "directories" in f.raw:
        idp_ids = {u.email.lower(): u.idp_id for c in connections or [] for u in c.users}
        directories = []
        for i, d in enumerate(f.items("directories")):
            directory = parse_directory(
                d, path=f"{f.where('directories')}[{i}]", organization_id=oid, idp_ids=idp_ids
            )
            if any(x.id == directory.id for x in directories):
                raise DataError(f"{f.where('directories')}[{i}].id: duplicate id {directory.id!r}")
            directories.append(directory)
    return organization, connections, directories


_GROUP_FIELDS = ("id", "name", "idp_id", "raw_attributes", "created_at", "updated_at")
_DIRECTORY_USER_FIELDS = (
    "id",
    "email",
    "idp_id",
    "first_name",
    "last_name",
    "state",
    "role",
    "groups",
    "custom_attributes",
    "raw_attributes",
    "created_at",
    "updated_at",
)
_DIRECTORY_FIELDS = (
    "id",
    "name",
    "type",
    "state",
    "domain",
    "external_key",
    "created_at",
    "updated_at",
    "groups",
    "users",
)


def parse_directory_group(raw: object, *, directory_id: str, path: str = "") -> DirectoryGroup:
    """Read one directory group; its ids default to ones derived from its name."""
    f = _Fields(raw, path, _GROUP_FIELDS)
    name = f.string("name")
    created_at = f.timestamp("created_at", DEFAULT_TIMESTAMP)
    return DirectoryGroup(
        id=f.string("id", stable_id("directory_group", directory_id, name)),
        name=name,
        idp_id=f.string("idp_id", stable_id("grp", directory_id, name).lower()[4:24]),
        raw_attributes=f.mapping("raw_attributes"),
        created_at=created_at,
        updated_at=f.timestamp("updated_at", created_at),
    )


def parse_directory_user(
    raw: object,
    *,
    directory_id: str,
    groups: Sequence[DirectoryGroup],
    path: str = "",
    user_id: str | None = None,
    idp_ids: Mapping[str, str] | None = None,
) -> DirectoryUser:
    """Read one directory user. ``groups`` name the directory's groups by id or by name.

    Without an ``idp_id`` the user gets the one of the SSO profile with the same email in
    ``idp_ids`` (the same person signing in), else one derived from the email.
    """
    f = _Fields(raw, path, _DIRECTORY_USER_FIELDS)
    email = _email(f)
    member_of: list[str] = []
    for i, wanted in enumerate(f.strings("groups")):
        group = next((g for g in groups if wanted in (g.id, g.name)), None)
        if group is None:
            raise DataError(f"{f.where('groups')}[{i}]: no group {wanted!r} in the directory")
        if group.id not in member_of:
            member_of.append(group.id)
    role_raw = f.raw.get("role")
    default_idp_id = (idp_ids or {}).get(email.lower()) or hashlib.sha256(
        f"{directory_id}\x1f{email.lower()}".encode()
    ).hexdigest()[:20]
    created_at = f.timestamp("created_at", DEFAULT_TIMESTAMP)
    return DirectoryUser(
        id=user_id or f.string("id", stable_id("directory_user", directory_id, email.lower())),
        email=email,
        idp_id=f.string("idp_id", default_idp_id),
        first_name=f.optional_string("first_name"),
        last_name=f.optional_string("last_name"),
        state=f.choice("state", DIRECTORY_USER_STATES, "active"),
        role=None if role_raw is None else _slug(role_raw, f.where("role")),
        groups=tuple(member_of),
        custom_attributes=f.mapping("custom_attributes"),
        raw_attributes=f.mapping("raw_attributes"),
        created_at=created_at,
        updated_at=f.timestamp("updated_at", created_at),
    )


def parse_directory(
    raw: object,
    *,
    organization_id: str,
    path: str = "",
    directory_id: str | None = None,
    idp_ids: Mapping[str, str] | None = None,
) -> Directory:
    """Read one directory of an organization, with its groups and users."""
    f = _Fields(raw, path, _DIRECTORY_FIELDS)
    name = f.string("name")
    did = directory_id or f.string("id", stable_id("directory", organization_id, name))
    groups: list[DirectoryGroup] = []
    for i, group_raw in enumerate(f.items("groups")):
        group = parse_directory_group(group_raw, directory_id=did, path=f"{f.where('groups')}[{i}]")
        if any(g.id == group.id or g.name == group.name for g in groups):
            raise DataError(f"{f.where('groups')}[{i}]: duplicate group {group.name!r}")
        groups.append(group)
    users: list[DirectoryUser] = []
    for i, user_raw in enumerate(f.items("users")):
        user = parse_directory_user(
            user_raw,
            directory_id=did,
            groups=groups,
            path=f"{f.where('users')}[{i}]",
            idp_ids=idp_ids,
        )
        if any(u.id == user.id for u in users):
            raise DataError(f"{f.where('users')}[{i}].id: duplicate user id {user.id!r}")
        users.append(user)
    created_at = f.timestamp("created_at", DEFAULT_TIMESTAMP)
    return Directory(
        id=did,
        name=name,
        organization_id=organization_id,
        type=f.string("type", "generic scim v2.0"),
        state=f.choice("state", DIRECTORY_STATES, "linked"),
        domain=f.optional_string("domain"),
        external_key=f.string("external_key", stable_id("key", did)[6:22]),
        created_at=created_at,
        updated_at=f.timestamp("updated_at", created_at),
        groups=tuple(groups),
        users=tuple(users),
    )


_ROLE_FIELDS = ("slug", "name", "permissions", "description")


def parse_role(raw: object, *, path: str = "", slug: str | None = None) -> Role:
    """Read one role and the permissions it grants."""
    f = _Fields(raw, path, _ROLE_FIELDS)
    role_slug = slug or f.string("slug")
    return Role(
        slug=role_slug,
        name=f.string("name", role_slug.replace("-", " ").replace("_", " ").capitalize()),
        permissions=f.strings("permissions"),
        description=f.optional_string("description"),
    )


_WEBHOOK_FIELDS = ("id", "url", "secret", "events")


def parse_webhook(
    raw: object, *, path: str = "", endpoint_id: str | None = None
) -> WebhookEndpoint:
    """Read one webhook endpoint: an http(s) URL, its signing secret and its event types."""
    f = _Fields(raw, path, _WEBHOOK_FIELDS)
    url = f.string("url")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise DataError(f"{f.where('url')}: expected an http or https URL")
    return WebhookEndpoint(
        id=endpoint_id or f.string("id", stable_id("we", url)),
        url=url,
        secret=f.string("secret"),
        events=f.strings("events"),
    )


def _email(f: _Fields, key: str = "email") -> str:
    email = f.string(key)
    if "@" not in email.strip("@"):
        raise DataError(f"{f.where(key)}: expected an email address")
    return email


_MEMBERSHIP_FIELDS = ("id", "organization_id", "role", "permissions")
_AUTHKIT_USER_FIELDS = (
    "id",
    "email",
    "first_name",
    "last_name",
    "email_verified",
    "profile_picture_url",
    "external_id",
    "metadata",
    "created_at",
    "updated_at",
    "memberships",
)


def parse_authkit_user(raw: object, *, path: str = "", user_id: str | None = None) -> AuthKitUser:
    """Read one AuthKit user with its organization memberships."""
    f = _Fields(raw, path, _AUTHKIT_USER_FIELDS)
    email = _email(f)
    uid = user_id or f.string("id", stable_id("user", email.lower()))
    memberships: list[Membership] = []
    for i, member_raw in enumerate(f.items("memberships")):
        m = _Fields(member_raw, f"{f.where('memberships')}[{i}]", _MEMBERSHIP_FIELDS)
        organization_id = m.string("organization_id")
        if any(x.organization_id == organization_id for x in memberships):
            raise DataError(f"{m.where('organization_id')}: duplicate membership")
        memberships.append(
            Membership(
                id=m.string("id", stable_id("om", uid, organization_id)),
                organization_id=organization_id,
                role=_slug(m.raw.get("role", "member"), m.where("role")),
                permissions=m.strings("permissions"),
            )
        )
    created_at = f.timestamp("created_at", DEFAULT_TIMESTAMP)
    metadata = f.mapping("metadata")
    if not all(isinstance(v, str) for v in metadata.values()):
        raise DataError(f"{f.where('metadata')}: values must be strings")
    return AuthKitUser(
        id=uid,
        email=email,
        first_name=f.optional_string("first_name"),
        last_name=f.optional_string("last_name"),
        email_verified=f.boolean("email_verified", True),
        profile_picture_url=f.optional_string("profile_picture_url"),
        external_id=f.optional_string("external_id"),
        metadata=metadata,
        created_at=created_at,
        updated_at=f.timestamp("updated_at", created_at),
        memberships=tuple(memberships),
    )


_PROVIDER_USER_FIELDS = (
    "sub",
    "email",
    "email_verified",
    "name",
    "given_name",
    "family_name",
    "picture",
    "login",
    "emails",
)


def parse_provider_user(raw: object, *, path: str = "") -> ProviderUser:
    """Read one user of an OAuth provider; ``sub`` defaults to one derived from the email."""
    f = _Fields(raw, path, _PROVIDER_USER_FIELDS)
    email = None if f.raw.get("email") is None else _email(f)
    emails: list[ProviderEmail] = []
    for i, email_raw in enumerate(f.items("emails")):
        e = _Fields(
            email_raw, f"{f.where('emails')}[{i}]", ("email", "primary", "verified", "visibility")
        )
        emails.append(
            ProviderEmail(
                email=_email(e),
                primary=e.boolean("primary", False),
                verified=e.boolean("verified", True),
                visibility=e.optional_string("visibility"),
            )
        )
    if not emails and email is not None:
        emails.append(
            ProviderEmail(
                email, primary=True, verified=f.boolean("email_verified", True), visibility="public"
            )
        )
    seed = email or (emails[0].email if emails else "")
    if not seed and "sub" not in f.raw:
        raise DataError(f"{path or 'user'}: expected a sub, an email or emails")
    digest = hashlib.sha256(seed.lower().encode()).digest()
    given_name = f.optional_string("given_name")
    family_name = f.optional_string("family_name")
    name = f.optional_string("name")
    if name is None and (given_name or family_name):
        name = " ".join(part for part in (given_name, family_name) if part)
    return ProviderUser(
        sub=f.string("sub", str(int.from_bytes(digest[:7], "big"))),
        email=email,
        email_verified=f.boolean("email_verified", True),
        name=name,
        given_name=given_name,
        family_name=family_name,
        picture=f.optional_string("picture"),
        login=f.optional_string("login"),
        emails=tuple(emails),
    )


_PROVIDER_FIELDS = ("id", "kind", "name", "client_id", "client_secret", "users", "strict")


def parse_provider(raw: object, *, path: str = "") -> Provider:
    """Read one OAuth provider the emulator plays, with its users."""
    f = _Fields(raw, path, _PROVIDER_FIELDS)
    pid = f.string("id")
    if not pid.isidentifier() or pid != pid.lower():
        raise DataError(f"{f.where('id')}: expected a lower-case name such as google")
    users: list[ProviderUser] = []
    for i, user_raw in enumerate(f.items("users")):
        user = parse_provider_user(user_raw, path=f"{f.where('users')}[{i}]")
        if any(u.sub == user.sub for u in users):
            raise DataError(f"{f.where('users')}[{i}].sub: duplicate sub {user.sub!r}")
        users.append(user)
    kind = f.choice("kind", PROVIDER_KINDS, "oidc")
    strict = f.boolean("strict", False)
    if strict and kind != "oidc":
        raise DataError(f"{f.where('strict')}: only an oidc provider can be strict")
    return Provider(
        id=pid,
        kind=kind,
        strict=strict,
        name=f.string("name", pid.capitalize()),
        client_id=f.string("client_id", f"{pid}-client-emulator"),
        client_secret=f.string("client_secret", f"{pid}-secret-emulator"),
        users=tuple(users),
    )


def parse_data(raw: object) -> EmulatorData:
    """Read the whole data-file shape; ids must be unique."""
    f = _Fields(raw, "", _DATA_FIELDS)
    data = EmulatorData(redirect_uris=f.strings("redirect_uris"))
    for i, role_raw in enumerate(f.items("roles")):
        role = parse_role(role_raw, path=f"roles[{i}]")
        if data.role(role.slug):
            raise DataError(f"roles[{i}].slug: duplicate role {role.slug!r}")
        data = data.put_role(role)
    for i, org_raw in enumerate(f.items("organizations")):
        organization, connections, directories = parse_organization(
            org_raw, path=f"organizations[{i}]"
        )
        if data.organization(organization.id):
            raise DataError(f"organizations[{i}].id: duplicate id {organization.id!r}")
        for connection in connections or []:
            if data.connection(connection.id):
                raise DataError(f"organizations[{i}]: duplicate connection id {connection.id!r}")
            data = replace(data, connections=(*data.connections, connection))
        for directory in directories or []:
            if data.directory(directory.id):
                raise DataError(f"organizations[{i}]: duplicate directory id {directory.id!r}")
            data = replace(data, directories=(*data.directories, directory))
        data = data.put_organization(organization)
    for i, conn_raw in enumerate(f.items("connections")):
        connection = parse_connection(conn_raw, path=f"connections[{i}]")
        if data.connection(connection.id):
            raise DataError(f"connections[{i}].id: duplicate id {connection.id!r}")
        try:
            data = data.put_connection(connection)
        except DataError as exc:
            raise DataError(f"connections[{i}].{exc}") from None
    for i, user_raw in enumerate(f.items("users")):
        user = parse_authkit_user(user_raw, path=f"users[{i}]")
        if data.authkit_user(user.id) or data.authkit_user_by_email(user.email):
            raise DataError(f"users[{i}]: duplicate id or email {user.email!r}")
        try:
            data = data.put_authkit_user(user)
        except DataError as exc:
            raise DataError(f"users[{i}].{exc}") from None
    for i, provider_raw in enumerate(f.items("providers")):
        provider = parse_provider(provider_raw, path=f"providers[{i}]")
        if data.provider(provider.id):
            raise DataError(f"providers[{i}].id: duplicate id {provider.id!r}")
        data = replace(data, providers=(*data.providers, provider))
    for i, webhook_raw in enumerate(f.items("webhooks")):
        endpoint = parse_webhook(webhook_raw, path=f"webhooks[{i}]")
        if data.webhook(endpoint.id):
            raise DataError(f"webhooks[{i}].id: duplicate id {endpoint.id!r}")
        data = data.put_webhook(endpoint)
    return data


_DATA_FIELDS = (
    "organizations",
    "connections",
    "redirect_uris",
    "roles",
    "users",
    "providers",
    "webhooks",
)


def load_data(source: str | os.PathLike[str] | Mapping[str, Any] | None) -> EmulatorData:
    """The built-in data (``None``), a dict in the data-file shape, or a JSON file's path."""
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


def _dump_connections(connections: Sequence[Connection]) -> list[dict[str, Any]]:
    return [plain(c, omit=("organization_id",)) for c in connections]


def dump_organization(organization: Organization, data: EmulatorData) -> dict[str, Any]:
    """One organization of the data file, with its connections and directories."""
    connections = _dump_connections(data.connections_of(organization.id))
    directories = [
        plain(d, omit=("organization_id",)) for d in data.directories_of(organization.id)
    ]
    return {**plain(organization), "connections": connections, "directories": directories}


def dump_data(data: EmulatorData) -> dict[str, Any]:
    """The data-file shape of ``data``; ``parse_data`` reads it back unchanged."""
    return {
        "redirect_uris": list(data.redirect_uris),
        "roles": [plain(r) for r in data.roles],
        "organizations": [dump_organization(o, data) for o in data.organizations],
        "connections": _dump_connections([c for c in data.connections if not c.organization_id]),
        "users": [plain(u) for u in data.users],
        "providers": [plain(p) for p in data.providers],
        "webhooks": [plain(w) for w in data.webhooks],
    }
