"""Identity providers: the protocol the core relies on, and WorkOS."""

from .base import Provider, SignInResult
from .workos import WorkOSProvider

__all__ = ["Provider", "SignInResult", "WorkOSProvider"]
