"""Who may get in: :class:`AccessRule` and the strict reading of an email's domain.

One rule is checked at sign-in (``AuthConfig(allow=...)``: a user outside it never gets
a session) and on protected paths (the same rule, plus any ``Rule(..., allow=...)``).
The user it is checked against is the session token (or, at sign-in, the user the
provider returned): ``sub``, ``email``, ``organization_id``, ``connection_id``,
``connection_type``, ``roles``, ``groups``, ``permissions`` (what the provider reports:
AuthKit's access token carries the role's ``permissions``).

Email domains are compared on a strictly read address: exactly one ``@``, no control
characters or spaces, an ASCII domain (look-alike letters from other scripts and
full-width forms match nothing; internationalised domains are configured in their
``xn--`` form), lower-cased, without a trailing dot.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .._base.errors import ConfigurationError

__all__ = ["AccessRule", "email_domain"]

logger = logging.getLogger("workos_middleware")

_DOMAIN = re.compile(r"^(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9-]{1,63}$")
_LOCAL_PART = re.compile(r"^[^\s\x00-\x1f\x7f@]{1,64}$")


def email_domain(email: object) -> str | None:
    """The normalised domain of ``email``, or ``None`` if the address is not plain."""
    if not isinstance(email, str) or len(email) > 320:
        return None
    email = email.strip()
    if email.count("@") != 1:
        return None
    local, _, domain = email.partition("@")
    domain = domain.lower().removesuffix(".")
    if not _LOCAL_PART.match(local) or not domain.isascii() or domain.startswith("*"):
        return None
    if not _DOMAIN.match(domain) or "." not in domain:
        return None
    return domain


def _names(values: Iterable[str] | None, what: str) -> frozenset[str] | None:
    if values is None:
        return None
    if isinstance(values, str):
        values = [values]
    result = frozenset(values)
    if not result or not all(isinstance(v, str) and v for v in result):
        raise ConfigurationError(f"AccessRule {what} must be a non-empty list of strings")
    return result


def _domains(values: Iterable[str] | None) -> frozenset[str] | None:
    names = _names(values, "domains")
    if names is None:
        return None
    result = set()
    for name in names:
        domain = name.strip().lower().removesuffix(".")
        if not domain.isascii() or not _DOMAIN.match(domain):
            raise ConfigurationError(
                f"AccessRule domains: {name!r} is not a domain name; write internationalised"
                " domains in their xn-- form, and '*.example.com' for any subdomain"
            )
        result.add(domain)
    return frozenset(result)


class AccessRule:
    """Who may pass: every criterion given must hold, any listed value of one is enough.

    ``check`` is a plain function of the user (a dict) returning ``True`` to allow; if
    it raises, access is denied and the error logged.
    """

    __slots__ = (
        "check",
        "connection_types",
        "connections",
        "domains",
        "groups",
        "organizations",
        "permissions",
        "roles",
    )

    def __init__(
        self,
        *,
        domains: Iterable[str] | None = None,
        organizations: Iterable[str] | None = None,
        connections: Iterable[str] | None = None,
        connection_types: Iterable[str] | None = None,
        roles: Iterable[str] | None = None,
        groups: Iterable[str] | None = None,
        permissions: Iterable[str] | None = None,
        check: Callable[[dict[str, Any]], bool] | None = None,
    ) -> None:
        self.domains = _domains(domains)
        self.organizations = _names(organizations, "organizations")
        self.connections = _names(connections, "connections")
        self.connection_types = _names(connection_types, "connection_types")
        self.roles = _names(roles, "roles")
        self.groups = _names(groups, "groups")
        self.permissions = _names(permissions, "permissions")
        if check is not None and not callable(check):
            raise ConfigurationError("AccessRule check must be a function of the user")
        self.check = check

    def __repr__(self) -> str:
        given = {
            name: sorted(value) if isinstance(value, frozenset) else value
            for name in self.__slots__
            if (value := getattr(self, name)) is not None
        }
        return "AccessRule(" + ", ".join(f"{k}={v!r}" for k, v in given.items()) + ")"

    def denial(self, user: Mapping[str, Any]) -> str | None:
        """``None`` when ``user`` passes; otherwise which criterion failed (for the log)."""
        if self.domains is not None and not self._domain_ok(user.get("email")):
            return "domains"
        if self.organizations is not None and not _one_of(
            user.get("organization_id"), self.organizations
        ):
            return "organizations"
        if self.connections is not None and not _one_of(
            user.get("connection_id"), self.connections
        ):
            return "connections"
        if self.connection_types is not None and not _one_of(
            user.get("connection_type"), self.connection_types
        ):
            return "connection_types"
        if self.roles is not None and not self.roles.intersection(_strings(user.get("roles"))):
            return "roles"
        if self.groups is not None and not self.groups.intersection(_strings(user.get("groups"))):
            return "groups"
        if self.permissions is not None and not self.permissions.intersection(
            _strings(user.get("permissions"))
        ):
            return "permissions"
        if self.check is not None:
            try:
                allowed = self.check(dict(user))
            except Exception:
                logger.exception("AccessRule check raised; access denied")
                return "check"
            if allowed is not True:
                return "check"
        return None

    def allows(self, user: Mapping[str, Any]) -> bool:
        return self.denial(user) is None

    def _domain_ok(self, email: object) -> bool:
        domain = email_domain(email)
        if domain is None or self.domains is None:
            return False
        if domain in self.domains:
            return True
        return any(
            allowed.startswith("*.") and domain.endswith(allowed[1:]) for allowed in self.domains
        )


def _one_of(value: object, allowed: frozenset[str]) -> bool:
    """A single-valued claim (``organization_id``, ...) is one of ``allowed``: only a
    string can be; a list, a number, an object or a missing claim is not (never a crash)."""
    return isinstance(value, str) and value in allowed


def _strings(value: object) -> list[str]:
    """A multi-valued claim (``roles``, ``groups``) as its strings: a list's string
    items, or a lone string; anything else holds none."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, str)]
    return []
