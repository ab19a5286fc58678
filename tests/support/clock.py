"""Clocks tests move by hand, so cookies, codes and tokens age without sleeping."""

from __future__ import annotations

import time


class FakeClock:
    """A time source for ``AuthConfig(clock=...)``: now, unless moved."""

    def __init__(self, offset: float = 0.0) -> None:
        self.offset = offset

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


class FrozenClock:
    """A clock standing still at ``start`` until a test moves it (the emulator's tests)."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
