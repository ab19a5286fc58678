"""The example's views: ``request.auth_user`` and ``login_required`` from the integration."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from workos_middleware import expires_in_words, get_csrf_token
from workos_middleware.integrations.django import login_required


def _context(request: HttpRequest) -> dict[str, Any]:
    session = request.auth_session or {}  # type: ignore[attr-defined]
    context: dict[str, Any] = {
        "user": request.auth_user,  # type: ignore[attr-defined]
        "banner": settings.EXAMPLE_BANNER,
        "expires": expires_in_words(session.get("expires")),
        # Where the project is mounted (SCRIPT_NAME), so links work under a prefix too.
        "root": request.META.get("SCRIPT_NAME", "").rstrip("/"),
    }
    if request.auth_user is not None:  # type: ignore[attr-defined]
        context["auth_csrf_token"] = get_csrf_token(request)
    return context


def home(request: HttpRequest) -> HttpResponse:
    """The signed-in user and a sign-out button, or a sign-in link."""
    return render(request, "home.html", _context(request))


@login_required  # signed out: a browser goes to sign in and comes back here
def dashboard(request: HttpRequest) -> HttpResponse:
    """A protected page showing the signed-in user."""
    return render(request, "dashboard.html", _context(request))


@login_required  # signed out: 401 JSON for scripts, a redirect for a browser
def api_me(request: HttpRequest) -> HttpResponse:
    """The session as JSON: the same value GET /api/auth/session returns."""
    return JsonResponse(request.auth_session)  # type: ignore[attr-defined]
