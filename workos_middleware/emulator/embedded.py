"""The emulator embedded in a demo app, used when no WorkOS credentials are set.

An ASGI app mounts it on its own server (:data:`MOUNT_PATH`); a WSGI app, which cannot
mount an ASGI app without a bridge, serves it from a background thread on a second
loopback port (:func:`serve_in_thread`). Either way the app gets the settings that
point its middleware at the emulator (:func:`emulator_environ`). With real credentials
nothing here runs.

It fails closed (:func:`embedded_origin`): the emulator signs anyone in as a demo user,
so it is embedded only when the app's URL (``AUTH_URL``) is a loopback address
(127.0.0.0/8, ::1, ``localhost``) or when ``WORKOS_EMULATOR=1`` says so. A copied demo
deployed elsewhere without ``WORKOS_API_KEY`` stops at start-up, naming the setting.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from .app import DEFAULT_API_KEY, DEFAULT_CLIENT_ID
from .authorize import resolve_selector
from .datafile import load_data
from .oauth import Refusal

__all__ = [
    "BANNER",
    "DEMO_WAYS_IN",
    "DEMO_WEBHOOK_SECRET",
    "MOUNT_PATH",
    "announce",
    "credentials_missing",
    "demo_users",
    "demo_webhooks",
    "embedded_origin",
    "emulated_providers",
    "emulator_environ",
    "serve_in_thread",
]

MOUNT_PATH = "/_workos"
BANNER = "Offline demo: sign-in goes through the local WorkOS emulator, not WorkOS."

logger = logging.getLogger("workos_middleware.emulator")


def credentials_missing(environ: Mapping[str, str]) -> bool:
    """True when ``WORKOS_API_KEY`` is unset: the demo then embeds the emulator."""
    return not environ.get("WORKOS_API_KEY")


OPT_IN = "WORKOS_EMULATOR"
"""The setting that embeds the emulator whatever the app's URL: ``1``, ``true`` or ``yes``."""


def is_loopback(url: str) -> bool:
    """True when ``url``'s host is a loopback address: 127.0.0.0/8, ::1 or ``localhost``."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return False
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def embedded_origin(environ: Mapping[str, str]) -> str | None:
    """The app's origin when the demo should embed the emulator, else ``None``.

    ``None`` when ``WORKOS_API_KEY`` is set (the real WorkOS is used) or when the app's
    URL (``AUTH_URL``, or ``NEXTAUTH_URL``) is not set (``AuthConfig.from_env`` then
    names what is missing). Without the key, the origin when the URL is a loopback
    address or ``WORKOS_EMULATOR=1`` opts in; otherwise :class:`SystemExit` with a
    message naming ``WORKOS_API_KEY``: a demo deployed without credentials must not let
    anyone sign in as a demo user.
    """
    app_url = environ.get("AUTH_URL") or environ.get("NEXTAUTH_URL")
    if not credentials_missing(environ) or not app_url:
        return None
    opted_in = environ.get(OPT_IN, "").strip().lower() in ("1", "true", "yes")
    if not opted_in and not is_loopback(app_url):
        raise SystemExit(
            f"WORKOS_API_KEY is not set, and the app's URL ({app_url}) is not a loopback "
            "address: refusing to start with the local WorkOS emulator, which signs anyone "
            "in as a demo user. Set WORKOS_API_KEY (and WORKOS_CLIENT_ID) to use WorkOS, or "
            f"{OPT_IN}=1 to run the offline demo on this address anyway."
        )
    if opted_in and not is_loopback(app_url):
        logger.warning(
            "%s=1: the WorkOS emulator is embedded at %s, a non-loopback address; anyone "
            "who reaches it can sign in as a demo user",
            OPT_IN,
            app_url,
        )
    parts = urlsplit(app_url)
    return f"{parts.scheme}://{parts.netloc}"


DEMO_WAYS_IN = ("authkit", "google", "github")
"""What ``emulator_environ(..., providers=True)`` turns on, for ``announce``/``demo_users``."""


DEMO_WEBHOOK_SECRET = "whsec_emulator_demo"
"""The secret the demos' embedded emulator signs webhooks with (``demo_webhooks``)."""


def demo_webhooks(url: str) -> list[dict[str, str]]:
    """``create_app(webhooks=...)`` for a demo whose webhook endpoint is ``url``: the
    emulator's directory changes are sent there, signed with :data:`DEMO_WEBHOOK_SECRET`."""
    return [{"url": url, "secret": DEMO_WEBHOOK_SECRET}]


def emulator_environ(
    environ: Mapping[str, str],
    base_url: str,
    *,
    providers: bool = False,
    webhook_secret: str | None = None,
) -> dict[str, str]:
    """``environ`` with the WorkOS settings pointing at an emulator at ``base_url``.

    With ``providers``, also AuthKit (``WORKOS_AUTHKIT``) and the emulated GitHub and
    Google (``GITHUB_*``, ``GOOGLE_*``: the names ``AuthConfig.from_env`` reads), so a
    demo's sign-in page offers every way in, each served by the emulator. With
    ``webhook_secret`` (:data:`DEMO_WEBHOOK_SECRET` for ``demo_webhooks``), also
    ``WORKOS_WEBHOOK_SECRET``.
    """
    settings = {
        "WORKOS_CLIENT_ID": DEFAULT_CLIENT_ID,
        "WORKOS_API_KEY": DEFAULT_API_KEY,
        "WORKOS_BASE_URL": base_url,
    }
    if webhook_secret is not None:
        settings["WORKOS_WEBHOOK_SECRET"] = webhook_secret
    if providers:
        found = emulated_providers(base_url)
        github, google = found["github"], found["google"]
        github_root = github["authorization_url"].removesuffix("/login/oauth/authorize")
        settings |= {
            "WORKOS_AUTHKIT": "true",
            "GITHUB_CLIENT_ID": github["client_id"],
            "GITHUB_CLIENT_SECRET": github["client_secret"],
            "GITHUB_BASE_URL": github_root,
            "GITHUB_API_URL": github_root,
            "GOOGLE_CLIENT_ID": google["client_id"],
            "GOOGLE_CLIENT_SECRET": google["client_secret"],
            "GOOGLE_ISSUER": google["issuer"],
        }
    return {**environ, **settings}


def demo_users(data: Any = None, *, providers: Iterable[str] = ()) -> list[str]:
    """``name <email> (where)`` of each test user who can sign in, for banners and logs.

    Always the users who can sign in by typing their email into WorkOS SSO: a user of the
    one active connection of an organization that has the email's domain verified (the
    organization a sign-in page finds by the email's domain). Users of connections without
    an organization (``provider=GoogleOAuth``) are left out, since an email field cannot
    reach them. ``providers`` adds, for each name given, the users of that way in:
    ``"authkit"`` (AuthKit's users) or the id of an emulated provider (``"google"``,
    ``"github"``), listing only those with a verified email.
    """
    loaded = load_data(data)
    users: list[str] = []
    for organization in loaded.organizations:
        found = resolve_selector(loaded, "organization", organization.id)
        if isinstance(found, Refusal):
            continue
        users.extend(
            f"{user.display_name} <{user.email}> ({organization.name})"
            for user in found.connection.users
            if organization.has_domain(user.email_domain, verified_only=True)
        )
    for name in providers:
        if name == "authkit":
            users.extend(f"{u.display_name} <{u.email}> (AuthKit)" for u in loaded.users)
            continue
        provider = loaded.provider(name)
        if provider is None:
            raise ValueError(f"no provider {name!r} in the emulator's data")
        for person in provider.users:
            email = next((e.email for e in person.emails if e.primary and e.verified), None)
            if provider.kind == "oidc" and person.email_verified:
                email = person.email
            if email is not None:
                users.append(f"{person.display_name} <{email}> ({provider.name})")
    return users


def emulated_providers(base_url: str, data: Any = None) -> dict[str, dict[str, str]]:
    """Where each provider the emulator plays lives at ``base_url``, and its credentials.

    ``{"authkit": {...}, "google": {...}, "github": {...}}``: for AuthKit the WorkOS base URL,
    client, secret and JWKS URL; for an OpenID Connect provider its issuer and discovery URL;
    for a GitHub-like one its authorize, token, user and emails URLs.
    """
    base = base_url.rstrip("/")
    settings: dict[str, dict[str, str]] = {
        "authkit": {
            "base_url": base,
            "client_id": DEFAULT_CLIENT_ID,
            "client_secret": DEFAULT_API_KEY,
            "jwks_url": f"{base}/sso/jwks/{DEFAULT_CLIENT_ID}",
        }
    }
    for provider in load_data(data).providers:
        credentials = {"client_id": provider.client_id, "client_secret": provider.client_secret}
        if provider.kind == "oidc":
            issuer = f"{base}/oidc/{provider.id}"
            settings[provider.id] = {
                "issuer": issuer,
                "discovery_url": f"{issuer}/.well-known/openid-configuration",
                **credentials,
            }
        else:
            root = f"{base}/oauth/{provider.id}"
            settings[provider.id] = {
                "authorization_url": f"{root}/login/oauth/authorize",
                "token_url": f"{root}/login/oauth/access_token",
                "userinfo_url": f"{root}/user",
                "emails_url": f"{root}/user/emails",
                **credentials,
            }
    return settings


def announce(base_url: str, providers: Iterable[str] = ()) -> None:
    """Say in the log that the emulator is in use, and who can sign in (see ``demo_users``)."""
    logger.warning("%s It is at %s. Test users:", BANNER, base_url)
    for user in demo_users(providers=providers):
        logger.warning("  %s", user)


def serve_in_thread(app: Any, host: str = "127.0.0.1", port: int = 0) -> str:
    """Serve an ASGI ``app`` with uvicorn from a daemon thread; return its base URL.

    ``port=0`` takes a free port. Needs uvicorn (in the package's ``dev`` and
    ``emulator`` extras).
    """
    try:
        import uvicorn
    except ModuleNotFoundError as exc:
        raise RuntimeError(
            "the embedded WorkOS emulator needs uvicorn: pip install 'workos-middleware[emulator]'"
        ) from exc

    # Idle connections are kept longer than a client's pool keeps them (httpx: 5 s), so
    # the client always closes first: with equal timeouts a request can go out on a
    # connection the server is closing (RemoteProtocolError), as WorkOS's own servers,
    # with long keep-alives, never do.
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", lifespan="off", timeout_keep_alive=75
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="workos-emulator", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"the embedded WorkOS emulator did not start on {host}:{port}")
        time.sleep(0.01)
    bound_port = server.servers[0].sockets[0].getsockname()[1]
    return f"http://{host}:{bound_port}"
