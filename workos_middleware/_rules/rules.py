"""Which paths of the wrapped app are guarded: rules compiled once, matched per request.

Rules are compiled when the configuration is built: exact paths go into a set,
``/x/**`` prefixes into a list, other globs into one regex, and only rules with
methods, an ``allow`` or a callable are looked at one by one. With no rule configured
the adapters skip all of this (:meth:`Protection.build` returns ``None``).

A request path is read by :func:`~._paths.path_forms`; it is guarded when any of its
forms is protected and not public. The decision uses nothing but the method and that
path: never the query string, never ``X-Forwarded-Uri`` or ``X-Original-URL``.
"""

from __future__ import annotations

import logging
import re
import string
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Final, TypeAlias

from .._base.errors import ConfigurationError
from .access import AccessRule
from .paths import path_forms

__all__ = [
    "BAD_PATH",
    "PathMatcher",
    "Protected",
    "Protection",
    "Rule",
    "RuleSpec",
    "compile_rules",
    "fold_case",
]

logger = logging.getLogger("workos_middleware")

PathPredicate = Callable[[str, str], bool]

# The characters outside ASCII that ``re.IGNORECASE`` (Django's ``(?i)`` routes, any
# case-insensitive router built on ``re``) matches to an ASCII letter: the complete
# list (tests/test_entry_points.py checks every code point).
ASCII_LOOKALIKES: Final = {"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"}
_FOLD: Final = str.maketrans({**{c: c.lower() for c in string.ascii_uppercase}, **ASCII_LOOKALIKES})


def fold_case(path: str) -> str:
    """``path`` as case-insensitive rules read it: ASCII letters lower-cased, and the
    look-alikes a case-insensitive router matches to them (``/da\u017fhboard`` is
    ``/dashboard``) replaced. Patterns are ASCII (refused otherwise), so this agrees
    with ``re.IGNORECASE`` on whether a path matches."""
    return path.lower() if path.isascii() else path.translate(_FOLD)


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
                if not pattern.isascii():
                    raise ConfigurationError(
                        f"{what} pattern {pattern!r}: with case_sensitive=False patterns "
                        "must be ASCII (how routers fold other letters differs); write the "
                        "pattern in ASCII or set case_sensitive=True"
                    )
                pattern = pattern.lower()
            if rule.methods is not None or rule.allow is not None:
                self.special.append((rule, _test(pattern)))
            elif "*" not in pattern:
                self.exact.add(pattern)
            elif pattern == "/**":
                self.everything = True
            elif pattern.endswith("/**") and "*" not in pattern[:-3]:
                self.prefixes.append(pattern[:-3])
            else:
                globs.append(_pattern_regex(pattern))
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


def _test(pattern: str) -> Callable[[str], bool]:
    """A per-rule test, for rules with methods or an ``allow``."""
    if "*" not in pattern:
        return lambda path: path == pattern
    if pattern.endswith("/**") and "*" not in pattern[:-3]:
        base = pattern[:-3]
        return lambda path: not base or path == base or path.startswith(base + "/")
    compiled = re.compile(_pattern_regex(pattern) + r"\Z")
    return lambda path: compiled.match(path) is not None


@dataclass(frozen=True)
class Protected:
    """A protected request: the rules' ``allow`` rules it must also pass."""

    allows: tuple[AccessRule, ...] = ()


class _BadPath:
    def __repr__(self) -> str:
        return "BAD_PATH"


BAD_PATH: Final = _BadPath()
_PLAINLY_PROTECTED: Final = Protected()


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
        self.always_public = frozenset(p if case_sensitive else fold_case(p) for p in always_public)

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

    def check(self, method: str, path: str) -> Protected | _BadPath | None:
        """``None`` if ``path`` is not protected for ``method``; :data:`BAD_PATH` if it
        cannot be read safely; else the :class:`Protected` naming the extra rules."""
        forms = path_forms(path)
        if forms is None:
            return BAD_PATH
        allows: list[AccessRule] = []
        protected = False
        for form in forms:
            if not self.case_sensitive:
                form = fold_case(form)
            rules = self.protect.matching_rules(method, form) if self.protect.special else []
            hit = self.protect_all or bool(rules) or self.protect.simple_match(form)
            if not hit or self._public(method, form):
                continue
            protected = True
            allows.extend(rule.allow for rule in rules if rule.allow is not None)
        if not protected:
            return None
        return Protected(tuple(allows)) if allows else _PLAINLY_PROTECTED

    def _public(self, method: str, form: str) -> bool:
        if form in self.always_public:
            return True
        if not self.public:
            return False
        return self.public.simple_match(form) or bool(self.public.matching_rules(method, form))


def compile_rules(
    *,
    protect: Sequence[RuleSpec],
    public: Sequence[RuleSpec],
    protect_all: bool,
    api_prefixes: Sequence[RuleSpec],
    pages: Iterable[str],
    case_sensitive: bool,
) -> tuple[Protection | None, PathMatcher | None]:
    """The compiled protection (``None`` when nothing is protected) and API prefixes."""
    lists = (("protect", protect), ("public", public), ("api_prefixes", api_prefixes))
    for name, value in lists:
        if isinstance(value, str) or not isinstance(value, (list, tuple)):
            raise ConfigurationError(f"{name} must be a list of paths, like ['/admin/**']")
    # The auth routes are answered before any rule is read; the app's own sign-in,
    # sign-out and error pages must stay reachable too.
    always_public = [page.partition("?")[0].rstrip("/") or "/" for page in pages]
    protection = Protection.build(
        protect=protect,
        public=public,
        protect_all=protect_all,
        always_public=always_public,
        case_sensitive=case_sensitive,
    )
    api = PathMatcher(api_prefixes, case_sensitive=case_sensitive, what="api_prefixes")
    return protection, (api if api else None)
