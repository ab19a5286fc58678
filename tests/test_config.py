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


# -- errors and settings a newcomer gets wrong --------------------------------------------


def test_errors_show_their_public_import_path() -> None:
    with pytest.raises(ConfigurationError) as caught:
        AuthConfig.from_env({**ENV, "AUTH_SECRET": ""})
    assert type(caught.value).__module__ == "workos_middleware"
    assert "workos_middleware.ConfigurationError: " in "".join(
        __import__("traceback").format_exception_only(caught.type, caught.value)
    )
    import workos_middleware

    for name in workos_middleware.__all__:
        found = getattr(workos_middleware, name)
        if isinstance(found, type) and issubclass(found, Exception):
            assert found.__module__ == "workos_middleware", name


GENERATE = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"


@pytest.mark.parametrize(
    ("secret", "why"),
    [
        ("your-secret-here", "placeholder"),
        ("YOUR_SECRET_HERE", "placeholder"),
        ("changeme", "too short"),
        ("changeme-changeme-changeme", "placeholder"),
        ("please-replace-me-with-a-real-one", "placeholder"),
        ("your-nextauth-secret", "placeholder"),
        ("secretsecretsecretsecret", "placeholder"),
        ("secret", "too short"),
        ("a" * 32, "one character repeated"),
        ("0" * 64, "one character repeated"),
        ("abababababababababab", "placeholder"),
        ("----------------=---", "placeholder"),
        ("short-but-random", None),
        ("tooshort", "too short"),
    ],
)
def test_placeholder_and_weak_secrets_are_refused(secret: str, why: str | None) -> None:
    if why is None:  # 16 characters of no pattern: accepted
        assert AuthConfig.from_env({**ENV, "AUTH_SECRET": secret}).secrets == (secret,)
        return
    for given in ({**ENV, "AUTH_SECRET": secret}, {**ENV, "AUTH_SECRET": f"{SECRET},{secret}"}):
        with pytest.raises(ConfigurationError) as caught:
            AuthConfig.from_env(given)
        message = str(caught.value)
        assert "AUTH_SECRET" in message and why in message and GENERATE in message
        assert secret not in message.replace(GENERATE, "")  # a secret is never echoed
    with pytest.raises(ConfigurationError, match=why):
        make_config(secret=secret)


def test_a_missing_secret_names_the_command() -> None:
    with pytest.raises(ConfigurationError) as caught:
        AuthConfig.from_env({**ENV, "AUTH_SECRET": ""})
    assert "set AUTH_SECRET" in str(caught.value) and GENERATE in str(caught.value)


@pytest.mark.parametrize(
    ("client_id", "api_key", "expected"),
    [
        ("sk_test_abc", "client_01ABC", "WORKOS_CLIENT_ID and WORKOS_API_KEY are swapped"),
        ("01ABCDEF", "sk_test_abc", "WORKOS_CLIENT_ID must be the WorkOS client id"),
        ("client_01ABC", "client_01ABC", "WORKOS_API_KEY must be the WorkOS API key"),
        ("client_01ABC", "key_live_abc", "WORKOS_API_KEY must be the WorkOS API key"),
    ],
)
def test_workos_credentials_have_workos_prefixes(
    client_id: str, api_key: str, expected: str
) -> None:
    env = {**ENV, "WORKOS_CLIENT_ID": client_id, "WORKOS_API_KEY": api_key}
    for given in (env, {**env, "WORKOS_AUTHKIT": "true"}):
        with pytest.raises(ConfigurationError, match=expected) as caught:
            AuthConfig.from_env(given)
        assert "key_live_abc" not in str(caught.value)
    with pytest.raises(ConfigurationError, match=expected):
        WorkOSProvider(client_id=client_id, client_secret=api_key)


def test_the_emulators_demo_credentials_pass() -> None:
    from workos_middleware.emulator.app import DEFAULT_API_KEY, DEFAULT_CLIENT_ID

    env = {**ENV, "WORKOS_CLIENT_ID": DEFAULT_CLIENT_ID, "WORKOS_API_KEY": DEFAULT_API_KEY}
    assert AuthConfig.from_env({**env, "WORKOS_AUTHKIT": "1"}).providers.keys() == {
        "workos",
        "authkit",
    }


def test_emulator_command_without_uvicorn_names_the_extra() -> None:
    import subprocess
    import sys

    script = (
        "import sys\n"
        "sys.modules['uvicorn'] = None  # as if not installed\n"
        "from workos_middleware.emulator.__main__ import main\n"
        "sys.exit(main([]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2
    assert "pip install 'workos-middleware[emulator]'" in done.stderr
