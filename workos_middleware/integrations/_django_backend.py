"""The Django authentication backend: a person signed in through this package becomes a
Django ``User``, created at their first request and updated when their profile changes.

Keyed by provider and subject (``workos:prof_01...``), never by the email alone: an
email can move between people and identity providers, the subject of one provider
cannot (the model of mozilla-django-oidc's ``sub`` lookup and django-allauth's social
accounts). Subclass it to map the key or the profile differently.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from .._request.user import AuthUser

__all__ = ["WorkOSBackend"]


class WorkOSBackend(ModelBackend):
    """``AUTHENTICATION_BACKENDS = ["workos_middleware.integrations.django.WorkOSBackend"]``.

    The middleware calls ``authenticate(request, workos_user=..., provider=...)`` for a
    signed-in request; Django's own password sign-in never reaches it (it takes no
    password). Permissions and groups are ``ModelBackend``'s.
    """

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        workos_user: AuthUser | None = None,
        provider: str | None = None,
        **credentials: Any,
    ) -> Any:
        if workos_user is None or credentials:
            return None
        provider = str(workos_user.token.get("provider") or provider or "workos")
        model = get_user_model()
        username = self.username_for(provider, workos_user.id)
        key: dict[str, Any] = {str(model.USERNAME_FIELD): username}
        user, created = model._default_manager.get_or_create(
            **key,
            defaults=self.profile_fields(workos_user, model),
        )
        if not created:
            self.update_user(user, workos_user)
        return user if self.user_can_authenticate(user) else None

    def username_for(self, provider: str, subject: str) -> str:
        """The stable key stored in ``USERNAME_FIELD``: ``provider:subject``, hashed when
        longer than Django's 150-character username."""
        key = f"{provider}:{subject}"
        if len(key) <= 150:
            return key
        return f"{provider[:40]}:sha256:{hashlib.sha256(subject.encode()).hexdigest()}"

    def profile_fields(self, person: AuthUser, model: Any) -> dict[str, Any]:
        """The fields copied from the profile at every sign-in (those the model has)."""
        first, _, last = (person.name or "").partition(" ")
        fields = {"email": person.email or "", "first_name": first, "last_name": last}
        known = {field.name for field in model._meta.get_fields()}
        return {
            name: value[: model._meta.get_field(name).max_length or None]
            for name, value in fields.items()
            if name in known and name != model.USERNAME_FIELD
        }

    def update_user(self, user: Any, person: AuthUser) -> None:
        """Save the profile's fields when they changed (no write otherwise)."""
        fields = self.profile_fields(person, type(user))
        changed = [name for name, value in fields.items() if getattr(user, name) != value]
        for name in changed:
            setattr(user, name, fields[name])
        if changed:
            user.save(update_fields=changed)
