"""Rendering of the built-in pages (Jinja2, autoescaped) from ``pages/``.

A ``templates_dir`` in the configuration is searched first, so an app overrides any
page by giving a file of the same name (``signin.html``, ``signout.html``,
``error.html``, ``base.html``).
"""

from __future__ import annotations

from typing import Any

from jinja2 import BaseLoader, ChoiceLoader, Environment, FileSystemLoader, PackageLoader

__all__ = ["PAGE_HEADERS", "PageRenderer"]

# Self-contained pages: no third-party anything, and no Referer leaves the origin.
# "same-origin", not "no-referrer": under "no-referrer" browsers send `Origin: null` with
# the page's own form POSTs, which the CSRF Origin check (rightly) refuses.
PAGE_HEADERS = [
    (
        "content-security-policy",
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "base-uri 'none'; frame-ancestors 'none'",
    ),
    ("referrer-policy", "same-origin"),
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
]


class PageRenderer:
    def __init__(self, templates_dir: str | None) -> None:
        loaders: list[BaseLoader] = [PackageLoader("workos_middleware._pages", "templates")]
        if templates_dir is not None:
            loaders.insert(0, FileSystemLoader(templates_dir))
        self.environment = Environment(
            loader=ChoiceLoader(loaders), autoescape=True, auto_reload=False
        )

    def render(self, name: str, **context: Any) -> str:
        return self.environment.get_template(name).render(**context)
