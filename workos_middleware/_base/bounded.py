"""The one bounded memo the request path keeps: :func:`keep`.

Verified cookie values, verified session ids, a store's local cache of reads, recent
Cookie headers: each is a dict that only grows by :func:`keep`, so its insertion order
is its age order, and past its limit the oldest entry goes first.
"""

from __future__ import annotations

import contextlib
from typing import TypeVar

__all__ = ["keep"]

K = TypeVar("K")
V = TypeVar("V")


def keep(memo: dict[K, V], key: K, value: V, limit: int) -> None:
    """Put ``key`` in ``memo``, first dropping the oldest entries past ``limit``.

    Safe under threads without a lock: another thread may have dropped the oldest
    entry first, or changed the dict while it was looked at; either is fine.
    """
    while len(memo) >= limit:
        with contextlib.suppress(KeyError, RuntimeError, StopIteration):
            del memo[next(iter(memo))]
    memo[key] = value
