"""Sign-in limits: a sliding window of attempts per client address, and the failure
count of emails that have no account (counted like real ones, so that a lockout answer
does not reveal which emails are registered).

By default both live in the server process, which is enough for one server.  Several
server processes (or machines behind a balancer) share them through Redis
(``PORCHLIGHT_REDIS_URL``): the same limits then hold whichever process answers.
"""

from __future__ import annotations

import math
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from porchlight.db import utcnow


class Limiter(Protocol):
    def hit(self, key: str) -> int:
        """Record an event; return 0 if allowed, else seconds until one more is allowed."""
        ...


class FailureCounter(Protocol):
    def locked_until(self, key: str) -> datetime | None:
        """When the lockout of ``key`` ends, if it is locked."""
        ...

    def fail(self, key: str) -> None:
        """Count a failure; the ``limit``-th in a row locks the key for a while."""
        ...


class SlidingWindowLimiter:
    """Allow at most ``limit`` events per ``window`` seconds for each key (in-process)."""

    def __init__(
        self, limit: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> int:
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


class MemoryFailureCounter:
    """Failures per key in the process, with a lockout after ``limit`` in a row."""

    def __init__(self, limit: int, lockout: timedelta) -> None:
        self._limit = limit
        self._lockout = lockout
        self._state: dict[str, tuple[int, datetime | None]] = {}
        self._lock = threading.Lock()

    def locked_until(self, key: str) -> datetime | None:
        with self._lock:
            return self._state.get(key, (0, None))[1]

    def fail(self, key: str) -> None:
        with self._lock:
            if len(self._state) > 100_000:  # Forget old entries rather than grow forever.
                self._state.clear()
            count = self._state.get(key, (0, None))[0] + 1
            if count >= self._limit:
                self._state[key] = (0, utcnow() + self._lockout)
            else:
                self._state[key] = (count, None)


class RedisSlidingWindowLimiter:
    """The same window in Redis: a sorted set of attempt times per key, trimmed and
    counted in one transaction, so that every server process sees every attempt."""

    def __init__(self, redis: Any, limit: int, window: float = 60.0, prefix: str = "") -> None:
        self._redis = redis
        self._limit = limit
        self._window = window
        self._prefix = f"{prefix}ratelimit:"

    def hit(self, key: str) -> int:
        name = self._prefix + key
        now = time.time()
        member = f"{now:.6f}-{secrets.token_hex(4)}"
        pipe = self._redis.pipeline(transaction=True)
        pipe.zremrangebyscore(name, 0, now - self._window)
        pipe.zadd(name, {member: now})
        pipe.zcard(name)
        pipe.expire(name, math.ceil(self._window))
        _, _, count, _ = pipe.execute()
        if count <= self._limit:
            return 0
        self._redis.zrem(name, member)  # a refused attempt does not count
        oldest = self._redis.zrange(name, 0, 0, withscores=True)
        start = oldest[0][1] if oldest else now
        return int(start + self._window - now) + 1


class RedisFailureCounter:
    """Failures per key in Redis: a counter that expires with the lockout period, and a
    lock key whose value is when it ends."""

    def __init__(self, redis: Any, limit: int, lockout: timedelta, prefix: str = "") -> None:
        self._redis = redis
        self._limit = limit
        self._lockout = lockout
        self._prefix = f"{prefix}failures:"

    def locked_until(self, key: str) -> datetime | None:
        value = self._redis.get(self._prefix + key + ":locked")
        if value is None:
            return None
        return datetime.fromisoformat(value.decode() if isinstance(value, bytes) else value)

    def fail(self, key: str) -> None:
        name = self._prefix + key
        seconds = max(1, int(self._lockout.total_seconds()))
        pipe = self._redis.pipeline(transaction=True)
        pipe.incr(name)
        pipe.expire(name, seconds)
        count, _ = pipe.execute()
        if count >= self._limit:
            until = utcnow() + self._lockout
            pipe = self._redis.pipeline(transaction=True)
            pipe.set(name + ":locked", until.isoformat(), ex=seconds)
            pipe.delete(name)
            pipe.execute()
