"""A circuit breaker for a provider: after a run of failures it fails fast for a while, so a
dead or hanging provider costs one time-out now and then instead of one per message."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from booking.messaging.sending import SendError


class CircuitBreaker:
    """Closed: calls go through. Open (after `failures` in a row): calls fail at once for
    `cool_off` seconds. Then one call is let through to test the water."""

    def __init__(self, name: str, *, failures: int = 5, cool_off: float = 30.0,
                 clock: Callable[[], float] = time.monotonic):
        self.name, self.failures, self.cool_off = name, failures, cool_off
        self._clock = clock
        self._lock = threading.Lock()
        self._run = 0
        self._open_until = 0.0

    def check(self) -> None:
        """Raise a transient SendError while open (the outbox retries it later)."""
        with self._lock:
            now = self._clock()
            if self._run >= self.failures and now < self._open_until:
                raise SendError(f"{self.name} unavailable (circuit open)", permanent=False,
                                retry_after=self._open_until - now)

    def succeeded(self) -> None:
        """A call went through: close."""
        with self._lock:
            self._run = 0

    def failed(self) -> None:
        """A transient failure (time-out, 5xx): one more towards opening."""
        with self._lock:
            self._run += 1
            if self._run >= self.failures:
                self._open_until = self._clock() + self.cool_off
