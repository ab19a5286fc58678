"""GET /organizations and GET /organizations/{id}: API key, domain filter, pages, shapes."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from workos_middleware.emulator.defaults import ACME_ORG_ID, EXAMPLE_ORG_ID

from emulator_helpers import API_KEY

AUTH = {"Authorization": f"Bearer {API_KEY}"}


def ids(body: dict[str, Any]) -> list[str]:
    return [item["id"] for item in body["data"]]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer sk_wrong"}])
def test_the_api_key_is_required(client: TestClient, headers: dict[str, str]) -> None:
    for path in ("/organizations", f"/organizations/{EXAMPLE_ORG_ID}"):
        response = client.get(path, headers=headers)
        assert response.status_code == 401
        assert "message" in response.json()


def test_list_by_domain_has_the_workos_shape(client: TestClient) -> None:
    response = client.get("/organizations", params={"domains": "example.com"}, headers=AUTH)
    assert response.status_code == 200
    body = response.json()
    assert body["object"] == "list"
    assert body["list_metadata"] == {"before": None, "after": None}
    [org] = body["data"]
    assert org == {
        "object": "organization",
        "id": EXAMPLE_ORG_ID,
        "name": "Example",
        "allow_profiles_outside_organization": False,
        "domains": [
            {
                "object": "organization_domain",
                "id": "org_domain_01HVEXAMPDM000000000000000",
                "organization_id": EXAMPLE_ORG_ID,
                "domain": "example.com",
                "state": "verified",
                "verification_strategy": "manual",
                "verification_token": None,
                "verification_prefix": None,
                "created_at": "2024-01-01T00:00:00.000Z",
                "updated_at": "2024-01-01T00:00:00.000Z",
            }
        ],
        "metadata": {},
        "external_id": None,
        "stripe_customer_id": None,
        "created_at": "2024-01-01T00:00:00.000Z",
        "updated_at": "2024-01-01T00:00:00.000Z",
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("domains=ACME.test", [ACME_ORG_ID]),
        ("domains=gmail.com", []),
        ("domains=example.com,acme.test", [ACME_ORG_ID, EXAMPLE_ORG_ID]),
        ("domains=example.com&domains=acme.test", [ACME_ORG_ID, EXAMPLE_ORG_ID]),
        ("domains[]=acme.test", [ACME_ORG_ID]),
        ("", [ACME_ORG_ID, EXAMPLE_ORG_ID]),
        ("order=asc", [EXAMPLE_ORG_ID, ACME_ORG_ID]),
        ("search=acm", [ACME_ORG_ID]),
    ],
)
def test_list_filters(client: TestClient, query: str, expected: list[str]) -> None:
    response = client.get(f"/organizations?{query}", headers=AUTH)
    assert ids(response.json()) == expected


def test_list_pages(client: TestClient) -> None:
    first = client.get("/organizations?limit=1", headers=AUTH).json()
    assert ids(first) == [ACME_ORG_ID]
    assert first["list_metadata"] == {"before": None, "after": ACME_ORG_ID}
    second = client.get(f"/organizations?limit=1&after={ACME_ORG_ID}", headers=AUTH).json()
    assert ids(second) == [EXAMPLE_ORG_ID]
    assert second["list_metadata"] == {"before": EXAMPLE_ORG_ID, "after": None}
    back = client.get(f"/organizations?limit=1&before={EXAMPLE_ORG_ID}", headers=AUTH).json()
    assert ids(back) == [ACME_ORG_ID]


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=x", "order=sideways"])
def test_bad_list_parameters_are_422(client: TestClient, query: str) -> None:
    response = client.get(f"/organizations?{query}", headers=AUTH)
    assert response.status_code == 422
    assert "message" in response.json()


def test_get_by_id(client: TestClient) -> None:
    response = client.get(f"/organizations/{ACME_ORG_ID}", headers=AUTH)
    assert response.status_code == 200
    assert response.json()["name"] == "Acme"
    assert response.json()["domains"][0]["domain"] == "acme.test"


def test_get_unknown_is_404(client: TestClient) -> None:
    response = client.get("/organizations/org_nope", headers=AUTH)
    assert response.status_code == 404
    assert "org_nope" in response.json()["message"]


def test_unknown_paths_answer_json(client: TestClient) -> None:
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert response.json() == {"message": "Not Found"}
    assert client.delete("/sso/token").status_code == 405
