"""Which paths of the wrapped app are guarded, and what a guarded miss returns.

Rules are compiled once, when the middleware is built: exact paths go into a set,
``/x/**`` prefixes into a tuple, other globs into one regex, and only rules with
methods, an ``allow`` or a callable are looked at one by one. With no rule configured
the adapters skip all of this (``Protection.build`` returns ``None``).

A request path is read by :func:`~workos_middleware._paths.path_forms`; it is guarded
when any of its forms is protected and not public. The decision uses nothing but the
method and that path: never the query string, never ``X-Forwarded-Uri`` or
``X-Original-URL``.

A guarded miss (see :func:`guarded_miss`) is a ``302`` to the sign-in page for a
browser navigation, ``401`` JSON otherwise; a signed-in user an ``allow`` rule refuses
gets ``403``. CORS preflights pass untouched, because browsers send them without
cookies and the real request that follows is guarded.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, TypeAlias
from urllib.parse import quote, urlencode

from ._access import AccessRule
from ._errors import ConfigurationError
from ._messages import AuthRequest, AuthResponse
from ._paths import path_forms

if TYPE_CHECKING:
    from ._core import AuthCore
    from ._session import Identity

__all__ = [
    "BAD_PATH",
    "Guard",
    "PathMatcher",
    "Protection",
    "Rule",
    "access_denial",
    "guard",
    "guarded_miss",
    "is_navigation",
]

logger = logging.getLogger("workos_middleware")

PathPredicate = Callable[[str, str], bool]


class Rule:
    """A protected (or public) path pattern, limited to ``methods`` if given, with an
    extra :class:`AccessRule` for the users who may pass."""

    __slots__ = ("allow", "methods", "pattern")

    def __init__(
        self,
        pattern: str | PathPredicate,
        *,
        methods: Iterable[str] | None = None,
        allow: AccessRule | None = None,
    ) -> None:
        if not (isinstance(pattern, str) or callable(pattern)):
            raise ConfigurationError(f"a rule's pattern must be a path or a function: {pattern!r}")
        self.pattern = pattern
        if methods is not None:
            if isinstance(methods, str):
                methods = [methods]
            names = {m.upper() for m in methods if isinstance(m, str) and m}
            if not names:
                raise ConfigurationError(f"Rule({pattern!r}) methods must name HTTP methods")
            if "GET" in names:
                names.add("HEAD")  # a HEAD answers what a GET would, minus the body
            self.methods: frozenset[str] | None = frozenset(names)
        else:
            self.methods = None
        if allow is not None and not isinstance(allow, AccessRule):
            raise ConfigurationError(f"Rule({pattern!r}) allow must be an AccessRule")
        self.allow = allow

    def __repr__(self) -> str:
        return f"Rule({self.pattern!r}, methods={self.methods!r}, allow={self.allow!r})"


RuleSpec: TypeAlias = str | Rule | PathPredicate


def _pattern_regex(pattern: str) -> str:
    parts: list[str] = []
    for segment in pattern.strip("/").split("/"):
        if segment == "**":
            parts.append("(?:/[^/]+)*")
        elif "**" in segment:
            raise ConfigurationError(
                f"pattern {pattern!r}: '**' must be a whole segment, like /admin/**"
            )
        else:
            parts.append("/" + "[^/]*".join(re.escape(piece) for piece in segment.split("*")))
    return "".join(parts) or "/"


def _check_pattern(pattern: str) -> str:
    """The pattern without its trailing slash; refused unless it is a plain path."""
    if not pattern.startswith("/") or "?" in pattern or "#" in pattern:
        raise ConfigurationError(
            f"protection pattern {pattern!r} must be a path of the app like /admin/** "
            "(no query, no fragment)"
        )
    stripped = pattern.rstrip("/") or "/"
    if path_forms(pattern) != (stripped,) or "%" in pattern or ";" in pattern:
        raise ConfigurationError(
            f"protection pattern {pattern!r} must be a plain path: no '//', '.', '..', "
            "'%', ';', '\\' or control characters"
        )
    return stripped


class PathMatcher:
    """A compiled set of rules: ``match(method, path)`` lists the rules that match."""

    def __init__(self, specs: Sequence[RuleSpec], *, case_sensitive: bool, what: str) -> None:
        self.case_sensitive = case_sensitive
        self.exact: set[str] = set()
        self.prefixes: list[str] = []
        self.everything = False
        globs: list[str] = []
        self.special: list[tuple[Rule, Callable[[str], bool] | None]] = []
        for spec in specs:
            rule = spec if isinstance(spec, Rule) else Rule(spec)
            if callable(rule.pattern):
                self.special.append((rule, None))
                continue
            pattern = _check_pattern(rule.pattern)
            if not case_sensitive:
                pattern = pattern.lower()
            simple = rule.methods is None and rule.allow is None
            if "*" not in pattern:
                if simple:
                    self.exact.add(pattern)
                else:
                    self.special.append((rule, _equals(pattern)))
            elif pattern.endswith("/**") and "*" not in pattern[:-3]:
                base = pattern[:-3]
                if simple and not base:
                    self.everything = True
                elif simple:
                    self.prefixes.append(base)
                else:
                    self.special.append((rule, _under(base)))
            else:
                regex = _pattern_regex(pattern)
                if simple:
                    globs.append(regex)
                else:
                    self.special.append((rule, _full_match(regex)))
        self.glob = re.compile("(?:" + "|".join(globs) + r")\Z") if globs else None
        self.what = what

    def __bool__(self) -> bool:
        return bool(self.exact or self.prefixes or self.everything or self.glob or self.special)

    def simple_match(self, path: str) -> bool:
        if self.everything or path in self.exact:
            return True
        for base in self.prefixes:
            if path.startswith(base) and (len(path) == len(base) or path[len(base)] == "/"):
                return True
        return self.glob is not None and self.glob.match(path) is not None

    def matching_rules(self, method: str, path: str) -> list[Rule]:
        """The special rules matching; a callable that raises matches when ``fail_match``."""
        found: list[Rule] = []
        for rule, test in self.special:
            if rule.methods is not None and method not in rule.methods:
                continue
            if test is None:
                if self._call(rule, method, path):
                    found.append(rule)
            elif test(path):
                found.append(rule)
        return found

    def _call(self, rule: Rule, method: str, path: str) -> bool:
        function = rule.pattern
        assert callable(function)
        try:
            return bool(function(method, path))
        except Exception:
            # Fail closed: a broken protect rule protects, a broken public rule exempts
            # nothing.
            logger.exception(
                "%s rule %r raised; treating it as %s",
                self.what,
                function,
                "matching" if self.what == "protect" else "not matching",
            )
            return self.what == "protect"


def _full_match(regex: str) -> Callable[[str], bool]:
    compiled = re.compile(regex + r"\Z")
    return lambda path: compiled.match(path) is not None


def _equals(pattern: str) -> Callable[[str], bool]:
    return lambda path: path == pattern


def _under(base: str) -> Callable[[str], bool]:
    return lambda path: path == base or path.startswith(base + "/") or not base


@dataclass(frozen=True)
class Guard:
    """A protected request: the rules' ``allow`` rules it must also pass."""

    allows: tuple[AccessRule, ...] = ()


class _BadPath:
    def __repr__(self) -> str:
        return "BAD_PATH"


BAD_PATH: Final = _BadPath()
_PLAIN_GUARD: Final = Guard()


class Protection:
    """The compiled protection rules of one configuration."""

    def __init__(
        self,
        *,
        protect: Sequence[RuleSpec],
        public: Sequence[RuleSpec],
        protect_all: bool,
        always_public: Iterable[str],
        case_sensitive: bool,
    ) -> None:
        self.case_sensitive = case_sensitive
        self.protect = PathMatcher(protect, case_sensitive=case_sensitive, what="protect")
        self.public = PathMatcher(public, case_sensitive=case_sensitive, what="public")
        self.protect_all = protect_all
        self.always_public = frozenset(p if case_sensitive else p.lower() for p in always_public)

    @classmethod
    def build(
        cls,
        *,
        protect: Sequence[RuleSpec],
        public: Sequence[RuleSpec],
        protect_all: bool,
        always_public: Iterable[str],
        case_sensitive: bool,
    ) -> Protection | None:
        """The compiled rules, or ``None`` when nothing is protected."""
        if not protect and not protect_all:
            return None
        return cls(
            protect=protect,
            public=public,
            protect_all=protect_all,
            always_public=always_public,
            case_sensitive=case_sensitive,
        )

    def check(self, method: str, path: str) -> Guard | _BadPath | None:
        """``None`` if ``path`` is not protected for ``method``; :data:`BAD_PATH` if it
        cannot be read safely; else the :class:`Guard` naming the extra rules."""
        forms = path_forms(path)
        if forms is None:
            return BAD_PATH
        allows: list[AccessRule] = []
        protected = False
        for form in forms:
            if not self.case_sensitive:
                form = form.lower()
            rules = self.protect.matching_rules(method, form) if self.protect.special else []
            hit = self.protect_all or bool(rules) or self.protect.simple_match(form)
            if not hit or self._public(method, form):
                continue
            protected = True
            allows.extend(rule.allow for rule in rules if rule.allow is not None)
        if not protected:
            return None
        return Guard(tuple(allows)) if allows else _PLAIN_GUARD

    def _public(self, method: str, form: str) -> bool:
        if form in self.always_public:
            return True
        if not self.public:
            return False
        return self.public.simple_match(form) or bool(self.public.matching_rules(method, form))


# -- the guarded miss --------------------------------------------------------------------


def is_preflight(request: AuthRequest) -> bool:
    headers = request.headers
    return (
        request.method == "OPTIONS"
        and "origin" in headers
        and "access-control-request-method" in headers
    )


def is_navigation(request: AuthRequest, api: PathMatcher | None) -> bool:
    """A browser loading a page (not ``fetch``/XHR, not under an API prefix)."""
    if request.method not in ("GET", "HEAD"):
        return False
    headers = request.headers
    mode = headers.get("sec-fetch-mode")
    if mode is not None and mode != "navigate":
        return False
    if headers.get("x-requested-with", "").lower() == "xmlhttprequest":
        return False
    if "text/html" not in headers.get("accept", "").lower():
        return False
    if api is not None and api:
        forms = path_forms(request.path) or ()
        if any(
            api.simple_match(form) or api.matching_rules(request.method, form) for form in forms
        ):
            return False
    return True


def original_url(request: AuthRequest, mount: str) -> str:
    """The path and query the visitor asked for, as a same-origin callbackUrl."""
    path = quote(mount + (request.path or "/"), safe="/:@!$&'()*+,;=-._~%")
    return path + ("?" + request.query_string if request.query_string else "")


def guarded_miss(core: AuthCore, request: AuthRequest, *, forbidden: bool = False) -> AuthResponse:
    """What a request for a protected path gets when its user may not see it."""
    navigation = is_navigation(request, core.config.api_prefixes)
    if forbidden:
        if navigation:
            response = core.responses.page(
                "error.html",
                403,
                heading="Access denied",
                message="You do not have permission to view this page.",
                home_url=core.base_url,
            )
        else:
            response = AuthResponse.json(
                {"error": "Forbidden", "message": "You do not have permission to access this."},
                403,
            )
    elif navigation:
        callback_url = original_url(request, core.mount)
        location = core.responses.app_page_url("signIn", callbackUrl=callback_url) or (
            f"{core.auth_url}/signin?{urlencode({'callbackUrl': callback_url})}"
        )
        response = AuthResponse.redirect(location)
    else:
        response = AuthResponse.json(
            {"error": "Unauthorized", "message": "Sign in to access this."}, 401
        )
        response.headers.append(
            (
                "www-authenticate",
                f'Cookie realm="{core.base_url}", form-action="{core.auth_url}/signin", '
                f'cookie-name="{core.jar.names["session_token"]}"',
            )
        )
    response.headers.append(("cache-control", "no-store"))
    response.headers.append(("vary", "Cookie, Accept"))
    return response


def bad_path() -> AuthResponse:
    response = AuthResponse.json(
        {"error": "Bad request", "message": "The request path cannot be read safely."}, 400
    )
    response.headers.append(("cache-control", "no-store"))
    return response


def access_denial(
    rules: Iterable[AccessRule | None], user: Mapping[str, Any]
) -> tuple[AccessRule, str] | None:
    """The first rule ``user`` fails and the criterion it fails on, or ``None``."""
    for rule in rules:
        if rule is None:
            continue
        failed = rule.denial(user)
        if failed is not None:
            return rule, failed
    return None


def guard(
    core: AuthCore, request: AuthRequest, identity: Identity, found: Guard
) -> AuthResponse | None:
    """The answer to a protected request, or ``None`` to let it through."""
    if is_preflight(request):
        return None
    if identity.token is None:
        return guarded_miss(core, request).set_cookies(identity.set_cookies)
    denied = access_denial((core.config.allow, *found.allows), identity.token)
    if denied is not None:
        rule, criterion = denied
        logger.info(
            "access to %s refused for %s: %s of %r",
            request.path,
            identity.token.get("sub"),
            criterion,
            rule,
        )
        return guarded_miss(core, request, forbidden=True).set_cookies(identity.set_cookies)
    return None
