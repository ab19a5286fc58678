"""A Flask app behind workos_middleware, with the middleware's built-in sign-in page.

Every setting comes from the environment (see README.md); run it from this folder with
``flask --app app run``.
"""

from __future__ import annotations

from flask import Flask, render_template, request

from workos_middleware import SESSION_KEY, AuthConfig, WSGIAuthMiddleware, get_csrf_token

app = Flask(__name__)
# The middleware answers /api/auth/* itself (sign-in page included) and puts the session
# of every other request in the WSGI environ.
app.wsgi_app = WSGIAuthMiddleware(app.wsgi_app, config=AuthConfig.from_env())  # type: ignore[method-assign]


@app.get("/")
def home() -> str:
    """The signed-in user and a sign-out button, or a sign-in link."""
    # The same value GET /api/auth/session returns: {"user": {...}, "expires": ...} or None.
    session = request.environ[SESSION_KEY]
    if session is None:
        return render_template("home.html", user=None)
    return render_template(
        "home.html",
        user=session["user"],
        expires=session.get("expires"),
        csrf_token=get_csrf_token(request),
    )
