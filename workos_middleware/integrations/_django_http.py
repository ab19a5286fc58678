"""Django's request and response as the core's values, and back (no decision here)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBase

from .._base.messages import MAX_BODY_BYTES, AuthRequest, AuthResponse

__all__ = ["add_set_cookie", "auth_request", "passthrough_request", "to_response"]


def auth_request(request: HttpRequest, *, with_body: bool = True) -> AuthRequest:
    """The core's request value; a POST body is read (capped) only ``with_body``."""
    method = (request.method or "GET").upper()
    body, too_large = b"", False
    if method == "POST" and with_body:
        try:
            too_large = int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY_BYTES
        except ValueError:
            too_large = False
        if not too_large:
            try:
                body = request.body
            except RequestDataTooBig:
                too_large = True
            except ValueError:  # a Content-Length that is not a number: no body read
                body = b""
    headers = {name.lower(): value for name, value in request.headers.items()}
    return AuthRequest(
        method=method,
        path=request.path_info or "/",
        query_string=request.META.get("QUERY_STRING", ""),
        headers=headers,
        body=body,
        body_too_large=too_large or len(body) > MAX_BODY_BYTES,
    )


def passthrough_request(request: HttpRequest, path: str) -> AuthRequest:
    """The core's request value of a request to the app (its body is the app's)."""
    return auth_request(request, with_body=False)


def add_set_cookie(response: HttpResponseBase, header: str) -> None:
    """A Set-Cookie value of the core, through Django's own cookie API."""
    pair, *attributes = header.split("; ")
    name, _, value = pair.partition("=")
    options: dict[str, Any] = {"httponly": False, "secure": False, "path": "/"}
    for attribute in attributes:
        key, _, argument = attribute.partition("=")
        key = key.lower()
        if key == "max-age":
            options["max_age"] = int(argument)
        elif key in ("path", "domain", "samesite"):
            options[key] = argument
        elif key in ("httponly", "secure"):
            options[key] = True
    response.set_cookie(name, value, **options)


def to_response(answer: AuthResponse, method: str = "GET") -> HttpResponse:
    """The core's response as a Django ``HttpResponse`` (cookies in ``response.cookies``)."""
    response = HttpResponse(b"" if method == "HEAD" else answer.body, status=answer.status)
    seen: set[str] = set()
    for name, value in answer.headers:
        if name.lower() == "set-cookie":
            add_set_cookie(response, value)
        elif name.lower() in seen:
            response[name] = f"{response[name]}, {value}"
        else:
            response[name] = value
            seen.add(name.lower())
    return response
