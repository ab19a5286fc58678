"""GitHub and Google presets, the provider list and sign-in page with every provider."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import respx

from workos_middleware.providers import GitHubProvider, GoogleProvider

from support import APP_URL, Client, make_provider
from support.idp import (
    ERROR_CALLBACK,
    KEY,
    begin,
    finish,
    id_token,
    jwks,
    session_user,
)

GOOGLE = "https://accounts.google.com"
GITHUB_USER = {
    "login": "octocat",
    "id": 583231,
    "name": "The Octocat",
    "email": "octocat@github.test",
    "avatar_url": "https://avatars.test/u/583231",
}


def github(**overrides: Any) -> GitHubProvider:
    return GitHubProvider(client_id="gh-id", client_secret="gh-secret", **overrides)


def google(**overrides: Any) -> GoogleProvider:
    options: dict[str, Any] = {"client_id": "g-id", "client_secret": "g-secret"}
    options.update(overrides)
    return GoogleProvider(**options)


@pytest.fixture
def remote() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        router.post("https://github.com/login/oauth/access_token", name="gh_token").respond(
            200, json={"access_token": "gho_1", "token_type": "bearer", "scope": "read:user"}
        )
        router.get("https://api.github.com/user", name="gh_user").respond(200, json=GITHUB_USER)
        router.get(f"{GOOGLE}/.well-known/openid-configuration", name="g_discovery").respond(
            200,
            json={
                "issuer": GOOGLE,
                "authorization_endpoint": f"{GOOGLE}/o/oauth2/v2/auth",
                "token_endpoint": "https://oauth2.googleapis.com/token",
                "userinfo_endpoint": "https://openidconnect.googleapis.com/v1/userinfo",
                "jwks_uri": "https://www.googleapis.com/oauth2/v3/certs",
            },
        )
        router.get("https://www.googleapis.com/oauth2/v3/certs").respond(
            200, json=jwks((KEY, "k1"))
        )
        yield router


# -- GitHub -------------------------------------------------------------------------


def test_github_sign_in_with_a_public_email(
    make_client: Callable[..., Client], remote: respx.MockRouter
) -> None:
    client = make_client(providers=[github()])
    params = begin(client, "github", login_hint="octocat")
    assert params["scope"] == "read:user user:email"
    assert params["login"] == "octocat" and "login_hint" not in params
    response = finish(client, "github", params["state"])
    assert response.headers["location"] == f"{APP_URL}/dashboard"
    assert session_user(client) == {
        "name": "The Octocat",
        "email": "octocat@github.test",
        "image": "https://avatars.test/u/583231",
    }
    body = remote["gh_token"].calls.last.request.content.decode()
    assert "client_id=gh-id" in body and "client_secret=gh-secret" in body
    assert "code_verifier=" in body
    assert remote["gh_token"].calls.last.request.headers["accept"] == "application/json"


def test_github_without_public_email_reads_the_primary_verified_one(
    make_client: Callable[..., Client], remote: respx.MockRouter
) -> None:
    remote["gh_user"].respond(200, json={**GITHUB_USER, "email": None, "name": None})
    emails = remote.get("https://api.github.com/user/emails").respond(
        200,
        json=[
            {"email": "old@github.test", "primary": False, "verified": True},
            {"email": "unverified@github.test", "primary": True, "verified": False},
            {"email": "main@github.test", "primary": True, "verified": True},
        ],
    )
    client = make_client(providers=[github()])
    params = begin(client, "github")
    finish(client, "github", params["state"])
    assert session_user(client) == {
        "name": "octocat",
        "email": "main@github.test",
        "image": "https://avatars.test/u/583231",
    }
    assert emails.calls.last.request.headers["authorization"] == "Bearer gho_1"


def test_github_without_any_verified_email_signs_in_without_one(
    make_client: Callable[..., Client], remote: respx.MockRouter
) -> None:
    remote["gh_user"].respond(200, json={**GITHUB_USER, "email": None})
    remote.get("https://api.github.com/user/emails").respond(
        200, json=[{"email": "x@github.test", "primary": True, "verified": False}]
    )
    client = make_client(providers=[github()])
    finish(client, "github", begin(client, "github")["state"])
    user = session_user(client)
    assert user is not None and user["email"] is None


@pytest.mark.parametrize(
    "answer",
    [
        {"status_code": 200, "json": {"error": "bad_verification_code"}},
        {"status_code": 200, "text": "<html>"},
    ],
)
def test_github_token_errors_end_in_callback_error(
    make_client: Callable[..., Client], remote: respx.MockRouter, answer: dict[str, Any]
) -> None:
    remote["gh_token"].respond(**answer)
    client = make_client(providers=[github()])
    response = finish(client, "github", begin(client, "github")["state"])
    assert response.headers["location"] == ERROR_CALLBACK
    assert session_user(client) is None


def test_github_outage_says_github_could_not_be_reached(
    make_client: Callable[..., Client], remote: respx.MockRouter
) -> None:
    remote["gh_token"].respond(500, text="oops")
    client = make_client(providers=[github()])
    response = finish(client, "github", begin(client, "github")["state"])
    assert response.headers["location"] == f"{APP_URL}/api/auth/error?error=ProviderUnavailable"
    page = client.get(response.headers["location"], follow_redirects=True)
    assert "GitHub could not be reached to sign you in. Please try again" in page.text
    assert session_user(client) is None


def test_github_form_encoded_token_answer_is_understood(
    make_client: Callable[..., Client], remote: respx.MockRouter
) -> None:
    remote["gh_token"].respond(
        200,
        text="access_token=gho_1&scope=read%3Auser&token_type=bearer",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    client = make_client(providers=[github()])
    finish(client, "github", begin(client, "github")["state"])
    assert session_user(client) is not None


def test_github_access_denied_means_cancelled(
    make_client: Callable[..., Client], remote: respx.MockRouter
) -> None:
    client = make_client(providers=[github()])
    state = begin(client, "github")["state"]
    response = client.get(
        "/api/auth/callback/github", params={"error": "access_denied", "state": state}
    )
    # The user clicked Cancel on GitHub's screen: "the sign-in was cancelled".
    assert response.headers["location"] == f"{APP_URL}/api/auth/error?error=Cancelled"


# -- Google -------------------------------------------------------------------------


def google_sign_in(client: Client, remote: respx.MockRouter, **claims: Any) -> Any:
    params = begin(client, "google")
    token = id_token(params["nonce"], iss=GOOGLE, aud="g-id", **claims)
    remote.post("https://oauth2.googleapis.com/token", name="g_token").respond(
        200, json={"access_token": "ya29", "id_token": token, "expires_in": 3599}
    )
    return finish(client, "google", params["state"]), params


def test_google_sign_in_verifies_the_id_token(
    make_client: Callable[..., Client], remote: respx.MockRouter
) -> None:
    client = make_client(providers=[google()])
    response, params = google_sign_in(client, remote)
    assert params["scope"] == "openid email profile"
    assert response.headers["location"] == f"{APP_URL}/dashboard"
    assert session_user(client) == {
        "name": "Olivia Oidc",
        "email": "olivia@idp.test",
        "image": "https://idp.test/olivia.png",
    }


def test_google_issuer_without_scheme_is_accepted(
    make_client: Callable[..., Client], remote: respx.MockRouter
) -> None:
    client = make_client(providers=[google()])
    params = begin(client, "google")
    token = id_token(params["nonce"], iss="accounts.google.com", aud="g-id")
    remote.post("https://oauth2.googleapis.com/token").respond(
        200, json={"access_token": "ya29", "id_token": token}
    )
    finish(client, "google", params["state"])
    assert session_user(client) is not None


def test_google_unverified_email_is_not_kept(
    make_client: Callable[..., Client], remote: respx.MockRouter
) -> None:
    client = make_client(providers=[google()])
    google_sign_in(client, remote, email_verified=False)
    user = session_user(client)
    assert user is not None and user["email"] is None


def test_google_wrong_audience_is_refused(
    make_client: Callable[..., Client], remote: respx.MockRouter
) -> None:
    client = make_client(providers=[google()])
    params = begin(client, "google")
    token = id_token(params["nonce"], iss=GOOGLE, aud="another-app")
    remote.post("https://oauth2.googleapis.com/token").respond(
        200, json={"access_token": "ya29", "id_token": token}
    )
    assert finish(client, "google", params["state"]).headers["location"] == ERROR_CALLBACK


# -- every provider listed ----------------------------------------------------------


def all_providers() -> list[Any]:
    return [make_provider(), github(), google()]


def test_providers_route_lists_every_provider(make_client: Callable[..., Client]) -> None:
    client = make_client(providers=all_providers())
    body = client.get("/api/auth/providers").json()
    assert list(body) == ["workos", "github", "google"]
    for provider_id, name in (("workos", "WorkOS"), ("github", "GitHub"), ("google", "Google")):
        assert body[provider_id] == {
            "id": provider_id,
            "name": name,
            "type": "oauth",
            "signinUrl": f"{APP_URL}/api/auth/signin/{provider_id}",
            "callbackUrl": f"{APP_URL}/api/auth/callback/{provider_id}",
        }


def test_builtin_sign_in_page_has_a_button_per_provider(
    make_client: Callable[..., Client],
) -> None:
    client = make_client(providers=all_providers())
    html = client.get("/api/auth/signin").text
    assert "Sign in with SSO" in html  # WorkOS asks for the email
    assert "<span>Sign in with GitHub</span></button>" in html
    assert "<span>Sign in with Google</span></button>" in html
    actions = re.findall(r'action="([^"]+)"', html)
    assert actions == [f"{APP_URL}/api/auth/signin/{p}" for p in ("workos", "github", "google")]
