"""A FastAPI app behind workos_middleware, protecting routes with dependencies.

``RequireUser`` answers a signed-out visitor as a protected path does (a browser is sent
to sign in and comes back; a script gets ``401`` JSON); ``OptionalUser`` is the user or
``None``. Both show in the OpenAPI docs (``/docs``) as a cookie security scheme. Every
setting comes from the environment (see README.md); run it from this folder with
``uvicorn app:app``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from workos_middleware import (
    AuthConfig,
    AuthMiddleware,
    expires_in_words,
    get_csrf_token,
    get_session,
)
from workos_middleware.emulator import create_app as create_emulator
from workos_middleware.emulator.embedded import (
    BANNER,
    MOUNT_PATH,
    announce,
    embedded_origin,
    emulator_environ,
)
from workos_middleware.integrations.fastapi import OptionalUser, RequireUser

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent / "shared"  # style.css, the four examples' one stylesheet

environ = dict(os.environ)
emulator = None
banner = ""
origin = embedded_origin(environ)
if origin is not None:
    # No WorkOS credentials and a loopback AUTH_URL (or WORKOS_EMULATOR=1): serve the
    # local WorkOS emulator from this same server and point the middleware at it. With
    # WORKOS_API_KEY set, nothing of this runs; without it on any other address, the app
    # stops here with a message naming WORKOS_API_KEY.
    environ = emulator_environ(environ, origin + MOUNT_PATH)
    emulator = create_emulator(redirect_uris=[f"{origin}/api/auth/callback/workos"])
    banner = BANNER
    announce(origin + MOUNT_PATH)

# workos=...: one GET /organizations/{id} per sign-in, for the organization's name.
config = AuthConfig.from_env(environ, workos={"organization_names": True})
templates = Jinja2Templates(directory=[HERE / "templates", SHARED])

app = FastAPI(title="FastAPI + WorkOS example")
# The last add_middleware() is the outermost: anything added after this line would run
# before the session is read, so add it last.
app.add_middleware(AuthMiddleware, config=config)
if emulator is not None:
    app.mount(MOUNT_PATH, emulator)


@app.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(request: Request, user: OptionalUser) -> HTMLResponse:
    """The signed-in user and a sign-out button, or a sign-in link."""
    context: dict[str, Any] = {"user": user, "banner": banner}
    if user is not None:
        session = get_session(request) or {}
        context.update(
            expires=expires_in_words(session.get("expires")), csrf_token=get_csrf_token(request)
        )
    return templates.TemplateResponse(request, "home.html", context)


@app.get("/dashboard", response_class=HTMLResponse, include_in_schema=False)
def dashboard(request: Request, user: RequireUser) -> HTMLResponse:
    """A protected page: signed out, a browser is sent to sign in and comes back here."""
    session = get_session(request) or {}
    context = {
        "user": user,
        "expires": expires_in_words(session.get("expires")),
        "csrf_token": get_csrf_token(request),
        "banner": banner,
    }
    return templates.TemplateResponse(request, "dashboard.html", context)


@app.get("/api/me")
def api_me(request: Request, user: RequireUser) -> dict[str, Any]:
    """The session as JSON: the same value GET /api/auth/session returns.

    Signed out: 401 ``{"detail": ...}`` for scripts, a redirect for a browser.
    """
    return get_session(request) or {}
