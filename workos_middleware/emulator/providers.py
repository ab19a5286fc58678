"""OAuth providers the emulator also plays: OpenID Connect (as Google) and GitHub-like OAuth.

Each provider in the data has an id naming its URL prefix: ``/oidc/{id}`` for an OpenID
Connect provider (discovery, authorize, token with an RS256 ID token, userinfo, JWKS) and
``/oauth/{id}`` for a GitHub-like one (``/login/oauth/authorize``,
``/login/oauth/access_token``, ``/user``, ``/user/emails``). Like the real ones, they know
nothing of WorkOS: their own clients, secrets, users and keys.

A ``strict`` OIDC provider behaves as certified providers do: its ID token carries no
profile claims (``email``, ``name``... only from userinfo), every redirect back to the app
carries ``iss`` (RFC 9207, advertised by ``authorization_response_iss_parameter_supported``),
and it keeps a browser session of its own (a cookie): a second sign-in while it lives
skips the sign-in page, until RP-initiated logout at its ``end_session_endpoint`` ends it.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from .data import Provider, ProviderUser, plain
from .faults import token_defect
from .forms import BodyError, bearer_token, read_fields
from .keys import spoil_claims
from .oauth import (
    Refusal,
    answered,
    basic_credentials,
    check_verifier,
    own_base_url,
    page_form,
    refuse,
    request_problem,
    return_to,
    send_code,
    unredirectable_problem,
)
from .pages import error_page, render
from .redirects import is_registered, with_params
from .store import EmulatorState, PendingSignIn
from .wire import oauth_error

TOKEN_LIFETIME = 3600
"""Seconds a provider's access token and ID token live."""
ID_TOKEN_MEMORY = 86400
"""Seconds a strict provider remembers an ID token it issued (for ``id_token_hint``)."""
GITHUB_DOCS = "https://docs.github.com/rest"


def fault_name(part: str) -> Callable[[Request], str]:
    """The fault name of a provider endpoint, from the request's path: ``google.token``."""

    def name(request: Request) -> str:
        return f"{request.path_params['provider']}.{part}"

    return name


def _github_problem(q: Mapping[str, str]) -> tuple[str, str] | None:
    """GitHub's authorize has no ``response_type``; PKCE is checked as elsewhere."""
    return request_problem({**q, "response_type": "code"})


def _without_none(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _oidc_claims(user: ProviderUser) -> dict[str, Any]:
    """The standard claims of ``user`` (ID token and userinfo)."""
    return _without_none(
        {
            "sub": user.sub,
            "email": user.email,
            "email_verified": user.email_verified if user.email else None,
            "name": user.name,
            "given_name": user.given_name,
            "family_name": user.family_name,
            "picture": user.picture,
        }
    )


def _no_provider() -> Response:
    return error_page("Unknown provider", "No such provider in the emulator's data.", status=404)


class ProviderEndpoints:
    """The routes of every provider in the data, bound to one :class:`EmulatorState`."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    def _provider(self, request: Request, kind: str) -> Provider | None:
        return self.state.data.provider(request.path_params["provider"], kind)

    def _unknown(self, request: Request) -> Response:
        name = request.path_params["provider"]
        return JSONResponse(
            {"error": "not_found", "error_description": f"No provider {name}."}, 404
        )

    def issuer(self, request: Request, provider: Provider) -> str:
        return f"{own_base_url(request)}/oidc/{provider.id}"

    # -- OpenID Connect -------------------------------------------------------------------

    async def discovery(self, request: Request) -> Response:
        provider = self._provider(request, "oidc")
        if provider is None:
            return self._unknown(request)
        issuer = self.issuer(request, provider)
        return JSONResponse(
            {
                "issuer": issuer,
                "authorization_endpoint": f"{issuer}/authorize",
                "token_endpoint": f"{issuer}/token",
                "userinfo_endpoint": f"{issuer}/userinfo",
                "jwks_uri": f"{issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": ["openid", "email", "profile"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_post",
                    "client_secret_basic",
                ],
                "claims_supported": [
                    "iss",
                    "aud",
                    "sub",
                    "exp",
                    "iat",
                    "nonce",
                    "email",
                    "email_verified",
                    "name",
                    "given_name",
                    "family_name",
                    "picture",
                ],
                "code_challenge_methods_supported": ["S256"],
                "grant_types_supported": ["authorization_code"],
                **(
                    {
                        "authorization_response_iss_parameter_supported": True,
                        "end_session_endpoint": f"{issuer}/end_session",
                    }
                    if provider.strict
                    else {}
                ),
            }
        )

    async def jwks(self, request: Request) -> Response:
        provider = self._provider(request, "oidc")
        if provider is None:
            return self._unknown(request)
        keys = self.state.key_ring(provider.id).jwks()["keys"]
        # Google publishes bare RSA keys, without certificates.
        return JSONResponse(
            {"keys": [{k: key[k] for k in ("kty", "alg", "use", "kid", "n", "e")} for key in keys]}
        )

    async def oidc_token(self, request: Request) -> Response:
        provider = self._provider(request, "oidc")
        if provider is None:
            return self._unknown(request)
        try:
            fields, _ = await read_fields(request)
        except BodyError as exc:
            return oauth_error("invalid_request", str(exc))
        refused = self._client_refusal(request, provider, fields)
        if refused is not None:
            return refused
        redeemed = self._redeem(provider, fields)
        if isinstance(redeemed, Refusal):
            return oauth_error(redeemed.error, redeemed.description)
        user, grant = redeemed
        now = self.state.clock()
        claims = {
            "iss": self.issuer(request, provider),
            "aud": provider.client_id,
            "azp": provider.client_id,
            "iat": int(now),
            "exp": int(now) + TOKEN_LIFETIME,
            # A strict provider says who, and nothing more: the profile is userinfo's.
            **({"sub": user.sub} if provider.strict else _oidc_claims(user)),
        }
        if grant.get("nonce"):
            claims["nonce"] = grant["nonce"]
        defect = token_defect(request)
        claims = spoil_claims(claims, defect, now)
        access_token = self.state.issue_token(provider.id, grant, TOKEN_LIFETIME)
        id_token = self.state.key_ring(provider.id).sign(claims, defect=defect)
        if provider.strict:
            self.state.note_id_token(id_token, provider.id, user.sub, now + ID_TOKEN_MEMORY)
        body = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME - 1,
            "scope": grant["scope"],
            "id_token": id_token,
        }
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    def _client_refusal(
        self, request: Request, provider: Provider, fields: Mapping[str, str]
    ) -> Response | None:
        """The 401 for a client that is not the provider's, by POST body or HTTP Basic."""
        basic = basic_credentials(request)
        if basic is not None and "client_secret" in fields:
            return oauth_error("invalid_request", "Use one client authentication method.")
        client_id, secret = basic or (fields.get("client_id", ""), fields.get("client_secret", ""))
        if hmac.compare_digest(client_id, provider.client_id) and hmac.compare_digest(
            secret, provider.client_secret
        ):
            return None
        response = oauth_error("invalid_client", "Unknown client or wrong client secret.", 401)
        if basic is not None:
            response.headers["WWW-Authenticate"] = 'Basic realm="token"'
        return response

    def _redeem(
        self, provider: Provider, fields: Mapping[str, str]
    ) -> tuple[ProviderUser, dict[str, Any]] | Refusal:
        """The user and the grant of the code in ``fields``, or why not."""
        if fields.get("grant_type") != "authorization_code":
            return Refusal("unsupported_grant_type", "grant_type must be authorization_code.")
        issued = self.state.redeem_code(fields.get("code", ""), provider.id)
        if issued is None:
            return Refusal("invalid_grant", "The code is unknown, used or expired.")
        if fields.get("redirect_uri", issued.redirect_uri) != issued.redirect_uri:
            return Refusal("invalid_grant", "redirect_uri differs from the authorization's.")
        problem = check_verifier(issued.code_challenge, fields.get("code_verifier"))
        if problem is not None:
            return Refusal("invalid_grant", problem)
        user = provider.user(issued.grant["sub"])
        if user is None:
            return Refusal("invalid_grant", "The user no longer exists.")
        return user, issued.grant

    async def userinfo(self, request: Request) -> Response:
        provider = self._provider(request, "oidc")
        if provider is None:
            return self._unknown(request)
        user = self._token_user(request, provider)
        if user is None:
            response = oauth_error("invalid_token", "The access token is not valid.", 401)
            response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
            return response
        return JSONResponse(_oidc_claims(user))

    def _token_user(self, request: Request, provider: Provider) -> ProviderUser | None:
        token = bearer_token(request)
        if token is None and provider.kind == "github":
            scheme, _, value = request.headers.get("authorization", "").partition(" ")
            token = value.strip() if scheme.lower() == "token" and value.strip() else None
        grant = self.state.token_grant(token, provider.id) if token else None
        if grant is None:
            return None
        request.state.scope = grant["scope"]
        return provider.user(grant["sub"])

    # -- the browser's half, for both kinds -----------------------------------------------

    async def authorize(self, request: Request) -> Response:
        kind = "github" if request.url.path.endswith("/login/oauth/authorize") else "oidc"
        provider = self._provider(request, kind)
        if provider is None:
            return error_page(
                "Unknown provider", "No such provider in the emulator's data.", status=404
            )
        q = request.query_params
        check = _github_problem if kind == "github" else request_problem
        problem = unredirectable_problem(q, provider.client_id, self.state.redirect_uris, check)
        if problem is not None:
            return problem
        scope = q.get("scope", "")
        if kind == "oidc" and "openid" not in scope.split():
            refusal = Refusal("invalid_scope", "The scope must include openid.")
            return self._to_app(
                request, provider, refuse(q["redirect_uri"], q.get("state"), refusal)
            )
        hint = q.get("login_hint" if kind == "oidc" else "login") or None
        pending = self.state.start_sign_in(
            provider.id,
            client_id=provider.client_id,
            redirect_uri=q["redirect_uri"],
            state=q.get("state"),
            code_challenge=q.get("code_challenge") or None,
            login_hint=hint,
            nonce=q.get("nonce") or None,
            scope=scope,
        )
        hinted = next((u for u in provider.users if hint in (u.email, u.login)), None)
        if hinted is not None and self.state.auto_approve:
            self.state.finish_sign_in(pending.id, provider.id)
            return self._send_code(request, provider, pending, hinted)
        signed_in = self._session_user(request, provider)
        if signed_in is not None and "login" not in q.get("prompt", "").split():
            # The provider's own session is alive: no page, as a real IdP does.
            self.state.finish_sign_in(pending.id, provider.id)
            return self._send_code(request, provider, pending, signed_in)
        return render(
            "provider_sign_in.html",
            provider=provider,
            users=provider.users,
            hinted=hinted.sub if hinted else None,
            pending_id=pending.id,
            return_to=return_to(q["redirect_uri"]),
            action="authorize/complete",
        )

    async def complete(self, request: Request) -> Response:
        kind = "github" if "/login/oauth/" in request.url.path else "oidc"
        provider = self._provider(request, kind)
        if provider is None:
            return error_page(
                "Unknown provider", "No such provider in the emulator's data.", status=404
            )
        found = await answered(request, self.state, provider.id)
        if isinstance(found, Response):
            return self._to_app(request, provider, found)  # the Deny button's access_denied
        pending, fields = found
        user = provider.user(fields.get("user", ""))
        if user is None:
            return error_page(
                "Unknown test user", "The chosen user is not a user of this provider."
            )
        response = self._send_code(request, provider, pending, user)
        if provider.strict:
            cookie = self.state.start_idp_session(provider.id, user.sub)
            response.set_cookie(
                self._session_cookie(provider),
                cookie,
                path=self._session_path(request, provider),
                httponly=True,
                samesite="lax",
            )
        return response

    def _send_code(
        self, request: Request, provider: Provider, pending: PendingSignIn, user: ProviderUser
    ) -> Response:
        code = self.state.issue_code(
            provider.id,
            client_id=provider.client_id,
            redirect_uri=pending.redirect_uri,
            grant={"sub": user.sub, "nonce": pending.nonce, "scope": pending.scope or ""},
            code_challenge=pending.code_challenge,
        )
        return self._to_app(request, provider, send_code(pending.redirect_uri, code, pending.state))

    def _to_app(self, request: Request, provider: Provider, response: Response) -> Response:
        """A redirect back to the app; a strict provider adds its ``iss`` (RFC 9207)."""
        location = response.headers.get("location")
        if provider.strict and response.status_code == 302 and location:
            response.headers["location"] = with_params(
                location, {"iss": self.issuer(request, provider)}
            )
        return response

    # -- a strict provider's session and RP-initiated logout ------------------------------

    def _session_cookie(self, provider: Provider) -> str:
        return f"emulator_idp_{provider.id}"

    def _session_path(self, request: Request, provider: Provider) -> str:
        root = request.scope.get("root_path", "").rstrip("/")
        return f"{root}/oidc/{provider.id}"

    def _session_user(self, request: Request, provider: Provider) -> ProviderUser | None:
        if not provider.strict:
            return None
        cookie = request.cookies.get(self._session_cookie(provider))
        sub = self.state.idp_session(cookie, provider.id)
        return provider.user(sub) if sub is not None else None

    async def end_session(self, request: Request) -> Response:
        """RP-initiated logout 1.0: ends this browser's session at the provider, then
        back to ``post_logout_redirect_uri`` (registered, and only with an
        ``id_token_hint`` or ``client_id`` naming this provider's client)."""
        provider = self._provider(request, "oidc")
        if provider is None or not provider.strict:
            return _no_provider()
        if request.method == "POST":
            fields = await page_form(request)
            if isinstance(fields, Response):
                return fields
        else:
            fields = dict(request.query_params)
        hint, client_id = fields.get("id_token_hint"), fields.get("client_id")
        if hint and self.state.id_token_subject(hint, provider.id) is None:
            return error_page("Unknown id_token_hint", "This provider did not issue that ID token.")
        if client_id and not hmac.compare_digest(client_id, provider.client_id):
            return error_page("Unknown client", "client_id is not a client of this provider.")
        destination = fields.get("post_logout_redirect_uri")
        if destination and not (hint or client_id):
            return error_page(
                "Logout request refused",
                "post_logout_redirect_uri needs an id_token_hint or a client_id.",
            )
        if destination and not is_registered(destination, self.state.redirect_uris):
            return error_page(
                "Unregistered post_logout_redirect_uri",
                "The post_logout_redirect_uri is not registered for this client.",
                details=[("post_logout_redirect_uri", destination)],
            )
        self.state.end_idp_session(request.cookies.get(self._session_cookie(provider)))
        if destination:
            back = with_params(destination, {"state": fields.get("state")})
            response: Response = RedirectResponse(back, 302)
        else:
            response = render("signed_out.html", what=f"The {provider.name} session has ended.")
        response.delete_cookie(
            self._session_cookie(provider), path=self._session_path(request, provider)
        )
        return response

    # -- GitHub ---------------------------------------------------------------------------

    async def github_token(self, request: Request) -> Response:
        """GitHub's token endpoint: errors are 200s with an ``error`` field, as GitHub's are."""
        provider = self._provider(request, "github")
        if provider is None:
            return self._unknown(request)
        try:
            fields, _ = await read_fields(request)
        except BodyError as exc:
            return self._github_answer(
                request, {"error": "invalid_request", "error_description": str(exc)}
            )
        client_id, secret = basic_credentials(request) or (
            fields.get("client_id", ""),
            fields.get("client_secret", ""),
        )
        if not (
            hmac.compare_digest(client_id, provider.client_id)
            and hmac.compare_digest(secret, provider.client_secret)
        ):
            return self._github_answer(
                request,
                {
                    "error": "incorrect_client_credentials",
                    "error_description": "The client_id and/or client_secret passed are incorrect.",
                },
            )
        redeemed = self._redeem(provider, {"grant_type": "authorization_code", **fields})
        if isinstance(redeemed, Refusal):
            error = (
                "redirect_uri_mismatch"
                if "redirect_uri" in redeemed.description
                else "bad_verification_code"
            )
            return self._github_answer(
                request, {"error": error, "error_description": redeemed.description}
            )
        grant = redeemed[1]
        token = self.state.issue_token(provider.id, grant, TOKEN_LIFETIME * 8, prefix="gho_")
        return self._github_answer(
            request, {"access_token": token, "token_type": "bearer", "scope": grant["scope"]}
        )

    def _github_answer(self, request: Request, body: dict[str, str]) -> Response:
        """JSON when the client accepts it, else GitHub's default: a form-encoded body."""
        if "application/json" in request.headers.get("accept", ""):
            return JSONResponse(body)
        return Response(urlencode(body), media_type="application/x-www-form-urlencoded")

    async def github_user(self, request: Request) -> Response:
        provider = self._provider(request, "github")
        if provider is None:
            return self._unknown(request)
        user = self._token_user(request, provider)
        if user is None:
            return self._bad_credentials()
        number = int(user.sub) if user.sub.isdigit() else user.sub
        return JSONResponse(
            {
                "login": user.login or f"user{user.sub}",
                "id": number,
                "node_id": f"U_emulated{user.sub}",
                "avatar_url": user.picture or f"https://avatars.invalid/u/{user.sub}",
                "html_url": f"https://github.invalid/{user.login or user.sub}",
                "type": "User",
                "site_admin": False,
                "name": user.name,
                "email": user.email,
                "created_at": "2024-01-01T00:00:00Z",
                "updated_at": "2024-01-01T00:00:00Z",
            }
        )

    async def github_emails(self, request: Request) -> Response:
        provider = self._provider(request, "github")
        if provider is None:
            return self._unknown(request)
        user = self._token_user(request, provider)
        if user is None:
            return self._bad_credentials()
        scopes = request.state.scope.replace(",", " ").split()
        if "user:email" not in scopes and "user" not in scopes:
            # What GitHub answers when the token lacks the user:email scope.
            return JSONResponse({"message": "Not Found", "documentation_url": GITHUB_DOCS}, 404)
        return JSONResponse([plain(e) for e in user.emails])

    def _bad_credentials(self) -> Response:
        body = {"message": "Bad credentials", "documentation_url": GITHUB_DOCS, "status": "401"}
        return JSONResponse(body, 401)
