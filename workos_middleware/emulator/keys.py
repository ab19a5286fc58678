"""Signing keys and signed tokens: RSA key rings, their JWKS, and RS256 JWTs.

Each issuer (WorkOS's AuthKit, each OpenID Connect provider) has its own :class:`KeyRing`;
rotating it makes a new signing key with a new ``kid`` and keeps the old one published
until asked not to. The tokens are assembled here from the JWS rules (RFC 7515: base64url
header and payload, an RSASSA-PKCS1-v1_5 SHA-256 signature made by ``cryptography``), not
with a JWT library, so the emulator shares no token code with the code it tests.

Keys are expensive to generate, so one process keeps one key per (issuer, generation): every
emulator app in a test run signs with the same few keys.
"""

from __future__ import annotations

import base64
import datetime
import functools
import hashlib
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

DEFECTS = (
    "bad_signature",
    "unknown_kid",
    "expired",
    "wrong_audience",
    "wrong_issuer",
    "wrong_nonce",
    "future_iat",
)
"""Ways a test may ask the next token to be wrong (a ``token_defect`` fault)."""

IMPOSTOR = "impostor"
"""The issuer name of a key no JWKS publishes: what bad signatures and unknown kids use."""


class CryptographyMissing(RuntimeError):
    """The ``cryptography`` package is needed for signed tokens and is not installed."""


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _int_b64url(value: int) -> str:
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


@dataclass(frozen=True)
class SigningKey:
    """One RSA key pair with its ``kid`` and the public JWK that publishes it."""

    kid: str
    private_key: RSAPrivateKey
    jwk: Mapping[str, Any]

    def sign(self, signing_input: bytes) -> bytes:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        return self.private_key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())


@functools.cache
def process_key(issuer: str, generation: int) -> SigningKey:
    """The key ``issuer`` signs with after ``generation`` rotations, made once per process."""
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.x509.oid import NameOID
    except ModuleNotFoundError:
        raise CryptographyMissing(
            "The emulator's signed tokens need cryptography: "
            "pip install 'workos-middleware[emulator]'"
        ) from None
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    numbers = private_key.public_key().public_numbers()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"WorkOS emulator {issuer}")])
    # A self-signed certificate, because WorkOS's JWKS carries one (x5c and x5t#S256).
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc))
        .not_valid_after(datetime.datetime(2044, 1, 1, tzinfo=datetime.timezone.utc))
        .sign(private_key, hashes.SHA256())
    )
    der = certificate.public_bytes(serialization.Encoding.DER)
    n, e = _int_b64url(numbers.n), _int_b64url(numbers.e)
    # RFC 7638 thumbprint of the public key: the kid, so a new key always has a new kid.
    thumbprint = b64url(
        hashlib.sha256(
            json.dumps({"e": e, "kty": "RSA", "n": n}, separators=(",", ":")).encode()
        ).digest()[:18]
    )
    kid = f"key_{thumbprint}"
    jwk = {
        "alg": "RS256",
        "kty": "RSA",
        "use": "sig",
        "kid": kid,
        "n": n,
        "e": e,
        "x5c": [base64.b64encode(der).decode("ascii")],
        "x5t#S256": b64url(hashlib.sha256(der).digest()),
    }
    return SigningKey(kid=kid, private_key=private_key, jwk=jwk)


class KeyRing:
    """The keys one issuer publishes; the newest signs."""

    def __init__(self, issuer: str) -> None:
        self.issuer = issuer
        self._lock = threading.Lock()
        self._generation = 0
        self._published = [0]

    @property
    def signing_key(self) -> SigningKey:
        return process_key(self.issuer, self._generation)

    def rotate(self, *, keep_previous: bool = True) -> SigningKey:
        with self._lock:
            self._generation += 1
            kept = self._published if keep_previous else []
            self._published = [self._generation, *kept]
            return self.signing_key

    def kids(self) -> list[str]:
        return [process_key(self.issuer, g).kid for g in self._published]

    def jwks(self) -> dict[str, Any]:
        """The JWK Set: every published key, newest first."""
        return {"keys": [dict(process_key(self.issuer, g).jwk) for g in self._published]}

    def sign(self, claims: Mapping[str, Any], *, defect: str | None = None) -> str:
        """A compact RS256 JWT of ``claims``; ``bad_signature`` / ``unknown_kid`` spoil it."""
        key = self.signing_key
        signer = key
        if defect in ("bad_signature", "unknown_kid"):
            signer = process_key(IMPOSTOR, 0)
        kid = signer.kid if defect == "unknown_kid" else key.kid
        header = {"alg": "RS256", "typ": "JWT", "kid": kid}
        signing_input = f"{_segment(header)}.{_segment(claims)}".encode("ascii")
        return f"{signing_input.decode('ascii')}.{b64url(signer.sign(signing_input))}"


def _segment(value: Mapping[str, Any]) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode("utf-8"))


def spoil_claims(claims: dict[str, Any], defect: str | None, now: float) -> dict[str, Any]:
    """``claims`` with the claim a defect names made wrong (the signature ones pass through)."""
    spoiled = dict(claims)
    if defect == "expired":
        spoiled["iat"] = int(now) - 7200
        spoiled["exp"] = int(now) - 3600
    elif defect == "future_iat":
        spoiled["iat"] = int(now) + 3600
    elif defect == "wrong_audience":
        spoiled["aud"] = "someone-else"
    elif defect == "wrong_issuer":
        spoiled["iss"] = "https://issuer.invalid"
    elif defect == "wrong_nonce":
        spoiled["nonce"] = "not-the-nonce-you-sent"
    return spoiled
