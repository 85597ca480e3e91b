"""A small in-memory sliding-window limiter (login attempts per IP, on top of account lockout).

One process keeps its own window; that is enough to slow password spraying from one address. A
deployment with several app processes behind a balancer limits at the proxy as well.
"""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime, timedelta
from typing import ClassVar

from anju.errors import AnjuError


class TooManyRequests(AnjuError):
    """Too many attempts from one address in a short time: 429."""

    http_status: ClassVar[int] = 429
    family: ClassVar[str] = "rate_limited"


class SlidingWindowLimiter:
    def __init__(self, limit: int, window: timedelta, *, max_keys: int = 10_000) -> None:
        self.limit = limit
        self.window = window
        self._max_keys = max_keys
        self._hits: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: datetime) -> deque[datetime]:
        hits = self._hits.get(key)
        if hits is None:
            return deque()
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if not hits:
            del self._hits[key]
        return hits

    def _wait(self, key: str, now: datetime) -> int | None:
        hits = self._recent(key, now)
        if len(hits) < self.limit:
            return None
        return max(1, int((hits[0] + self.window - now).total_seconds()) + 1)

    def retry_after(self, key: str, now: datetime) -> int | None:
        """Seconds until `key` may try again, or None if it may try now."""
        with self._lock:
            return self._wait(key, now)

    def check(self, key: str, now: datetime, *, code: str = "login_rate_limited") -> None:
        """Refuse (429 with `code`) while `key` is over the limit; counts nothing (failures are hit)."""
        wait = self.retry_after(key, now)
        if wait is not None:
            raise TooManyRequests(code, seconds=wait)

    def take(self, key: str, now: datetime, *, code: str) -> None:
        """Count one attempt for `key`, or refuse it (429 with `code`) while over the limit: for
        limits on every attempt, checked and counted under one lock."""
        with self._lock:
            wait = self._wait(key, now)
            if wait is not None:
                raise TooManyRequests(code, seconds=wait)
            self._add(key, now)

    def hit(self, key: str, now: datetime) -> None:
        with self._lock:
            self._add(key, now)

    def _add(self, key: str, now: datetime) -> None:
        if key not in self._hits and len(self._hits) >= self._max_keys:
            # Forget the address seen longest ago rather than grow without bound.
            oldest = min(self._hits, key=lambda k: self._hits[k][-1])
            del self._hits[oldest]
        self._hits.setdefault(key, deque()).append(now)
