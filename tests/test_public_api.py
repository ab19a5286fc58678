"""The public names are pinned: changing them is a decision, not an accident."""

from __future__ import annotations

import workos_middleware


def test_public_names() -> None:
    assert sorted(workos_middleware.__all__) == sorted(
        [
            "SESSION_KEY",
            "USER_KEY",
            "AccessRule",
            "AuthConfig",
            "AuthKitProvider",
            "AuthMiddleware",
            "AuthResponse",
            "AuthUser",
            "ConfigurationError",
            "CookieOptions",
            "GitHubProvider",
            "GoogleProvider",
            "OAuthProvider",
            "OIDCProvider",
            "MiddlewareNotInstalled",
            "CookieSessionStore",
            "MemorySessionStore",
            "Provider",
            "ProviderError",
            "Rule",
            "Session",
            "SessionToken",
            "RedisSessionStore",
            "SessionStore",
            "SignInResult",
            "StoreUnavailable",
            "WSGIAuthMiddleware",
            "WorkOSMiddlewareError",
            "WorkOSProvider",
            "current_user",
            "expires_in_words",
            "get_csrf_token",
            "get_session",
            "get_signin_context",
            "get_user",
            "guarded_miss",
            "is_allowed",
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
    assert sorted(public) == ["emulator", "integrations", "providers", "testing"]


def test_integration_modules_are_public_and_pinned() -> None:
    from workos_middleware.integrations import django, fastapi, flask, starlette

    assert sorted(starlette.__all__) == [
        "MiddlewareNotInstalled",
        "current_user",
        "login_required",
        "to_response",
    ]
    assert sorted(fastapi.__all__) == [
        "MiddlewareNotInstalled",
        "OptionalUser",
        "RequireUser",
        "SessionCookie",
        "current_user",
        "optional_user",
        "require_user",
    ]
    assert sorted(flask.__all__) == [
        "MiddlewareNotInstalled",
        "current_user",
        "get_current_user",
        "init_app",
        "login_required",
        "to_response",
    ]
    assert sorted(django.__all__) == [
        "AuthAppConfig",
        "AuthMiddleware",
        "MiddlewareNotInstalled",
        "SETTING",
        "WorkOSBackend",
        "current_user",
        "login_required",
        "to_response",
    ]


def test_the_core_imports_no_web_framework_but_starlette() -> None:
    """FastAPI, Flask and Django are optional extras: only their integration imports them."""
    import subprocess
    import sys

    code = (
        "import sys, workos_middleware, workos_middleware.testing, "
        "workos_middleware.integrations; "
        "print(sorted({'fastapi', 'flask', 'django', 'werkzeug'} & set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
