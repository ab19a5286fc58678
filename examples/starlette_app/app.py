"""A Starlette app behind workos_middleware, with its own sign-in page.

It re-creates the custom sign-in page of NextAuth.js v3's WorkOS guide: the visitor types
a work email, and the middleware derives the WorkOS connection from its domain. Every
setting comes from the environment (see README.md); run it from this folder with
``uvicorn app:app``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from jinja2 import Environment, FileSystemLoader
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.templating import Jinja2Templates

from workos_middleware import (
    AuthConfig,
    AuthMiddleware,
    expires_in_words,
    get_csrf_token,
    get_session,
    get_signin_context,
)
from workos_middleware.emulator import create_app as create_emulator
from workos_middleware.emulator.defaults import DEFAULT_DATA
from workos_middleware.emulator.embedded import (
    BANNER,
    DEMO_WAYS_IN,
    MOUNT_PATH,
    announce,
    embedded_origin,
    emulator_environ,
)
from workos_middleware.integrations.starlette import current_user

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent / "shared"  # style.css, the four examples' one stylesheet


environ = dict(os.environ)
routes_of_emulator: list[Mount] = []
banner = ""
origin = embedded_origin(environ)
if origin is not None:
    # No WorkOS credentials and a loopback AUTH_URL (or WORKOS_EMULATOR=1): serve the
    # local WorkOS emulator from this same server and point the middleware at it. With
    # WORKOS_API_KEY set, nothing of this runs; without it on any other address, the app
    # stops here with a message naming WORKOS_API_KEY.
    # The emulator also plays AuthKit, GitHub and Google: the sign-in page offers them all.
    environ = emulator_environ(environ, origin + MOUNT_PATH, providers=True)
    callbacks = [f"{origin}/api/auth/callback/{p}" for p in ("workos", *DEMO_WAYS_IN)]
    # Offboarding as WorkOS does it: the emulator sends its directory's events, signed, to
    # this app's webhook endpoint, and sessions are kept in memory (one process) so that
    # deactivating Alice on the emulator's dashboard ends her session here at once.
    webhook_secret = environ.setdefault("WORKOS_WEBHOOK_SECRET", secrets.token_urlsafe(24))
    if not environ.get("AUTH_REDIS_URL"):
        environ.setdefault("AUTH_SESSION_STORE", "memory")
    webhook = {"url": f"{origin}/api/auth/webhooks/workos", "secret": webhook_secret}
    emulator = create_emulator(
        redirect_uris=callbacks, data={**DEFAULT_DATA, "webhooks": [webhook]}
    )
    routes_of_emulator = [Mount(MOUNT_PATH, app=emulator)]
    banner = BANNER
    announce(origin + MOUNT_PATH, providers=DEMO_WAYS_IN)

# `GET /api/auth/signin` (and every sign-in error) now redirects to /auth/signin below.
# /dashboard and /api/me are protected by configuration: the middleware answers a
# signed-out request before the app sees it (a browser is sent to sign in and comes
# back; under /api a script gets 401 JSON, never a redirect).
config = AuthConfig.from_env(
    environ,
    pages={"signIn": "/auth/signin"},
    protect=["/dashboard", "/api/me"],
    api_prefixes=["/api/**"],
    workos={"organization_names": True},  # one GET /organizations/{id} per sign-in
)

templates = Jinja2Templates(
    env=Environment(loader=FileSystemLoader([HERE / "templates", SHARED]), autoescape=True)
)

# The sign-in page carries a CSRF token: keep it out of caches, frames and Referer headers.
PAGE_HEADERS = {
    "cache-control": "no-store",
    "content-security-policy": (
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}


async def home(request: Request) -> Response:
    """The signed-in user and a sign-out button, or a sign-in link."""
    context: dict[str, object] = {"user": None, "banner": banner}
    if request.user.is_authenticated:
        session = get_session(request) or {}
        context = {
            "user": request.user,
            "expires": expires_in_words(session.get("expires")),
            "csrf_token": get_csrf_token(request),
            "banner": banner,
        }
    return templates.TemplateResponse(request, "home.html", context)


async def dashboard(request: Request) -> Response:
    """A protected page showing the signed-in user (protected by ``protect=[...]``)."""
    session = get_session(request) or {}
    context = {
        "user": current_user(request),
        "expires": expires_in_words(session.get("expires")),
        "csrf_token": get_csrf_token(request),
        "banner": banner,
    }
    return templates.TemplateResponse(request, "dashboard.html", context)


async def api_me(request: Request) -> Response:
    """The session as JSON: the same value GET /api/auth/session returns."""
    return JSONResponse(get_session(request))


async def signin(request: Request) -> Response:
    """The custom sign-in page: an email field and "Sign in with SSO" for WorkOS."""
    context = {**get_signin_context(request), "banner": banner}
    return templates.TemplateResponse(request, "signin.html", context, headers=PAGE_HEADERS)


app = Starlette(
    routes=[
        Route("/", home),
        Route("/dashboard", dashboard),
        Route("/api/me", api_me),
        Route("/auth/signin", signin),
        *routes_of_emulator,
    ],
    middleware=[Middleware(AuthMiddleware, config=config)],
)
