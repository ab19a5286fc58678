"""Identity providers: what a third party needs to write one; WorkOS, OAuth 2.0, OIDC.

A provider implements :class:`Provider`. Its methods that talk to the network are
flows: generators that ``yield from fetch(request)`` (an ``httpx.Request``; the
adapter sends it with its shared client and answers with the ``httpx.Response``) and
``yield from call(function, *args)`` for a user function. They never do I/O
themselves, so one provider serves both the ASGI and the WSGI adapter.
:meth:`Provider.complete` returns a :class:`SignInResult` whose ``user`` is a
:class:`User`; refusals raise :class:`ProviderError` with the :data:`ErrorCode` to show.
"""

from .._base.effects import Call, Fetch, Flow, call, fetch
from .._base.errors import ProviderError
from .._base.types import ErrorCode, User
from ._authkit import AuthKitProvider
from ._base import Provider, SignInResult
from ._jwks import JWKSCache, verify_jwt
from ._oauth import OAuthProvider
from ._oidc import OIDCProvider
from ._presets import GitHubProvider, GoogleProvider
from ._workos import WorkOSProvider

__all__ = [
    "AuthKitProvider",
    "Call",
    "ErrorCode",
    "Fetch",
    "Flow",
    "GitHubProvider",
    "GoogleProvider",
    "JWKSCache",
    "OAuthProvider",
    "OIDCProvider",
    "Provider",
    "ProviderError",
    "SignInResult",
    "User",
    "WorkOSProvider",
    "call",
    "fetch",
    "verify_jwt",
]
