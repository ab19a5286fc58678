from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home),
    path("dashboard", views.dashboard),
    path("api/me", views.api_me),
]
