"""A Flask app behind workos_middleware, with the middleware's built-in sign-in page.

Every setting comes from the environment (see README.md); run it from this folder with
``flask --app app run``.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from flask import Flask, render_template, request

from workos_middleware import SESSION_KEY, AuthConfig, WSGIAuthMiddleware, get_csrf_token
from workos_middleware.emulator import create_app as create_emulator
from workos_middleware.emulator.embedded import (
    BANNER,
    announce,
    credentials_missing,
    emulator_environ,
    serve_in_thread,
)

environ = dict(os.environ)
banner = ""
app_url = environ.get("AUTH_URL") or environ.get("NEXTAUTH_URL")
if credentials_missing(environ) and app_url:
    # No WorkOS credentials: serve the local WorkOS emulator on a second loopback port
    # (WORKOS_EMULATOR_PORT, default: any free one) and point the middleware at it.
    # With WORKOS_API_KEY set, nothing of this runs.
    parts = urlsplit(app_url)
    emulator = create_emulator(
        redirect_uris=[f"{parts.scheme}://{parts.netloc}/api/auth/callback/workos"]
    )
    emulator_url = serve_in_thread(emulator, port=int(environ.get("WORKOS_EMULATOR_PORT", "0")))
    environ = emulator_environ(environ, emulator_url)
    banner = BANNER
    announce(emulator_url)

app = Flask(__name__)
# The middleware answers /api/auth/* itself (sign-in page included) and puts the session
# of every other request in the WSGI environ.
app.wsgi_app = WSGIAuthMiddleware(app.wsgi_app, config=AuthConfig.from_env(environ))  # type: ignore[method-assign]


@app.get("/")
def home() -> str:
    """The signed-in user and a sign-out button, or a sign-in link."""
    # The same value GET /api/auth/session returns: {"user": {...}, "expires": ...} or None.
    session = request.environ[SESSION_KEY]
    if session is None:
        return render_template("home.html", user=None, banner=banner)
    return render_template(
        "home.html",
        user=session["user"],
        expires=session.get("expires"),
        csrf_token=get_csrf_token(request),
        banner=banner,
    )
