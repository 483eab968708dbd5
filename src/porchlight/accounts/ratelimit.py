"""A sliding-window limit on login attempts per client address.

It lives in the server process.  That is enough for one server; several servers
behind a balancer would share a Redis-backed window instead (see docs/architecture.md).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class SlidingWindowLimiter:
    """Allow at most ``limit`` events per ``window`` seconds for each key."""

    def __init__(
        self, limit: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> int:
        """Record an event; return 0 if allowed, else seconds until one more is allowed."""
        now = self._clock()
        with self._lock:
            events = self._events.setdefault(key, deque())
            while events and events[0] <= now - self._window:
                events.popleft()
            if len(events) >= self._limit:
                return int(events[0] + self._window - now) + 1
            events.append(now)
            if len(self._events) > 100_000:  # Forget idle clients rather than grow forever.
                self._events = {k: v for k, v in self._events.items() if v}
            return 0
