"""The emulator's HTML: the IdP sign-in page, readable error pages and the index page.

Templates live in ``templates/``; they are self-contained (inline CSS, no external resources)
and rendered with autoescaping on.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
import markupsafe
from starlette.responses import HTMLResponse

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _url_breaks(url: str) -> markupsafe.Markup:
    """``url`` escaped, with a line-break opportunity after each ``/``, ``?`` and ``&``:
    a narrow screen wraps it between path segments, never inside a word."""
    escaped = str(markupsafe.escape(url))
    return markupsafe.Markup(re.sub(r"(/+|\?|&amp;)", r"\1<wbr>", escaped))


_ENV.filters["url_breaks"] = _url_breaks

# The pages load nothing and run no script; the IdP page must not be framed (clickjacking).
# No form-action directive: browsers apply it to the redirect that follows a form post.
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def render(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = _ENV.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status, headers=_HEADERS)


def error_page(
    heading: str,
    message: str,
    *,
    status: int = 400,
    details: Sequence[tuple[str, str]] = (),
    hint: str | None = None,
) -> HTMLResponse:
    """A page a developer can read, for requests that cannot be redirected back to the app."""
    return render(
        "error.html", status, heading=heading, message=message, details=details, hint=hint
    )
