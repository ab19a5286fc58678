"""``request.user`` under the Django middleware: the signed-in person for Django's own
machinery (``login_required``, ``LOGIN_URL``, permissions, the admin).

With :class:`~workos_middleware.integrations.django.WorkOSBackend` in
``AUTHENTICATION_BACKENDS`` (and ``django.contrib.auth`` installed), a signed-in person
is a Django ``User``, found or created (and kept up to date) by the backend, loaded
lazily on first use as Django's own ``AuthenticationMiddleware`` does. Without it, a
signed-in person is a :class:`DjangoAuthUser`: this package's user with the attributes
Django code reads (``is_authenticated``, ``is_active``, ``is_staff``, ``has_perm``...).
A signed-out request keeps the ``request.user`` an earlier middleware set (Django's
password sign-in still works), else gets an anonymous user.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from asgiref.sync import sync_to_async
from django.apps import apps
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .._request.user import AuthUser

__all__ = ["AnonymousDjangoUser", "DjangoAuthUser", "attach_user", "workos_backend"]

BACKEND_PATH = "workos_middleware.integrations.django.WorkOSBackend"


class _NoPermissions:
    """Django's permission API answering no: there is no ``User`` row to hold any."""

    is_staff = False
    is_superuser = False
    pk = None

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return False

    def has_perms(self, perm_list: Iterable[str], obj: Any = None) -> bool:
        return False

    def has_module_perms(self, app_label: str) -> bool:
        return False


class DjangoAuthUser(_NoPermissions, AuthUser):
    """A signed-in person without a Django ``User`` row: no staff, no permissions."""

    is_active = True
    is_anonymous = False

    def get_username(self) -> str:
        return self.email or self.id

    def __str__(self) -> str:
        return self.get_username()


class AnonymousDjangoUser(_NoPermissions):
    """Nobody signed in, where ``django.contrib.auth`` (and its ``AnonymousUser``) is
    not installed: falsy, and ``is_authenticated`` is ``False``."""

    id = None
    username = ""
    email = name = None
    is_active = False
    is_anonymous = True
    is_authenticated = False

    def __bool__(self) -> bool:
        return False

    def get_username(self) -> str:
        return ""

    def __str__(self) -> str:
        return "AnonymousUser"


def workos_backend() -> Any:
    """The configured ``WorkOSBackend`` instance, or ``None`` (``django.contrib.auth``
    not installed, or the backend not in ``AUTHENTICATION_BACKENDS``)."""
    if not apps.is_installed("django.contrib.auth"):
        return None
    from django.contrib.auth import get_backends

    from ._django_backend import WorkOSBackend

    for backend in get_backends():
        if isinstance(backend, WorkOSBackend):
            return backend
    return None


def _anonymous() -> Any:
    if apps.is_installed("django.contrib.auth"):
        from django.contrib.auth.models import AnonymousUser

        return AnonymousUser()
    return AnonymousDjangoUser()


def attach_user(request: HttpRequest, user: AuthUser | None, default_provider: str) -> None:
    """Set ``request.user`` (and ``request.auser``, Django's async accessor) for ``user``,
    the person this package signed in, or ``None``."""
    if user is None:
        if not hasattr(request, "user"):  # Django's AuthenticationMiddleware did not run
            _set(request, _anonymous())
        return
    backend = workos_backend()
    if backend is None:
        _set(request, DjangoAuthUser(user.token))
        return
    cached: list[Any] = []

    def load() -> Any:
        """The Django ``User``, once per request (one query, as Django's own)."""
        if not cached:
            found = backend.authenticate(request, workos_user=user, provider=default_provider)
            cached.append(found if found is not None else _anonymous())
        return cached[0]

    _set(request, SimpleLazyObject(load), load)


def _set(request: HttpRequest, person: Any, load: Callable[[], Any] | None = None) -> None:
    target: Any = request  # Django types request.user as its own models only

    async def auser() -> Any:
        return person if load is None else await sync_to_async(load)()

    target.user = person
    target.auser = auser
