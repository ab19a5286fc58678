"""The app the multi-worker tests serve with uvicorn and gunicorn (several workers).

Configured from the environment like a deployed app (``AuthConfig.from_env()``: the
WorkOS emulator's URL, ``AUTH_SECRET``, ``AUTH_URL``, ``AUTH_REDIS_URL``). Every
response names the worker's pid. ``?hold=<seconds>`` keeps the worker busy (blocking
on purpose) so that concurrent requests spread over the workers.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from workos_middleware import (
    AuthConfig,
    AuthMiddleware,
    WSGIAuthMiddleware,
    get_session,
    get_user,
)

config = AuthConfig.from_env()


def _hold(query: dict[str, str]) -> None:
    time.sleep(min(float(query.get("hold") or 0), 2.0))


def _whoami(request: Any) -> dict[str, Any]:
    session = get_session(request)
    return {"pid": os.getpid(), "email": session["user"]["email"] if session else None}


async def whoami(request: Request) -> JSONResponse:
    _hold(dict(request.query_params))
    return JSONResponse(_whoami(request))


async def revoke_me(request: Request) -> JSONResponse:
    """Sign the current user out everywhere: the documented use of revoke_user."""
    user = get_user(request)
    count = await config.session_store.revoke_user(user.identity) if user.is_authenticated else 0
    return JSONResponse({"pid": os.getpid(), "revoked": count})


asgi_app = AuthMiddleware(
    Starlette(routes=[Route("/whoami", whoami), Route("/revoke-me", revoke_me, methods=["POST"])]),
    config=config,
)


def _wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    from urllib.parse import parse_qsl

    query = dict(parse_qsl(environ.get("QUERY_STRING", "")))
    if environ["PATH_INFO"] == "/revoke-me" and environ["REQUEST_METHOD"] == "POST":
        user = get_user(environ)
        count = config.session_store.revoke_user_sync(user.identity) if user.is_authenticated else 0
        body: dict[str, Any] = {"pid": os.getpid(), "revoked": count}
    else:
        _hold(query)
        body = _whoami(environ)
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(body).encode()]


wsgi_app = WSGIAuthMiddleware(_wsgi, config=config)
