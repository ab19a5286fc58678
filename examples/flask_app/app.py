"""A Flask app behind workos_middleware, with the middleware's built-in sign-in page.

Every setting comes from the environment (see README.md); run it from this folder with
``flask --app app run``.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from jinja2 import ChoiceLoader, FileSystemLoader

from workos_middleware import AuthConfig, expires_in_words, get_csrf_token, get_session
from workos_middleware.emulator import create_app as create_emulator
from workos_middleware.emulator.embedded import (
    BANNER,
    announce,
    embedded_origin,
    emulator_environ,
    serve_in_thread,
)
from workos_middleware.integrations.flask import current_user, init_app, login_required

environ = dict(os.environ)
banner = ""
origin = embedded_origin(environ)
if origin is not None:
    # No WorkOS credentials and a loopback AUTH_URL (or WORKOS_EMULATOR=1): serve the
    # local WorkOS emulator on a second loopback port (WORKOS_EMULATOR_PORT, default: any
    # free one) and point the middleware at it. With WORKOS_API_KEY set, nothing of this
    # runs; without it on any other address, the app stops here naming WORKOS_API_KEY.
    emulator = create_emulator(redirect_uris=[f"{origin}/api/auth/callback/workos"])
    emulator_url = serve_in_thread(emulator, port=int(environ.get("WORKOS_EMULATOR_PORT", "0")))
    environ = emulator_environ(environ, emulator_url)
    banner = BANNER
    announce(emulator_url)

app = Flask(__name__)
# templates/ first, then style.css: the four examples' one stylesheet, in ../shared.
SHARED = Path(__file__).resolve().parent.parent / "shared"
app.jinja_env.loader = ChoiceLoader([app.jinja_env.loader, FileSystemLoader(SHARED)])
# Wraps app.wsgi_app in WSGIAuthMiddleware: it answers /api/auth/* itself (sign-in page
# included) and puts the session of every other request in the WSGI environ.
# workos=...: one GET /organizations/{id} per sign-in, for the organization's name.
init_app(app, AuthConfig.from_env(environ, workos={"organization_names": True}))


@app.get("/")
def home() -> str:
    """The signed-in user and a sign-out button, or a sign-in link."""
    # The same value GET /api/auth/session returns: {"user": {...}, "expires": ...} or None
    # (also in request.environ["workos_middleware.session"]).
    session = get_session(request)
    if session is None:
        return render_template("home.html", user=None, banner=banner)
    return render_template(
        "home.html",
        user=session["user"],
        expires=expires_in_words(session.get("expires")),
        csrf_token=get_csrf_token(request),
        banner=banner,
    )


@app.get("/dashboard")
@login_required  # signed out: a browser goes to sign in and comes back here
def dashboard() -> str:
    """A protected page showing the signed-in user (``current_user``, as Flask-Login's)."""
    session = get_session(request) or {}
    return render_template(
        "dashboard.html",
        user=current_user,
        expires=expires_in_words(session.get("expires")),
        csrf_token=get_csrf_token(request),
        banner=banner,
    )


@app.get("/api/me")
@login_required  # signed out: 401 JSON for scripts, a redirect for a browser
def api_me() -> ResponseReturnValue:
    """The session as JSON: the same value GET /api/auth/session returns."""
    return jsonify(get_session(request))
