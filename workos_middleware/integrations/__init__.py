"""Framework integrations: thin translations of the core into each framework's idioms.

Each module imports its framework lazily (only when imported itself), so the package
does not depend on FastAPI, Flask or Django:

- :mod:`workos_middleware.integrations.starlette`: ``current_user`` and ``login_required``
  for Starlette (and FastAPI) endpoints;
- :mod:`workos_middleware.integrations.fastapi`: the ``RequireUser`` / ``OptionalUser``
  dependencies, shown in OpenAPI as a cookie security scheme;
- :mod:`workos_middleware.integrations.flask`: ``current_user``, ``login_required`` and
  ``init_app``;
- :mod:`workos_middleware.integrations.django`: ``AuthMiddleware`` for
  ``settings.MIDDLEWARE``, ``request.auth_user`` and ``login_required``.

Every "not signed in" or "not allowed" answer is the core's guarded miss (a 302 to the
sign-in page for a browser navigation, a 401 JSON answer otherwise, a 403 when an access
rule says no), exactly what a configured ``protect`` rule answers.
"""
