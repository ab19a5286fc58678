"""What every authorization endpoint here shares: checking a request, refusing it, answering it.

The WorkOS SSO and AuthKit endpoints and the OAuth providers the emulator plays all follow
OAuth 2.0's authorization-code flow: requests that cannot go back to the app (wrong client,
unregistered redirect URI, malformed parameters) get a readable 400 page; everything after
that goes back to the redirect URI as ``code`` or ``error`` (+ ``error_description``), with
``state`` echoed when it was sent.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import unquote_plus, urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from . import pkce
from .forms import BodyError, read_fields
from .pages import error_page
from .redirects import LOOPBACK_HOSTS, is_registered, with_params
from .store import EmulatorState, PendingSignIn

ParameterCheck = Callable[[Mapping[str, str]], "tuple[str, str] | None"]


@dataclass(frozen=True)
class Refusal:
    """An authorization error that goes back to the app on its redirect URI."""

    error: str
    description: str


def refuse(redirect_uri: str, app_state: str | None, refusal: Refusal) -> Response:
    params = {"error": refusal.error, "error_description": refusal.description, "state": app_state}
    return RedirectResponse(with_params(redirect_uri, params), 302)


def send_code(redirect_uri: str, code: str, app_state: str | None) -> Response:
    return RedirectResponse(with_params(redirect_uri, {"code": code, "state": app_state}), 302)


def own_base_url(request: Request) -> str:
    """The emulator's own URL as this request reached it, mount prefix included.

    Not ``request.base_url``: under a ``Mount`` that is the outer app's root, so an issuer
    built from it would lack the emulator's prefix (``/_workos``).
    """
    url = request.url
    return f"{url.scheme}://{url.netloc}{request.scope.get('root_path', '')}".rstrip("/")


def return_to(redirect_uri: str) -> str:
    """The redirect URI without its query, as a sign-in page shows it."""
    parts = urlsplit(redirect_uri)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def request_problem(q: Mapping[str, str]) -> tuple[str, str] | None:
    """A (parameter, explanation) pair for a malformed code request, if any: the response
    type and the PKCE parameters (only ``S256``)."""
    if q.get("response_type") != "code":
        return ("response_type", "response_type must be code.")
    challenge = q.get("code_challenge")
    method = q.get("code_challenge_method")
    if challenge:
        if method != "S256":
            return ("code_challenge_method", "code_challenge_method must be S256.")
        if not pkce.valid_challenge(challenge):
            return ("code_challenge", "code_challenge must be a base64url SHA-256 digest.")
    elif method:
        return ("code_challenge_method", "code_challenge_method was sent without code_challenge.")
    return None


def unredirectable_problem(
    q: Mapping[str, str],
    client_id: str,
    redirect_uris: Sequence[str],
    check: ParameterCheck = request_problem,
) -> Response | None:
    """The readable 400 page for a request that cannot go back to the app, if any."""
    given = q.get("client_id", "")
    if not hmac.compare_digest(given, client_id):
        return error_page(
            "Unknown client",
            "The client_id is missing or is not this emulator's client.",
            details=[("client_id", given or "(missing)")],
            hint=f"This emulator accepts client_id {client_id}.",
        )
    redirect_uri = q.get("redirect_uri", "")
    if not is_registered(redirect_uri, redirect_uris):
        registered = ", ".join(redirect_uris) or "none besides loopback"
        return error_page(
            "Redirect URI not registered",
            "The redirect_uri is missing or is not registered, so the emulator will not "
            "send the browser there.",
            details=[("redirect_uri", redirect_uri or "(missing)")],
            hint=f"Registered: any http(s) URI on {', '.join(LOOPBACK_HOSTS)}; also: {registered}.",
        )
    problem = check(q)
    if problem is not None:
        name, explanation = problem
        return error_page(
            "Invalid authorization request",
            explanation,
            details=[(name, q.get(name) or "(missing)")],
        )
    return None


async def page_form(request: Request) -> dict[str, str] | Response:
    """The fields a sign-in page posted, or the 400 page for a body that cannot be read."""
    try:
        fields, _ = await read_fields(request)
    except BodyError as exc:
        return error_page("Unreadable form", str(exc))
    return fields


DENIED = Refusal("access_denied", "The user denied access to the application.")


async def answered(
    request: Request, state: EmulatorState, audience: str
) -> tuple[PendingSignIn, dict[str, str]] | Response:
    """The pending sign-in a sign-in page's form answers, with the form's fields.

    Or what to answer instead: the page saying the request expired (its buttons work once),
    or, for the Deny button, ``access_denied`` sent back to the app.
    """
    fields = await page_form(request)
    if isinstance(fields, Response):
        return fields
    pending = state.finish_sign_in(fields.get("request", ""), audience)
    if pending is None:
        return error_page(
            "Sign-in request expired",
            "This sign-in request has expired or was already completed.",
            hint="Start signing in again from the application.",
        )
    if fields.get("action") == "deny":
        return refuse(pending.redirect_uri, pending.state, DENIED)
    return pending, fields


def check_verifier(code_challenge: str | None, verifier: str | None) -> str | None:
    """Why a token request's ``code_verifier`` does not fit the code's challenge, if so."""
    if code_challenge is not None:
        if not verifier:
            return "code_verifier is required for this code."
        if not pkce.verify(verifier, code_challenge):
            return "The code_verifier does not match."
    elif verifier:
        return "code_verifier was sent, but the code has no code_challenge."
    return None


def basic_credentials(request: Request) -> tuple[str, str] | None:
    """The client id and secret of an ``Authorization: Basic`` header (RFC 6749 2.3.1)."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        return None
    return unquote_plus(client_id), unquote_plus(secret)
