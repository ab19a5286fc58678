"""Helpers only the emulator's tests need (a unique module name, so it cannot clash with
others'). The clock, live server, query and sign-in-page helpers are ``tests/support``'s."""

from __future__ import annotations

from typing import Any

import httpx
from starlette.testclient import TestClient

from workos_middleware.emulator import DEFAULT_API_KEY, DEFAULT_CLIENT_ID
from workos_middleware.emulator.defaults import EXAMPLE_ORG_ID

from support import query_of
from support.emulator import complete_url, pending_id

REDIRECT_URI = "http://127.0.0.1:8000/api/auth/callback/workos"
CLIENT_ID = DEFAULT_CLIENT_ID
API_KEY = DEFAULT_API_KEY


def authorize_params(**overrides: str | None) -> dict[str, str]:
    """Valid /sso/authorize parameters for the Example organization, with ``overrides``."""
    params: dict[str, str | None] = {
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "response_type": "code",
        "organization": EXAMPLE_ORG_ID,
        "state": "xyz-state",
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def sign_in(
    http: httpx.Client | TestClient, user_id: str, path: str = "/sso/authorize", **params: Any
) -> dict[str, str]:
    """Open the IdP page, choose ``user_id``, and return the redirect's query parameters."""
    page = http.get(path, params=authorize_params(**params))
    assert page.status_code == 200, page.text
    done = http.post(f"{path}/complete", data={"request": pending_id(page.text), "user": user_id})
    assert done.status_code == 302, done.text
    return query_of(done.headers["location"])


def token_fields(code: str, **overrides: str | None) -> dict[str, str]:
    fields: dict[str, str | None] = {
        "client_id": CLIENT_ID,
        "client_secret": API_KEY,
        "grant_type": "authorization_code",
        "code": code,
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


def choose(
    http: httpx.Client | TestClient, path: str, params: dict[str, str], **form: str
) -> dict[str, str]:
    """Open the sign-in page at ``path``, post ``form`` with its request id, return the
    redirect's query parameters."""
    page = http.get(path, params=params)
    assert page.status_code == 200, page.text
    done = http.post(complete_url(page.url), data={"request": pending_id(page.text), **form})
    assert done.status_code == 302, done.text
    return query_of(done.headers["location"])


def verify_jwt(token: str, jwks: dict[str, Any], **options: Any) -> dict[str, Any]:
    """The claims of an RS256 JWT checked with PyJWT against ``jwks`` (the SDK's own library).

    ``options`` go to ``jwt.decode`` (``audience``, ``issuer``, ``leeway``...).
    """
    import jwt

    kid = jwt.get_unverified_header(token)["kid"]
    keys = {key["kid"]: key for key in jwks["keys"]}
    if kid not in keys:
        raise LookupError(f"no key {kid} in the JWKS")
    key = jwt.PyJWK.from_dict(keys[kid])
    options.setdefault("options", {"verify_aud": "audience" in options})
    claims: dict[str, Any] = jwt.decode(token, key.key, algorithms=["RS256"], **options)
    return claims


class WebhookReceiver:
    """A real HTTP server on loopback that records every POST (headers and raw body).

    ``statuses`` are the answers to give, in turn (the last one repeats); ``hold``, when
    set, makes each request wait until the test sets it. Stop it with ``stop()``.
    """

    def __init__(self, statuses: tuple[int, ...] = (200,)) -> None:
        import http.server
        import threading

        self.received: list[tuple[dict[str, str], bytes]] = []
        self.statuses = list(statuses)
        self.hold: threading.Event | None = None
        self.arrived = threading.Condition()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                with receiver.arrived:
                    receiver.received.append((dict(self.headers.items()), body))
                    status = (
                        receiver.statuses.pop(0)
                        if len(receiver.statuses) > 1
                        else (receiver.statuses[0])
                    )
                    receiver.arrived.notify_all()
                if receiver.hold is not None:
                    receiver.hold.wait(30)
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/workos"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, count: int, timeout: float = 20.0) -> list[tuple[dict[str, str], bytes]]:
        """The first ``count`` requests, once they have arrived."""
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.received) >= count, timeout):
                raise AssertionError(f"{len(self.received)} webhooks arrived, not {count}")
            return list(self.received[:count])

    def stop(self) -> None:
        if self.hold is not None:
            self.hold.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def wait_for_delivery(
    http: httpx.Client | TestClient, event_id: str, state: str = "delivered", timeout: float = 20
) -> list[dict[str, Any]]:
    """The deliveries of one event, once none of them is pending and all are in ``state``."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        found = http.get("/_emulator/webhooks/deliveries", params={"event_id": event_id}).json()[
            "data"
        ]
        if found and all(d["state"] != "pending" for d in found):
            assert {d["state"] for d in found} == {state}, found
            return list(found)
        if time.monotonic() > deadline:
            raise AssertionError(f"deliveries of {event_id} still pending: {found}")
        time.sleep(0.02)
