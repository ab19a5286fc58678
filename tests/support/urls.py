"""Reading URLs: the query of a Location, one value per name or all of them."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit


def query_lists(url: str) -> dict[str, list[str]]:
    """Every value of every query parameter of ``url``."""
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


def query_of(url: str) -> dict[str, str]:
    """The query parameters of ``url``, the first value of each."""
    return {name: values[0] for name, values in query_lists(url).items()}


def path_of(url: str) -> str:
    return urlsplit(url).path
