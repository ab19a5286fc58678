"""The public names are pinned: changing them is a decision, not an accident."""

from __future__ import annotations

import workos_middleware


def test_public_names() -> None:
    assert sorted(workos_middleware.__all__) == sorted(
        [
            "SESSION_KEY",
            "USER_KEY",
            "AuthConfig",
            "AuthMiddleware",
            "AuthUser",
            "ConfigurationError",
            "CookieOptions",
            "Provider",
            "ProviderError",
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
