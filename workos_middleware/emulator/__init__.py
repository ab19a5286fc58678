"""A local WorkOS SSO server for development and tests.

``create_app()`` builds it as a Starlette app; ``python -m workos_middleware.emulator`` (or
the ``workos-emulator`` command) serves it. See ``docs/emulator.md``.
"""

from .app import DEFAULT_API_KEY, DEFAULT_CLIENT_ID, create_app
from .data import DataError

__all__ = ["DEFAULT_API_KEY", "DEFAULT_CLIENT_ID", "DataError", "create_app"]
