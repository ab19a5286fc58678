"""The official ``workos`` SDK, pointed at a live emulator, parses every answer."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from workos import (
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    ServerError,
    WorkOSClient,
    create_public_client,
)
from workos.common.models.authenticate_response_authentication_method import (
    AuthenticateResponseAuthenticationMethod,
)
from workos.session import (
    AuthenticateWithSessionCookieSuccessResponse,
    seal_session_from_auth_response,
)

from workos_middleware.emulator.defaults import (
    ACME_ORG_ID,
    ALICE_ID,
    DANA_ID,
    EXAMPLE_CONNECTION_ID,
    EXAMPLE_ORG_ID,
    GOOGLE_CONNECTION_ID,
)

from emulator_helpers import CLIENT_ID, REDIRECT_URI
from support import LiveServer, query_of
from support.emulator import pending_id


def follow(url: str, user_id: str) -> dict[str, str]:
    """What a browser does with an authorization URL: open it, pick the user."""
    with httpx.Client(follow_redirects=False) as browser:
        page = browser.get(url)
        assert page.status_code == 200, page.text
        complete = str(page.url.copy_with(query=None)) + "/complete"
        done = browser.post(complete, data={"request": pending_id(page.text), "user": user_id})
        assert done.status_code == 302
        location = done.headers["location"]
        assert location.startswith(REDIRECT_URI + "?")
        return query_of(location)


def test_list_organizations_by_domain(workos: WorkOSClient) -> None:
    page = workos.organizations.list_organizations(domains=["example.com"])
    [org] = page.data
    assert (org.id, org.name, org.object) == (EXAMPLE_ORG_ID, "Example", "organization")
    assert [(d.domain, d.state) for d in org.domains] == [("example.com", "verified")]
    assert org.domains[0].organization_id == EXAMPLE_ORG_ID
    assert org.created_at.year == 2024
    assert not page.has_more()
    both = workos.organizations.list_organizations(domains=["example.com", "acme.test"])
    assert {o.id for o in both.data} == {EXAMPLE_ORG_ID, ACME_ORG_ID}
    assert workos.organizations.list_organizations(domains=["gmail.com"]).data == []


def test_auto_paging(workos: WorkOSClient) -> None:
    page = workos.organizations.list_organizations(limit=1)
    assert page.has_more()
    assert [o.name for o in page.auto_paging_iter()] == ["Acme", "Example"]


def test_get_organization(workos: WorkOSClient) -> None:
    assert workos.organizations.get_organization(ACME_ORG_ID).name == "Acme"
    with pytest.raises(NotFoundError):
        workos.organizations.get_organization("org_missing")


def test_the_authorization_code_flow(workos: WorkOSClient) -> None:
    url = workos.sso.get_authorization_url(
        organization=EXAMPLE_ORG_ID,
        redirect_uri=REDIRECT_URI,
        state="opaque-state",
        login_hint="alice@example.com",
    )
    query = follow(url, ALICE_ID)
    assert query["state"] == "opaque-state"
    result = workos.sso.get_profile_and_token(code=query["code"])
    assert result.token_type == "Bearer"
    assert result.expires_in == 600
    assert result.oauth_tokens is None
    profile = result.profile
    assert (profile.id, profile.email, profile.name) == (
        ALICE_ID,
        "alice@example.com",
        "Alice Anderson",
    )
    assert profile.organization_id == EXAMPLE_ORG_ID
    assert profile.connection_id == EXAMPLE_CONNECTION_ID
    assert profile.connection_type == "OktaSAML"
    assert profile.role is not None and profile.role.slug == "admin"
    assert profile.groups == ["Engineering", "Admins"]
    again = workos.sso.get_profile(access_token=result.access_token)
    assert again == profile


def test_a_provider_flow(workos: WorkOSClient) -> None:
    url = workos.sso.get_authorization_url(provider="GoogleOAuth", redirect_uri=REDIRECT_URI)
    query = follow(url, DANA_ID)
    assert "state" not in query
    profile = workos.sso.get_profile_and_token(code=query["code"]).profile
    assert profile.organization_id is None
    assert profile.connection_id == GOOGLE_CONNECTION_ID
    assert profile.email == "dana@gmail.com"


def test_the_pkce_flow(workos: WorkOSClient) -> None:
    started = workos.sso.get_authorization_url_with_pkce(
        redirect_uri=REDIRECT_URI, organization=EXAMPLE_ORG_ID
    )
    query = follow(started["url"], ALICE_ID)
    assert query["state"] == started["state"]
    result = workos.sso.get_profile_and_token_pkce(
        code=query["code"], code_verifier=started["code_verifier"]
    )
    assert result.profile.email == "alice@example.com"


def test_the_pkce_flow_of_a_public_client(live: LiveServer) -> None:
    public = create_public_client(client_id=CLIENT_ID, base_url=live.url)
    started = public.sso.get_authorization_url_with_pkce(
        redirect_uri=REDIRECT_URI, connection=EXAMPLE_CONNECTION_ID
    )
    query = follow(started["url"], ALICE_ID)
    result = public.sso.get_profile_and_token_pkce(
        code=query["code"], code_verifier=started["code_verifier"]
    )
    assert result.profile.id == ALICE_ID
    public.close()


def test_a_wrong_pkce_verifier(workos: WorkOSClient) -> None:
    started = workos.sso.get_authorization_url_with_pkce(
        redirect_uri=REDIRECT_URI, organization=EXAMPLE_ORG_ID
    )
    query = follow(started["url"], ALICE_ID)
    with pytest.raises(BadRequestError) as caught:
        workos.sso.get_profile_and_token_pkce(code=query["code"], code_verifier="v" * 43)
    assert caught.value.error == "invalid_grant"


def test_a_reused_code_raises_invalid_grant(workos: WorkOSClient) -> None:
    url = workos.sso.get_authorization_url(organization=EXAMPLE_ORG_ID, redirect_uri=REDIRECT_URI)
    code = follow(url, ALICE_ID)["code"]
    workos.sso.get_profile_and_token(code=code)
    with pytest.raises(BadRequestError) as caught:
        workos.sso.get_profile_and_token(code=code)
    error = caught.value
    assert error.status_code == 400
    assert error.error == "invalid_grant"
    assert error.error_description == "The code has expired or has already been used."
    assert error.response_json == {
        "error": "invalid_grant",
        "error_description": "The code has expired or has already been used.",
    }


def test_a_wrong_api_key(live: LiveServer) -> None:
    with WorkOSClient(
        api_key="sk_wrong", client_id=CLIENT_ID, base_url=live.url, max_retries=0
    ) as wrong:
        with pytest.raises(BadRequestError) as caught:
            wrong.sso.get_profile_and_token(code="01NOPE")
        assert caught.value.error == "invalid_client"
        with pytest.raises(AuthenticationError):
            wrong.organizations.list_organizations(domains=["example.com"])


def test_a_bad_access_token(workos: WorkOSClient) -> None:
    with pytest.raises(AuthenticationError):
        workos.sso.get_profile(access_token="01NOTATOKEN")


def test_server_faults_reach_the_sdk(workos: WorkOSClient, live: LiveServer) -> None:
    httpx.post(
        f"{live.url}/_emulator/faults", json={"endpoint": "token", "kind": "status", "status": 503}
    ).raise_for_status()
    with pytest.raises(ServerError) as caught:
        workos.sso.get_profile_and_token(code="01ANY")
    assert caught.value.status_code == 503


def test_malformed_json_is_silently_none_in_the_sdk(workos: WorkOSClient, live: LiveServer) -> None:
    """An SDK quirk worth knowing: a 2xx body that is not JSON deserializes to None."""
    httpx.post(
        f"{live.url}/_emulator/faults", json={"endpoint": "profile", "kind": "malformed_json"}
    ).raise_for_status()
    assert workos.sso.get_profile(access_token="whatever") is None


# -- AuthKit (User Management) ----------------------------------------------------------------

ALICE_USER = "user_01HVA1CE000000000000000000"


def authkit_code(workos: WorkOSClient, **params: Any) -> str:
    """The SDK's authorization URL, opened and answered as a browser would."""
    url = workos.user_management.get_authorization_url(
        provider="authkit", redirect_uri=REDIRECT_URI, state="ak", **params
    )
    assert url.startswith(f"{workos.base_url}user_management/authorize?")
    with httpx.Client(follow_redirects=False) as browser:
        page = browser.get(url)
        assert page.status_code == 200, page.text
        complete = str(page.url.copy_with(query=None)) + "/complete"
        done = browser.post(complete, data={"request": pending_id(page.text), "user": ALICE_USER})
    query = query_of(done.headers["location"])
    assert query["state"] == "ak"
    return query["code"]


def test_authenticate_with_code(workos: WorkOSClient) -> None:
    result = workos.user_management.authenticate_with_code(code=authkit_code(workos))
    assert (result.user.id, result.user.email) == (ALICE_USER, "alice@example.com")
    assert result.user.last_sign_in_at is not None
    assert result.organization_id == EXAMPLE_ORG_ID
    assert result.authentication_method == AuthenticateResponseAuthenticationMethod.PASSWORD
    assert result.impersonator is None and result.refresh_token


def test_authenticate_with_code_and_pkce(workos: WorkOSClient) -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    code = authkit_code(
        workos, code_challenge=challenge.rstrip(b"=").decode(), code_challenge_method="S256"
    )
    result = workos.user_management.authenticate_with_code(code=code, code_verifier=verifier)
    assert result.user.id == ALICE_USER


def test_authenticate_with_refresh_token_switches_organization(workos: WorkOSClient) -> None:
    first = workos.user_management.authenticate_with_code(code=authkit_code(workos))
    switched = workos.user_management.authenticate_with_refresh_token(
        refresh_token=first.refresh_token, organization_id=ACME_ORG_ID
    )
    assert switched.organization_id == ACME_ORG_ID
    assert switched.refresh_token != first.refresh_token
    with pytest.raises(BadRequestError) as caught:
        workos.user_management.authenticate_with_refresh_token(refresh_token=first.refresh_token)
    assert caught.value.error == "invalid_grant"


def test_jwks_and_the_sealed_session(workos: WorkOSClient, live: LiveServer) -> None:
    """The SDK's own session helper verifies the access token against the JWKS URL it builds."""
    [key] = workos.user_management.get_jwks(CLIENT_ID).keys
    assert key.alg == "RS256" and key.x_5_c
    result = workos.user_management.authenticate_with_code(code=authkit_code(workos))
    password = Fernet.generate_key().decode()
    sealed = seal_session_from_auth_response(
        access_token=result.access_token,
        refresh_token=result.refresh_token,
        user=result.user.to_dict(),
        cookie_password=password,
    )
    session = workos.user_management.load_sealed_session(
        session_data=sealed, cookie_password=password
    )
    assert session.jwks.uri == f"{live.url}/sso/jwks/{CLIENT_ID}"
    checked = session.authenticate()
    assert isinstance(checked, AuthenticateWithSessionCookieSuccessResponse), checked
    assert (checked.organization_id, checked.role) == (EXAMPLE_ORG_ID, "admin")
    assert checked.permissions == ["reports:read", "reports:write", "widgets:manage"]
    refreshed = session.refresh(organization_id=ACME_ORG_ID)
    assert refreshed.authenticated and refreshed.organization_id == ACME_ORG_ID

    logout_url = session.get_logout_url(return_to="http://127.0.0.1:8000/")
    assert logout_url.startswith(f"{live.url}/user_management/sessions/logout?session_id=")
    assert logout_url == workos.user_management.get_logout_url(
        session_id=checked.session_id, return_to="http://127.0.0.1:8000/"
    )
    with httpx.Client(follow_redirects=False) as browser:
        out = browser.get(logout_url)
    assert (out.status_code, out.headers["location"]) == (302, "http://127.0.0.1:8000/")
    assert not session.refresh().authenticated


def test_an_impersonated_session(workos: WorkOSClient, live: LiveServer) -> None:
    started = httpx.post(
        f"{live.url}/_emulator/impersonate",
        json={
            "user_id": ALICE_USER,
            "impersonator": "admin@foocorp.test",
            "reason": None,
            "redirect_uri": REDIRECT_URI,
        },
    )
    result = workos.user_management.authenticate_with_code(code=started.json()["code"])
    assert result.impersonator is not None
    assert (result.impersonator.email, result.impersonator.reason) == ("admin@foocorp.test", None)
    assert result.authentication_method == AuthenticateResponseAuthenticationMethod.IMPERSONATION
