"""Encrypted values for secrets that ride in a cookie (AES-256-GCM, from ``cryptography``).

A provider's refresh token must never sit in a cookie that is only signed: anyone who
sees the cookie (a log, a proxy, a shared machine) would hold a credential. What a
provider keeps with the session is therefore sealed: encrypted and authenticated with
AES-GCM under a key derived (HKDF-SHA256) from each ``AUTH_SECRET`` and the purpose, so
rotation works as for signing (seal with the newest secret, open with any). The purpose
is the associated data: a value sealed for one purpose never opens as another.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Sequence
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["Sealer"]

_VERSION = b"\x01"
_NONCE_BYTES = 12
MAX_SEALED_LENGTH = 16 * 1024


def _derive(secret: str, purpose: str) -> AESGCM:
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=f"workos-middleware sealed {purpose}".encode(),
    )
    return AESGCM(hkdf.derive(secret.encode()))


class Sealer:
    """Seal and open JSON values for one purpose, with a rotation list of secrets."""

    def __init__(self, secrets: Sequence[str], purpose: str) -> None:
        self.purpose = purpose
        self._aad = purpose.encode()
        # Newest first: it seals; every one opens.
        self._keys = [_derive(secret, purpose) for secret in reversed(secrets)]

    def seal(self, value: Any) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        plain = json.dumps(value, separators=(",", ":")).encode()
        sealed = _VERSION + nonce + self._keys[0].encrypt(nonce, plain, self._aad)
        return base64.urlsafe_b64encode(sealed).rstrip(b"=").decode("ascii")

    def open(self, text: Any) -> Any | None:
        """The value sealed in ``text``, or ``None`` if it was not sealed by us for this
        purpose (tampered, truncated, another secret, garbage)."""
        if not isinstance(text, str) or not text or len(text) > MAX_SEALED_LENGTH:
            return None
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        except (ValueError, TypeError):
            return None
        if len(raw) < 1 + _NONCE_BYTES + 16 or raw[:1] != _VERSION:
            return None
        nonce, ciphertext = raw[1 : 1 + _NONCE_BYTES], raw[1 + _NONCE_BYTES :]
        for key in self._keys:
            try:
                plain = key.decrypt(nonce, ciphertext, self._aad)
            except InvalidTag:
                continue
            try:
                return json.loads(plain)
            except ValueError:
                return None
        return None
