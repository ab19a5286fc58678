"""Configuration: validation at construction, ``from_env()``."""

from __future__ import annotations

from typing import Any

import pytest

from workos_middleware import (
    AuthConfig,
    AuthMiddleware,
    ConfigurationError,
    WorkOSProvider,
    WSGIAuthMiddleware,
)

from support import SECRET, make_config, make_provider, wsgi_app

ENV = {
    "WORKOS_CLIENT_ID": "client_1",
    "WORKOS_API_KEY": "sk_1",
    "AUTH_SECRET": SECRET,
    "AUTH_URL": "http://127.0.0.1:8000",
}


def test_from_env() -> None:
    config = AuthConfig.from_env(ENV)
    provider = config.providers["workos"]
    assert isinstance(provider, WorkOSProvider)
    assert provider.client_id == "client_1"
    assert provider.client_secret == "sk_1"
    assert provider.base_url == "https://api.workos.com"
    assert config.secrets == (SECRET,)
    assert config.origin == "http://127.0.0.1:8000"
    assert config.base_path == "/api/auth"


def test_from_env_aliases_and_base_url() -> None:
    env = {
        "WORKOS_CLIENT_ID": "client_1",
        "WORKOS_API_KEY": "sk_1",
        "WORKOS_BASE_URL": "http://127.0.0.1:4100/",
        "NEXTAUTH_SECRET": SECRET,
        "NEXTAUTH_URL": "https://app.example.com",
    }
    config = AuthConfig.from_env(env)
    provider = config.providers["workos"]
    assert isinstance(provider, WorkOSProvider)
    assert provider.base_url == "http://127.0.0.1:4100"
    assert config.secure is True


def test_from_env_rotation_list_and_overrides() -> None:
    env = {**ENV, "AUTH_SECRET": f"old-{SECRET}, {SECRET}"}
    config = AuthConfig.from_env(env, pages={"signIn": "/login"}, workos={"organization": "org_1"})
    assert config.secrets == (f"old-{SECRET}", SECRET)
    assert config.pages == {"signIn": "/login"}


@pytest.mark.parametrize(
    ("url", "options", "prefix", "base_path"),
    [
        ("https://app.example.com", {}, "", "/api/auth"),
        ("https://app.example.com/", {}, "", "/api/auth"),
        # NextAuth's form: the URL of the auth routes, the mount prefix before them.
        ("https://app.example.com/api/auth", {}, "", "/api/auth"),
        ("https://app.example.com/keep/api/auth/", {}, "/keep", "/api/auth"),
        ("https://app.example.com/custom/auth", {"base_path": "/custom/auth"}, "", "/custom/auth"),
        # The app's public URL with its mount prefix, base_path given.
        ("https://app.example.com/keep", {"base_path": "/api/auth"}, "/keep", "/api/auth"),
        ("https://app.example.com/a/b", {"base_path": "/auth"}, "/a/b", "/auth"),
    ],
)
def test_auth_url_path_is_the_mount_prefix(
    url: str, options: dict[str, str], prefix: str, base_path: str
) -> None:
    config = AuthConfig.from_env({**ENV, "AUTH_URL": url}, **options)
    assert config.url_prefix == prefix
    assert config.base_path == base_path
    assert config.origin == "https://app.example.com"


def test_auth_base_path_from_the_environment() -> None:
    env = {**ENV, "AUTH_URL": "https://app.example.com/keep", "AUTH_BASE_PATH": "/api/auth"}
    config = AuthConfig.from_env(env)
    assert (config.url_prefix, config.base_path) == ("/keep", "/api/auth")


@pytest.mark.parametrize(
    "url", ["https://app.example.com/app", "https://app.example.com/custom/auth"]
)
def test_an_ambiguous_auth_url_path_fails_loudly(url: str) -> None:
    path = url.removeprefix("https://app.example.com")
    with pytest.raises(ConfigurationError) as caught:
        AuthConfig.from_env({**ENV, "AUTH_URL": url})
    message = str(caught.value)
    assert f"AUTH_URL=https://app.example.com{path}/api/auth" in message
    assert f"base_path='{path}'" in message


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ("WORKOS_CLIENT_ID", "WORKOS_CLIENT_ID"),
        ("WORKOS_API_KEY", "WORKOS_API_KEY"),
        ("AUTH_SECRET", "AUTH_SECRET"),
        ("AUTH_URL", "AUTH_URL"),
    ],
)
def test_missing_settings_name_what_to_set(missing: str, named: str) -> None:
    env = {k: v for k, v in ENV.items() if k != missing}
    with pytest.raises(ConfigurationError, match=named):
        AuthConfig.from_env(env)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"providers": []}, "no provider"),
        ({"secret": ""}, "AUTH_SECRET"),
        ({"secret": []}, "AUTH_SECRET"),
        ({"secret": "short"}, "too short"),
        ({"url": "app.example.com"}, "AUTH_URL"),
        ({"url": "ftp://app.example.com"}, "AUTH_URL"),
        ({"url": "http://"}, "AUTH_URL"),
        ({"url": "http://app.test/?x=1"}, "no query"),
        ({"url": "http://app.test:99999"}, "port"),
        ({"pages": {"signin": "/x"}}, "unknown pages key"),
        ({"pages": {"signIn": "https://evil.test/"}}, "path on this app"),
        ({"pages": {"newUser": "/welcome"}}, "newUser.*not supported.*first-sign-in"),
        ({"pages": {"verifyRequest": "/check-email"}}, "verifyRequest.*not supported.*email"),
        ({"clock": 12}, "clock"),
        ({"callbacks": {"signout": print}}, "unknown callback"),
        ({"callbacks": {"redirect": "nope"}}, "callable"),
        ({"events": {"session": print}}, "unknown event"),
        ({"base_path": "api"}, "base_path"),
        ({"session_max_age": 0}, "session_max_age"),
        ({"templates_dir": "/does/not/exist"}, "templates_dir"),
        ({"providers": [make_provider(), make_provider()]}, "share the id"),
        ({"providers": ["workos"]}, "not a provider"),
    ],
)
def test_invalid_configuration_fails_at_construction(
    overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        make_config(**overrides)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"client_id": ""}, "WORKOS_CLIENT_ID"),
        ({"client_secret": ""}, "WORKOS_API_KEY"),
        ({"base_url": "api.workos.com"}, "WORKOS_BASE_URL"),
        ({"domains": {"example.com": "example"}}, "org_"),
        ({"organization": "org_1", "connection": "conn_1"}, "not both"),
    ],
)
def test_invalid_provider_options(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        make_provider(**options)


def test_camel_case_callback_names_are_accepted() -> None:
    config = make_config(callbacks={"signIn": lambda *a: True}, events={"signOut": print})
    assert set(config.callbacks) == {"sign_in"}
    assert set(config.events) == {"sign_out"}


def test_wsgi_refuses_async_callbacks_at_construction() -> None:
    async def sign_in(*args: Any) -> bool:
        return True

    config = make_config(callbacks={"sign_in": sign_in})
    with pytest.raises(ConfigurationError, match="sign_in"):
        WSGIAuthMiddleware(wsgi_app, config=config)
    AuthMiddleware(wsgi_app, config=config)  # type: ignore[arg-type]  # ASGI takes them


def test_config_error_is_a_value_error() -> None:
    assert issubclass(ConfigurationError, ValueError)


def test_from_env_adds_github_and_google_when_their_pairs_are_set() -> None:
    from workos_middleware import GitHubProvider, GoogleProvider

    env = {
        **ENV,
        "GITHUB_CLIENT_ID": "gh",
        "GITHUB_CLIENT_SECRET": "gh-secret",
        "GOOGLE_CLIENT_ID": "g",
        "GOOGLE_CLIENT_SECRET": "g-secret",
    }
    config = AuthConfig.from_env(env, github={"idp_initiated": "restart"})
    assert list(config.providers) == ["workos", "github", "google"]
    github = config.providers["github"]
    assert isinstance(github, GitHubProvider) and github.idp_initiated == "restart"
    assert isinstance(config.providers["google"], GoogleProvider)


def test_from_env_without_workos_when_another_provider_is_set() -> None:
    env = {k: v for k, v in ENV.items() if not k.startswith("WORKOS_")}
    config = AuthConfig.from_env({**env, "GITHUB_CLIENT_ID": "a", "GITHUB_CLIENT_SECRET": "b"})
    assert list(config.providers) == ["github"]


def test_from_env_half_a_pair_is_an_error() -> None:
    with pytest.raises(ConfigurationError, match="GOOGLE_CLIENT_SECRET"):
        AuthConfig.from_env({**ENV, "GOOGLE_CLIENT_ID": "g"})


def test_from_env_adds_authkit_and_points_presets_elsewhere() -> None:
    from workos_middleware import AuthKitProvider, GitHubProvider, GoogleProvider

    env = {
        **ENV,
        "WORKOS_AUTHKIT": "true",
        "GITHUB_CLIENT_ID": "gh",
        "GITHUB_CLIENT_SECRET": "gh-secret",
        "GITHUB_BASE_URL": "http://127.0.0.1:4100/oauth/github",
        "GITHUB_API_URL": "http://127.0.0.1:4100/oauth/github",
        "GOOGLE_CLIENT_ID": "g",
        "GOOGLE_CLIENT_SECRET": "g-secret",
        "GOOGLE_ISSUER": "http://127.0.0.1:4100/oidc/google",
    }
    config = AuthConfig.from_env(env)
    assert list(config.providers) == ["workos", "authkit", "github", "google"]
    assert isinstance(config.providers["authkit"], AuthKitProvider)
    github = config.providers["github"]
    assert isinstance(github, GitHubProvider)
    assert github.api_url == "http://127.0.0.1:4100/oauth/github"
    google = config.providers["google"]
    assert isinstance(google, GoogleProvider)
    assert google.issuer == "http://127.0.0.1:4100/oidc/google"
