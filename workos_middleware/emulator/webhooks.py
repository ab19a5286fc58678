"""Webhook delivery: each event POSTed to each registered endpoint, signed as WorkOS signs.

``WorkOS-Signature: t=<unix milliseconds>, v1=<hex HMAC-SHA256 of "<t>.<raw body>" under the
endpoint's secret>``. Deliveries run on one background thread per emulator, so the request
that caused the event (a dashboard button) answers at once; each attempt has a timeout, a
failed one (no answer, or a status other than 2xx) is retried after a delay, and every attempt
is recorded for the dashboard and ``GET /_emulator/webhooks/deliveries``.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import itertools
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

from .data import WebhookEndpoint
from .ids import new_id

SIGNATURE_HEADER = "WorkOS-Signature"
TIMEOUT = 5.0
"""Seconds one attempt may take (connect and answer)."""
RETRY_DELAYS = (1.0, 3.0)
"""Seconds before the second and third attempts; after the third a delivery has failed."""
MAX_DELIVERIES = 1000
USER_AGENT = "WorkOS-Emulator-Webhooks/1"


def sign(secret: str, body: bytes, timestamp_ms: int) -> str:
    """The ``WorkOS-Signature`` header of ``body`` sent at ``timestamp_ms``."""
    signed = f"{timestamp_ms}.".encode() + body
    digest = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp_ms}, v1={digest}"


@dataclass
class Attempt:
    """One POST of a delivery: when (emulator clock), the status or the error."""

    at: float
    status: int | None = None
    error: str | None = None


@dataclass
class Delivery:
    """One event for one endpoint: ``pending`` until it is ``delivered`` or has ``failed``."""

    id: str
    event_id: str
    event: str
    endpoint_id: str
    url: str
    secret: str = field(repr=False)
    body: bytes = field(repr=False)
    state: str = "pending"
    attempts: list[Attempt] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "event_id": self.event_id,
            "event": self.event,
            "endpoint_id": self.endpoint_id,
            "url": self.url,
            "state": self.state,
            "attempts": [{"at": a.at, "status": a.status, "error": a.error} for a in self.attempts],
        }


class Deliverer:
    """Sends deliveries from a daemon thread, started on first use.

    ``clock`` (the emulator's) stamps the signature and the attempts, so a test that moves
    the emulator's clock gets webhooks signed at that time; waits between attempts use the
    real monotonic clock.
    """

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        timeout: float = TIMEOUT,
        retry_delays: Iterable[float] = RETRY_DELAYS,
    ) -> None:
        self.clock = clock
        self.timeout = timeout
        self.retry_delays = tuple(retry_delays)
        self._lock = threading.Condition()
        self._queue: list[tuple[float, int, int, Delivery]] = []
        self._order = itertools.count()
        self._generation = 0
        self._deliveries: list[Delivery] = []
        self._thread: threading.Thread | None = None

    def send(
        self, event_id: str, event: str, body: bytes, endpoints: Iterable[WebhookEndpoint]
    ) -> list[Delivery]:
        """Queue ``body`` (the event's JSON) for each endpoint subscribed to ``event``."""
        made = [
            Delivery(
                id=new_id("delivery", self.clock()),
                event_id=event_id,
                event=event,
                endpoint_id=endpoint.id,
                url=endpoint.url,
                secret=endpoint.secret,
                body=body,
            )
            for endpoint in endpoints
            if endpoint.wants(event)
        ]
        if not made:
            return made
        with self._lock:
            for delivery in made:
                self._deliveries.append(delivery)
                self._push(time.monotonic(), delivery)
            del self._deliveries[:-MAX_DELIVERIES]
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="emulator-webhooks", daemon=True
                )
                self._thread.start()
            self._lock.notify()
        return made

    def deliveries(self) -> list[dict[str, Any]]:
        with self._lock:
            return [d.to_json() for d in self._deliveries]

    def clear(self) -> None:
        """Forget every delivery, and drop those still waiting for an attempt."""
        with self._lock:
            self._generation += 1
            self._queue.clear()
            self._deliveries.clear()

    def _push(self, due: float, delivery: Delivery) -> None:
        heapq.heappush(self._queue, (due, next(self._order), self._generation, delivery))

    def _next(self) -> tuple[int, Delivery]:
        with self._lock:
            while True:
                now = time.monotonic()
                if self._queue and self._queue[0][0] <= now:
                    _, _, generation, delivery = heapq.heappop(self._queue)
                    if generation == self._generation:
                        return generation, delivery
                    continue
                wait = self._queue[0][0] - now if self._queue else None
                self._lock.wait(wait)

    def _run(self) -> None:
        # Straight to the endpoint: no proxy from the environment, no redirects followed.
        with httpx.Client(timeout=self.timeout, follow_redirects=False, trust_env=False) as http:
            while True:
                generation, delivery = self._next()
                attempt = self._attempt(http, delivery)
                with self._lock:
                    if generation != self._generation:
                        continue
                    delivery.attempts.append(attempt)
                    if attempt.status is not None and 200 <= attempt.status < 300:
                        delivery.state = "delivered"
                    elif len(delivery.attempts) > len(self.retry_delays):
                        delivery.state = "failed"
                    else:
                        delay = self.retry_delays[len(delivery.attempts) - 1]
                        self._push(time.monotonic() + delay, delivery)

    def _attempt(self, http: httpx.Client, delivery: Delivery) -> Attempt:
        now = self.clock()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            SIGNATURE_HEADER: sign(delivery.secret, delivery.body, int(now * 1000)),
        }
        try:
            # The answer's body is not read: only its status counts.
            with http.stream(
                "POST", delivery.url, content=delivery.body, headers=headers
            ) as answer:
                return Attempt(now, status=answer.status_code)
        except Exception as exc:  # any failure is the attempt's, not the thread's
            return Attempt(now, error=f"{type(exc).__name__}: {exc}".rstrip(": "))
