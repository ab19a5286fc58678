"""The embedded emulator's helpers: who the demo lists, and that each of them can sign in."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from workos_middleware.emulator.embedded import demo_users

from emulator_helpers import API_KEY, sign_in, token_fields


def test_the_demo_lists_the_users_an_email_reaches() -> None:
    assert demo_users() == [
        "Alice Anderson <alice@example.com> (Example)",
        "Bob Brown <bob@example.com> (Example)",
        "Carol Chen <carol@acme.test> (Acme)",
    ]


def profile_id(client: TestClient, email: str) -> str:
    data = client.get("/_emulator/data").json()
    connections = [c for o in data["organizations"] for c in o["connections"]]
    return str(next(u["id"] for c in connections for u in c["users"] if u["email"] == email))


@pytest.mark.parametrize("listed", demo_users())
def test_every_listed_user_signs_in_by_email(client: TestClient, listed: str) -> None:
    """What the demo's sign-in page does: the organization of the email's domain, then SSO."""
    email = listed[listed.index("<") + 1 : listed.index(">")]
    auth = {"Authorization": f"Bearer {API_KEY}"}
    found = client.get("/organizations", params={"domains": email.split("@")[1]}, headers=auth)
    [organization] = found.json()["data"]
    query = sign_in(client, profile_id(client, email), organization=organization["id"])
    profile = client.post("/sso/token", json=token_fields(query["code"])).json()["profile"]
    assert profile["email"] == email
