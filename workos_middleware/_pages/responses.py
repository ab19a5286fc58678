"""The responses the routes send: redirects (302 or the client's JSON form), pages,
the error page, and links to the app's own pages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from .._base.errors import error_page_text
from .._base.messages import AuthRequest, AuthResponse
from .._base.types import ErrorCode
from .render import PAGE_HEADERS, PageRenderer

__all__ = ["Responses", "with_cookies"]

# Headers that let a CDN or shared cache keep a response despite Cache-Control.
_SHARED_CACHE_HEADERS = frozenset({"cache-control", "cdn-cache-control", "surrogate-control"})


def with_cookies(
    headers: Sequence[tuple[str, str]], set_cookies: Sequence[str]
) -> list[tuple[str, str]]:
    """An app response's headers plus the middleware's Set-Cookie values, made
    uncacheable by shared caches: a response carrying a session cookie must never be
    stored by a CDN and handed to someone else. The app's ``Cache-Control`` (and
    ``CDN-Cache-Control``, ``Surrogate-Control``) give way to ``private, no-store``,
    and ``Vary`` gains ``Cookie``. Without Set-Cookie values the headers are unchanged.
    """
    if not set_cookies:
        return list(headers)
    result: list[tuple[str, str]] = []
    vary: list[str] = []
    for name, value in headers:
        lowered = name.lower()
        if lowered in _SHARED_CACHE_HEADERS:
            continue
        if lowered == "vary":
            vary.extend(part.strip() for part in value.split(",") if part.strip())
            continue
        result.append((name, value))
    if not any(part == "*" or part.lower() == "cookie" for part in vary):
        vary.append("Cookie")
    result.append(("cache-control", "private, no-store"))
    result.append(("vary", ", ".join(vary)))
    result.extend(("set-cookie", value) for value in set_cookies)
    return result


class Responses:
    """Response builders for one configuration."""

    def __init__(
        self,
        renderer: PageRenderer,
        *,
        base_url: str,
        auth_url: str,
        app_pages: Mapping[str, str],
    ) -> None:
        self.renderer = renderer
        self.base_url = base_url
        self.auth_url = auth_url
        self.app_pages = dict(app_pages)

    @staticmethod
    def wants_json(request: AuthRequest) -> bool:
        return request.form.get("json") == "true" or request.query.get("json") == "true"

    def redirect(self, request: AuthRequest, location: str) -> AuthResponse:
        """A 302, or ``{"url": ...}`` for the NextAuth client's ``json=true`` requests."""
        if self.wants_json(request):
            return AuthResponse.json({"url": location})
        return AuthResponse.redirect(location)

    def error_redirect(self, request: AuthRequest, code: ErrorCode, **extra: str) -> AuthResponse:
        """To the error route with ``code`` (and ``extra`` for the sign-in page: the
        ``email`` typed, so the form keeps it)."""
        query = urlencode({"error": code, **{k: v for k, v in extra.items() if v}})
        return self.redirect(request, f"{self.auth_url}/error?{query}")

    def page(self, template: str, status: int = 200, **context: Any) -> AuthResponse:
        response = AuthResponse.html(self.renderer.render(template, **context), status)
        response.headers.extend(PAGE_HEADERS)
        return response

    def error_page(self, code: str) -> AuthResponse:
        status, heading, message = error_page_text(code)
        return self.page(
            "error.html",
            status,
            heading=heading,
            message=message,
            home_url=self.base_url,
            code=code,  # what an operator searches the logs for
        )

    def store_unavailable(self, as_json: bool) -> AuthResponse:
        """The 503 of a request that needs the session store while it is down."""
        if as_json:
            message = "Sessions are unavailable for a moment. Please try again."
            response = AuthResponse.json({"error": "Unavailable", "message": message}, 503)
        else:
            response = self.error_page("Unavailable")
        response.headers.append(("retry-after", "5"))
        return response

    def app_page_url(self, key: str, **params: str) -> str | None:
        """The URL of ``pages[key]`` with ``params`` added, or ``None`` if not set."""
        page = self.app_pages.get(key)
        if page is None:
            return None
        query = urlencode({k: v for k, v in params.items() if v})
        separator = "&" if "?" in page else "?"
        return self.base_url + page + (separator + query if query else "")
