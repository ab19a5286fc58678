"""The app the forward-auth proxy tests serve with uvicorn behind nginx and Caddy.

Configured from the environment like a deployed app (``AuthConfig.from_env()``), with
the rules of the protected static folder: everything under ``/private/`` needs a
session, ``/private/admin/`` the ``Admins`` group, and a POST under ``/private/forms/``
the ``Admins`` group too (a method-scoped rule). ``session_update_age=0``: every
request refreshes the session, so each answer carries a refreshed cookie.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from workos_middleware import AccessRule, AuthConfig, AuthMiddleware, Rule

ADMINS = AccessRule(groups=["Admins"])

config = AuthConfig.from_env(
    protect=[
        "/private/**",
        Rule("/private/admin/**", allow=ADMINS),
        Rule("/private/forms/**", methods=["POST", "PUT", "DELETE"], allow=ADMINS),
    ],
    session_update_age=0,
)


async def home(request: Request) -> PlainTextResponse:
    return PlainTextResponse("the app")


app = AuthMiddleware(Starlette(routes=[Route("/", home)]), config=config)
