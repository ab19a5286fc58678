"""The exact requests the NextAuth v3 client (next-auth/client) sends.

``getProviders``, ``getCsrfToken``, ``getSession`` are plain GETs with
``credentials: same-origin``; ``signIn(provider, {callbackUrl}, authorizationParams)``
and ``signOut({callbackUrl})`` POST a form-encoded body with ``csrfToken``,
``callbackUrl`` and ``json=true`` and follow the ``url`` of the JSON answer.
"""

from __future__ import annotations

from urllib.parse import urlencode

import respx

from support import APP_URL, TOKEN_RESPONSE, WORKOS_URL, Client, query_of

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def test_signin_signout_round_trip_as_the_js_client(
    client: Client, workos: respx.MockRouter
) -> None:
    providers = client.get("/api/auth/providers").json()
    assert providers["workos"]["signinUrl"] == f"{APP_URL}/api/auth/signin/workos"
    csrf = client.get("/api/auth/csrf").json()["csrfToken"]

    # signIn("workos", {callbackUrl: "/after"}, {domain: "example.com"})
    body = urlencode({"csrfToken": csrf, "callbackUrl": f"{APP_URL}/after", "json": "true"})
    response = client.post("/api/auth/signin/workos?domain=example.com", content=body, headers=FORM)
    assert response.status_code == 200
    url = response.json()["url"]
    assert url.startswith(f"{WORKOS_URL}/sso/authorize?")
    params = query_of(url)
    assert params["domain"] == "example.com"

    workos.post("/sso/token").respond(200, json=TOKEN_RESPONSE)
    callback = client.callback({"code": "c", "state": params["state"]})
    assert callback.headers["location"] == f"{APP_URL}/after"

    session = client.get("/api/auth/session").json()
    assert session["user"]["email"] == "alice@example.com"
    assert session["expires"].endswith("Z")

    # The CSRF token was rotated at sign-in: the client fetches a new one.
    csrf = client.get("/api/auth/csrf").json()["csrfToken"]
    body = urlencode({"csrfToken": csrf, "callbackUrl": f"{APP_URL}/", "json": "true"})
    response = client.post("/api/auth/signout", content=body, headers=FORM)
    assert response.json() == {"url": f"{APP_URL}/"}
    assert client.get("/api/auth/session").json() == {}
