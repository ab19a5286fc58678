"""A provider written outside the package (examples/custom_provider) plugs into the flow."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import respx

from workos_middleware import Provider

from support import APP_URL, Client
from support.idp import begin, finish, session_user

sys.path.insert(0, str(Path(__file__).parent.parent / "examples" / "custom_provider"))
from magic_idp import MagicIdP

MAGIC = "https://magic.test"


def test_custom_provider_signs_in_on_both_adapters(make_client: Callable[..., Client]) -> None:
    provider = MagicIdP(MAGIC, "magic-client", "magic-secret")
    assert isinstance(provider, Provider)
    client = make_client(providers=[provider])
    listed = client.get("/api/auth/providers").json()["magic"]
    assert listed["signinUrl"] == f"{APP_URL}/api/auth/signin/magic"
    assert "<span>Sign in with Magic IdP</span></button>" in client.get("/api/auth/signin").text

    with respx.mock() as router:
        exchange = router.post(f"{MAGIC}/exchange").respond(
            200, json={"uid": 42, "display_name": "Mia Magic", "mail": "mia@magic.test"}
        )
        params = begin(client, "magic")
        assert params["client_id"] == "magic-client" and params["code_challenge"]
        response = finish(client, "magic", params["state"])
    assert response.headers["location"] == f"{APP_URL}/dashboard"
    sent = json.loads(exchange.calls.last.request.content)
    assert sent["code"] == "code-1" and len(sent["verifier"]) >= 43
    assert session_user(client) == {"name": "Mia Magic", "email": "mia@magic.test", "image": None}


def test_custom_provider_state_is_checked_by_the_core(make_client: Callable[..., Client]) -> None:
    client = make_client(providers=[MagicIdP(MAGIC, "c", "s")])
    with respx.mock() as router:
        begin(client, "magic")
        response = finish(client, "magic", "not-the-state")
        assert not router.calls
    assert response.headers["location"] == f"{APP_URL}/api/auth/error?error=OAuthCallback"
    assert session_user(client) is None
