"""The public names are pinned: changing them is a decision, not an accident."""

from __future__ import annotations

import workos_middleware


def test_public_names() -> None:
    assert sorted(workos_middleware.__all__) == sorted(
        [
            "SESSION_KEY",
            "USER_KEY",
            "AuthConfig",
            "AuthKitProvider",
            "AuthMiddleware",
            "AuthUser",
            "ConfigurationError",
            "CookieOptions",
            "GitHubProvider",
            "GoogleProvider",
            "OAuthProvider",
            "OIDCProvider",
            "Provider",
            "ProviderError",
            "Session",
            "SessionToken",
            "SignInResult",
            "WSGIAuthMiddleware",
            "WorkOSMiddlewareError",
            "WorkOSProvider",
            "get_csrf_token",
            "get_session",
            "get_signin_context",
            "get_user",
        ]
    )
    for name in workos_middleware.__all__:
        assert hasattr(workos_middleware, name)


def test_environ_keys() -> None:
    assert workos_middleware.SESSION_KEY == "workos_middleware.session"
    assert workos_middleware.USER_KEY == "workos_middleware.user"


def test_what_a_provider_needs_is_public() -> None:
    """A third-party provider implements the protocol with these, and nothing private."""
    from workos_middleware import providers

    assert sorted(providers.__all__) == sorted(
        [
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
    )
    for name in providers.__all__:
        assert hasattr(providers, name)
    assert providers.SignInResult is workos_middleware.SignInResult
    assert providers.ProviderError is workos_middleware.ProviderError


def test_implementation_modules_are_private() -> None:
    import pkgutil

    public = [
        module.name
        for module in pkgutil.iter_modules(workos_middleware.__path__)
        if not module.name.startswith("_")
    ]
    assert sorted(public) == ["emulator", "providers"]
