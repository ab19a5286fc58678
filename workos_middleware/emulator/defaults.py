"""The built-in test data, in the data-file shape, with ids that never change between runs.

``examples/emulator-data.json`` holds the same data; a test keeps the two equal.
"""

from __future__ import annotations

from typing import Any

EXAMPLE_ORG_ID = "org_01HVEXAMP0RG00000000000000"
ACME_ORG_ID = "org_01HVACME0RG000000000000000"
EXAMPLE_CONNECTION_ID = "conn_01HVEXAMPC0NN0000000000000"
ACME_CONNECTION_ID = "conn_01HVACMEC0NN00000000000000"
GOOGLE_CONNECTION_ID = "conn_01HVG00GC0NN00000000000000"
ALICE_ID = "prof_01HVA1CE000000000000000000"
BOB_ID = "prof_01HVB0B0000000000000000000"
CAROL_ID = "prof_01HVCAR0000000000000000000"
DANA_ID = "prof_01HVDANA000000000000000000"

DEFAULT_DATA: dict[str, Any] = {
    "redirect_uris": [],
    "organizations": [
        {
            "id": EXAMPLE_ORG_ID,
            "name": "Example",
            "domains": [
                {
                    "id": "org_domain_01HVEXAMPDM000000000000000",
                    "domain": "example.com",
                    "state": "verified",
                    "verification_strategy": "manual",
                }
            ],
            "allow_profiles_outside_organization": False,
            "external_id": None,
            "metadata": {},
            "created_at": "2024-01-01T00:00:00.000Z",
            "updated_at": "2024-01-01T00:00:00.000Z",
            "connections": [
                {
                    "id": EXAMPLE_CONNECTION_ID,
                    "name": "Example Okta",
                    "connection_type": "OktaSAML",
                    "state": "active",
                    "users": [
                        {
                            "id": ALICE_ID,
                            "idp_id": "00u1a1ce0examp1e0001",
                            "email": "alice@example.com",
                            "first_name": "Alice",
                            "last_name": "Anderson",
                            "name": "Alice Anderson",
                            "role": "admin",
                            "roles": ["admin"],
                            "groups": ["Engineering", "Admins"],
                            "custom_attributes": {"department": "Engineering"},
                            "raw_attributes": {},
                        },
                        {
                            "id": BOB_ID,
                            "idp_id": "00u1b0b00examp1e0002",
                            "email": "bob@example.com",
                            "first_name": "Bob",
                            "last_name": "Brown",
                            "name": "Bob Brown",
                            "role": "member",
                            "roles": ["member"],
                            "groups": ["Sales"],
                            "custom_attributes": {"department": "Sales"},
                            "raw_attributes": {},
                        },
                    ],
                }
            ],
        },
        {
            "id": ACME_ORG_ID,
            "name": "Acme",
            "domains": [
                {
                    "id": "org_domain_01HVACMEDM0000000000000000",
                    "domain": "acme.test",
                    "state": "verified",
                    "verification_strategy": "manual",
                }
            ],
            "allow_profiles_outside_organization": False,
            "external_id": None,
            "metadata": {},
            "created_at": "2024-01-02T00:00:00.000Z",
            "updated_at": "2024-01-02T00:00:00.000Z",
            "connections": [
                {
                    "id": ACME_CONNECTION_ID,
                    "name": "Acme Entra ID",
                    "connection_type": "AzureSAML",
                    "state": "active",
                    "users": [
                        {
                            "id": CAROL_ID,
                            "idp_id": "c0a7c4e0-3b1d-4a5e-9f00-acme00000001",
                            "email": "carol@acme.test",
                            "first_name": "Carol",
                            "last_name": "Chen",
                            "name": "Carol Chen",
                            "role": "member",
                            "roles": ["member"],
                            "groups": ["Finance"],
                            "custom_attributes": {},
                            "raw_attributes": {},
                        }
                    ],
                }
            ],
        },
    ],
    "connections": [
        {
            "id": GOOGLE_CONNECTION_ID,
            "name": "Google OAuth",
            "connection_type": "GoogleOAuth",
            "state": "active",
            "users": [
                {
                    "id": DANA_ID,
                    "idp_id": "108234567890123456789",
                    "email": "dana@gmail.com",
                    "first_name": "Dana",
                    "last_name": "Diaz",
                    "name": "Dana Diaz",
                    "role": "member",
                    "roles": ["member"],
                    "groups": [],
                    "custom_attributes": {},
                    "raw_attributes": {},
                }
            ],
        }
    ],
}
