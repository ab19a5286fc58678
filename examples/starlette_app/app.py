"""A Starlette app behind workos_middleware, with its own sign-in page.

It re-creates the custom sign-in page of NextAuth.js v3's WorkOS guide: the visitor types
a work email, and the middleware derives the WorkOS connection from its domain. Every
setting comes from the environment (see README.md); run it from this folder with
``uvicorn app:app``.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from workos_middleware import (
    AuthConfig,
    AuthMiddleware,
    get_csrf_token,
    get_session,
    get_signin_context,
)

HERE = Path(__file__).resolve().parent

# `GET /api/auth/signin` (and every sign-in error) now redirects to /auth/signin below.
config = AuthConfig.from_env(pages={"signIn": "/auth/signin"})

templates = Jinja2Templates(
    env=Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True)
)

# The sign-in page carries a CSRF token: keep it out of caches, frames and Referer headers.
PAGE_HEADERS = {
    "cache-control": "no-store",
    "content-security-policy": (
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


async def home(request: Request) -> Response:
    """The signed-in user and a sign-out button, or a sign-in link."""
    context: dict[str, object] = {"user": None}
    if request.user.is_authenticated:
        session = get_session(request) or {}
        context = {
            "user": request.user,
            "expires": session.get("expires"),
            "csrf_token": get_csrf_token(request),
        }
    return templates.TemplateResponse(request, "home.html", context)


async def signin(request: Request) -> Response:
    """The custom sign-in page: an email field and "Sign in with SSO" for WorkOS."""
    context = get_signin_context(request)
    return templates.TemplateResponse(request, "signin.html", context, headers=PAGE_HEADERS)


app = Starlette(
    routes=[
        Route("/", home),
        Route("/auth/signin", signin),
    ],
    middleware=[Middleware(AuthMiddleware, config=config)],
)
