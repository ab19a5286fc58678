"""Views protected by Django's own machinery: login_required, permission_required, the admin."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, JsonResponse
from django.urls import path


def who(request: HttpRequest) -> JsonResponse:
    user = request.user
    return JsonResponse(
        {
            "authenticated": user.is_authenticated,
            "class": type(user).__name__,
            "username": user.get_username(),
            "email": getattr(user, "email", None),
            "pk": user.pk,
            "auth_user": getattr(request.auth_user, "email", None),  # type: ignore[attr-defined]
        }
    )


@login_required
def dashboard(request: HttpRequest) -> JsonResponse:
    return who(request)


@permission_required("auth.view_user", raise_exception=True)
def users(request: HttpRequest) -> JsonResponse:
    return who(request)


urlpatterns = [
    path("", who),
    path("dashboard", dashboard),
    path("users", users),
    path("admin/", admin.site.urls),
]
