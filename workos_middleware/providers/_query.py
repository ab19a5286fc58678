"""What the built-in providers share about the authorization request: which of the
sign-in's query parameters are passed on, and the code-flow fields with PKCE (S256)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

__all__ = ["MAX_PARAM_LENGTH", "code_flow_query", "passed_params"]

MAX_PARAM_LENGTH: Final = 512


def passed_params(query: Mapping[str, str], names: Iterable[str]) -> dict[str, str]:
    """The parameters of the sign-in's ``query`` named in ``names``: set, and at most
    :data:`MAX_PARAM_LENGTH` characters (a longer one is dropped)."""
    return {
        name: query[name]
        for name in names
        if query.get(name) and len(query[name]) <= MAX_PARAM_LENGTH
    }


def code_flow_query(
    params: Mapping[str, str], *, client_id: str, redirect_uri: str, state: str, code_challenge: str
) -> dict[str, str]:
    """``params`` plus the fields of an authorization-code request with PKCE (S256)."""
    return {
        **params,
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "state": state,
        "code_challenge": code_challenge,
        "code_challenge_method": "S256",
    }
