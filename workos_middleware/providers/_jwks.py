"""Signed tokens from a provider: a cached JSON Web Key Set and JWT verification.

The keys come from the provider's ``jwks_uri`` as :class:`~workos_middleware.flow.Fetch`
effects (no I/O here), are cached for ``ttl`` seconds, and are fetched again once when a
token names a key id the cache does not hold (the provider rotated its keys). That
refetch happens at most once per ``min_refetch_interval`` seconds, so a stream of tokens
with made-up key ids cannot turn into a stream of requests to the provider.

Verification is PyJWT's (with ``cryptography``): only asymmetric algorithms are
accepted, never ``none`` and never an HMAC keyed with a public key.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import httpx
import jwt

from .._base.effects import Flow, fetch
from .._base.errors import ProviderError

__all__ = ["ASYMMETRIC_ALGORITHMS", "JWKSCache", "verify_jwt"]

logger = logging.getLogger("workos_middleware")

ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)


class JWKSCache:
    """The signing keys published at ``uri``, fetched lazily and kept ``ttl`` seconds."""

    def __init__(
        self,
        uri: str,
        *,
        ttl: float = 3600.0,
        min_refetch_interval: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.uri = uri
        self.ttl = ttl
        self.min_refetch_interval = min_refetch_interval
        self.clock = clock
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None

    def signing_key(self, kid: str | None) -> Flow[jwt.PyJWK]:
        """The key ``kid`` names (or the only key, when the token names none)."""
        now = self.clock()
        fetched_now = False
        if self._fetched_at is None or now - self._fetched_at >= self.ttl:
            yield from self._refresh()
            fetched_now = True
        key = self._find(kid)
        if key is None and not fetched_now and self._may_refetch(now):
            logger.info("key id %r not in the JWKS of %s: fetching it again", kid, self.uri)
            yield from self._refresh()
            key = self._find(kid)
        if key is None:
            raise ProviderError(f"no key with id {kid!r} in the JWKS at {self.uri}")
        return key

    def _may_refetch(self, now: float) -> bool:
        return self._fetched_at is None or now - self._fetched_at >= self.min_refetch_interval

    def _find(self, kid: str | None) -> jwt.PyJWK | None:
        if kid is None:
            return next(iter(self._keys.values())) if len(self._keys) == 1 else None
        return self._keys.get(kid)

    def _refresh(self) -> Flow[None]:
        request = httpx.Request("GET", self.uri, headers={"accept": "application/json"})
        response = yield from fetch(request)
        # Whatever the answer, wait before asking again.
        self._fetched_at = self.clock()
        if not response.is_success:
            raise ProviderError(f"JWKS endpoint {self.uri} answered {response.status_code}")
        try:
            data = json.loads(response.content)
        except ValueError as exc:
            raise ProviderError(f"JWKS endpoint {self.uri} answered invalid JSON") from exc
        entries = data.get("keys") if isinstance(data, dict) else None
        if not isinstance(entries, list):
            raise ProviderError(f"JWKS at {self.uri} has no 'keys' list")
        keys: dict[str, jwt.PyJWK] = {}
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict) or entry.get("use", "sig") != "sig":
                continue
            try:
                key = jwt.PyJWK(entry)
            except (jwt.PyJWTError, ValueError, TypeError, KeyError) as exc:
                # One key of an unsupported type does not spoil the others.
                logger.debug("skipping JWKS entry %d of %s: %s", index, self.uri, exc)
                continue
            kid = entry.get("kid")
            keys[kid if isinstance(kid, str) else f"#{index}"] = key
        self._keys = keys


def verify_jwt(
    token: str,
    keys: JWKSCache,
    *,
    algorithms: Iterable[str],
    issuer: str | Iterable[str] | None,
    audience: str | None,
    leeway: float,
    now: float,
    max_age: float | None = None,
    nonce: str | None = None,
    required: Iterable[str] = ("exp", "iat"),
    what: str = "ID token",
) -> Flow[dict[str, Any]]:
    """The verified claims of ``token``; :class:`ProviderError` naming the failed check.

    Checks the signature against ``keys``, then ``exp``, ``iat`` (not in the future,
    and no older than ``max_age``), ``nbf``, ``iss``, ``aud`` (with ``azp`` when there are
    several audiences) and ``nonce``, each with ``leeway`` seconds of clock skew.
    """
    allowed = [alg for alg in algorithms if alg in ASYMMETRIC_ALGORITHMS]
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise ProviderError(f"{what} is not a JWT: {exc}") from exc
    algorithm = header.get("alg")
    if algorithm not in allowed:
        raise ProviderError(f"{what} is signed with {algorithm!r}; allowed: {sorted(allowed)}")
    kid = header.get("kid")
    key = yield from keys.signing_key(kid if isinstance(kid, str) else None)
    options: dict[str, Any] = {
        "require": list(required),
        "verify_aud": audience is not None,
        "verify_iss": False,  # checked below, against one or several accepted issuers
        # Checked below against the injected clock rather than PyJWT's own.
        "verify_exp": False,
        "verify_iat": False,
        "verify_nbf": False,
    }
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key=key,
            algorithms=[str(algorithm)],
            audience=audience,
            options=options,  # type: ignore[arg-type]
        )
    except jwt.PyJWTError as exc:
        raise ProviderError(f"{what} rejected: {exc}") from exc
    _check_times(claims, now=now, leeway=leeway, max_age=max_age, what=what)
    if issuer is not None:
        accepted = [issuer] if isinstance(issuer, str) else list(issuer)
        if claims.get("iss") not in accepted:
            raise ProviderError(f"{what} has issuer {claims.get('iss')!r}, expected {accepted}")
    if audience is not None:
        aud = claims.get("aud")
        if isinstance(aud, list) and len(aud) > 1 and claims.get("azp") != audience:
            raise ProviderError(f"{what} has several audiences and azp is not this client")
    if nonce is not None:
        given = claims.get("nonce")
        if not isinstance(given, str) or not hmac.compare_digest(given.encode(), nonce.encode()):
            raise ProviderError(f"{what} nonce does not match this sign-in")
    return claims


def _check_times(
    claims: Mapping[str, Any], *, now: float, leeway: float, max_age: float | None, what: str
) -> None:
    def number(name: str) -> float | None:
        value = claims.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ProviderError(f"{what} claim {name!r} is not a number")
        return float(value)

    exp, iat, nbf = number("exp"), number("iat"), number("nbf")
    if exp is not None and exp <= now - leeway:
        raise ProviderError(f"{what} expired {int(now - exp)} s ago")
    if iat is not None and iat > now + leeway:
        raise ProviderError(f"{what} was issued {int(iat - now)} s in the future")
    if iat is not None and max_age is not None and iat < now - max_age - leeway:
        raise ProviderError(f"{what} was issued {int(now - iat)} s ago, too long ago")
    if nbf is not None and nbf > now + leeway:
        raise ProviderError(f"{what} is not valid yet")
