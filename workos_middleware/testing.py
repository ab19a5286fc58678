"""Sign a user into a test client, as Django's ``force_login`` does, with no WorkOS.

The session cookie is made by the middleware's own session codec and cookie jar, the
same code the sign-in callback uses, so the app under test reads it exactly as it reads
a real one (the ``session`` callback runs; a wrong ``AUTH_SECRET`` fails the same way)::

    from workos_middleware.testing import sign_in

    def test_dashboard(client):  # Starlette/FastAPI TestClient, httpx, Flask, Django
        sign_in(client, config, email="alice@example.com")
        assert client.get("/dashboard").status_code == 200

Supported clients: ``httpx.Client`` and ``httpx.AsyncClient``, Starlette's and FastAPI's
``TestClient`` (any client keeping its cookies in a standard ``http.cookiejar`` jar),
Werkzeug's test client (Flask's ``app.test_client()``), and Django's test ``Client`` /
``AsyncClient``. For anything else, :func:`session_cookies` returns the cookies to send.
"""

from __future__ import annotations

import email.message
import hashlib
import http.cookiejar
import sys
import urllib.request
from collections.abc import Mapping, Sequence
from typing import Any, cast
from urllib.parse import urlsplit

from ._adapters.drivers import run_sync
from ._base.types import SessionToken, User
from ._config.config import AuthConfig
from ._config.core import AuthCore
from ._keys.cookies import MAX_CHUNKS
from ._request.user import AuthUser

__all__ = ["session_cookies", "sign_in", "sign_out"]


def _core(config: AuthConfig | None, client: Any) -> AuthCore:
    if config is None:
        config = _django_setting() if _is_django_client(client) else None
    if not isinstance(config, AuthConfig):
        raise TypeError(
            "sign_in()/sign_out() need the app's AuthConfig: sign_in(client, config, "
            "email=...) (with Django, set WORKOS_AUTH = AuthConfig(...) in settings)"
        )
    return AuthCore.build(config)


def _user(
    email: str,
    id: str | None,
    name: str | None,
    image: str | None,
    organization_id: str | None,
    connection_id: str | None,
    connection_type: str | None,
    roles: Sequence[str],
    groups: Sequence[str],
) -> User:
    """The user value a provider builds from a profile."""
    if id is None:
        id = "user_test_" + hashlib.sha256(email.encode()).hexdigest()[:16]
    return {
        "id": id,
        "name": name,
        "email": email,
        "image": image,
        "organization_id": organization_id,
        "connection_id": connection_id,
        "connection_type": connection_type,
        "roles": list(roles),
        "groups": list(groups),
    }


def _set_cookie_headers(core: AuthCore, token: SessionToken) -> list[str]:
    """The Set-Cookie values a successful sign-in of ``token`` sends (chunked if large).
    With a server-side store the session is created in it (blocking client)."""
    import httpx

    with httpx.Client() as unused:  # a session's start fetches nothing
        return run_sync(core.sessions.start(token, {}), unused)


def session_cookies(
    config: AuthConfig,
    *,
    email: str = "user@example.com",
    id: str | None = None,
    name: str | None = None,
    image: str | None = None,
    organization_id: str | None = None,
    connection_id: str | None = None,
    connection_type: str | None = None,
    roles: Sequence[str] = (),
    groups: Sequence[str] = (),
    claims: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """The cookies (name to value) of a session for this user, for any HTTP client.

    ``claims`` are added to the session token, as a ``jwt`` callback would add them.
    """
    core = AuthCore.build(config)
    user = _user(
        email, id, name, image, organization_id, connection_id, connection_type, roles, groups
    )
    token = _token(core, user, claims)
    return _pairs(_set_cookie_headers(core, token))


def _token(core: AuthCore, user: User, claims: Mapping[str, Any] | None) -> SessionToken:
    """The session token the callback builds for ``user``, plus ``claims``."""
    token = core.sessions.token_for(user)
    # Extra claims, as a jwt callback adds them: the token type says what is known.
    token = cast(SessionToken, {**token, **(claims or {})})
    if token.get("sub") != user["id"]:
        raise ValueError("claims may not change 'sub': pass id=... instead")
    return token


def _pairs(set_cookies: Sequence[str]) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for header in set_cookies:
        name, _, value = header.partition(";")[0].partition("=")
        if value:
            pairs[name] = value
    return pairs


def sign_in(
    client: Any,
    config: AuthConfig | None = None,
    *,
    email: str = "user@example.com",
    id: str | None = None,
    name: str | None = None,
    image: str | None = None,
    organization_id: str | None = None,
    connection_id: str | None = None,
    connection_type: str | None = None,
    roles: Sequence[str] = (),
    groups: Sequence[str] = (),
    claims: Mapping[str, Any] | None = None,
) -> AuthUser:
    """Give ``client`` a session cookie for this user; return the user the app will see.

    ``config`` is the app's :class:`AuthConfig` (its secret and cookie settings); with a
    Django test client it defaults to ``settings.WORKOS_AUTH``. A previous session of
    the client is replaced. ``claims`` are added to the session token, as a ``jwt``
    callback would add them.
    """
    core = _core(config, client)
    user = _user(
        email, id, name, image, organization_id, connection_id, connection_type, roles, groups
    )
    token = _token(core, user, claims)
    _remove(client, core)
    _store(client, _set_cookie_headers(core, token))
    return AuthUser(token)


def sign_out(client: Any, config: AuthConfig | None = None) -> None:
    """Remove the session cookies from ``client`` (every chunk of them)."""
    _remove(client, _core(config, client))


# -- the clients ----------------------------------------------------------------------


def _is_django_client(client: Any) -> bool:
    module = sys.modules.get("django.test.client")
    return module is not None and isinstance(client, (module.Client, module.AsyncClient))


def _is_werkzeug_client(client: Any) -> bool:
    module = sys.modules.get("werkzeug.test")
    return module is not None and isinstance(client, module.Client)


def _django_setting() -> Any:
    from django.conf import settings

    return getattr(settings, "WORKOS_AUTH", None)


def _unsupported(client: Any) -> TypeError:
    return TypeError(
        f"cannot sign in a {type(client).__name__}: use an httpx Client/AsyncClient, "
        "Starlette's or FastAPI's TestClient, Flask's test client or Django's test "
        "Client; for another client send the cookies of session_cookies(config, ...)"
    )


def _cookie_jar(client: Any) -> http.cookiejar.CookieJar | None:
    """The standard-library jar of an httpx-style client (httpx, httpx2, TestClient)."""
    jar = getattr(getattr(client, "cookies", None), "jar", None)
    return jar if isinstance(jar, http.cookiejar.CookieJar) else None


class _SetCookies:
    """A response as ``http.cookiejar`` reads one: just its Set-Cookie headers."""

    def __init__(self, set_cookies: list[str]) -> None:
        self.message = email.message.Message()
        for header in set_cookies:
            self.message["Set-Cookie"] = header

    def info(self) -> email.message.Message:
        return self.message


def _store(client: Any, set_cookies: list[str]) -> None:
    if _is_django_client(client):
        for name, value in _pairs(set_cookies).items():
            client.cookies[name] = value
    elif _is_werkzeug_client(client):
        for name, value in _pairs(set_cookies).items():
            client.set_cookie(name, value, path="/")
    elif (jar := _cookie_jar(client)) is not None:
        # Stored as the client stores a response's cookies, so that a sign-out through
        # the app (Set-Cookie with Max-Age=0) removes them again.
        url = urlsplit(str(getattr(client, "base_url", "") or "http://testserver"))
        if url.scheme != "https":
            # A plain-http test client would never send a Secure cookie back.
            set_cookies = [_without_secure(header) for header in set_cookies]
        request = urllib.request.Request(f"{url.scheme}://{url.netloc}/")
        jar.extract_cookies(_SetCookies(set_cookies), request)  # type: ignore[arg-type]
    else:
        raise _unsupported(client)


def _without_secure(header: str) -> str:
    return "; ".join(part for part in header.split("; ") if part.lower() != "secure")


def _session_cookie_names(core: AuthCore) -> list[str]:
    """The session cookie's name and the names of all its possible chunks."""
    name = core.jar.names["session_token"]
    return [name, *(f"{name}.{index}" for index in range(MAX_CHUNKS))]


def _remove(client: Any, core: AuthCore) -> None:
    """Delete the session cookie and its chunks, whatever the client holds."""
    names = set(_session_cookie_names(core))
    if _is_django_client(client):
        for name in names:
            client.cookies.pop(name, None)
    elif _is_werkzeug_client(client):
        for name in names:
            client.delete_cookie(name, path="/")
    elif (jar := _cookie_jar(client)) is not None:
        for cookie in [c for c in jar if c.name in names]:
            jar.clear(cookie.domain, cookie.path, cookie.name)
    else:
        raise _unsupported(client)
