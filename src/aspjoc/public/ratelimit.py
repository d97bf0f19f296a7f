"""Per-client rate limits: one token bucket per client address, kept in memory only.

A client's address lives here only while its bucket is not full again; ``prune`` drops
addresses whose buckets have refilled, so nothing is kept longer than the limit needs, and
nothing is ever written to the database.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from aspjoc.errors import RateLimited

PRUNE_EVERY = 1024


class RateLimiter:
    """``capacity`` requests at once, refilled at ``capacity`` per ``period`` seconds; ``exempt`` addresses pass freely."""

    def __init__(self, capacity: int, period: float, exempt: frozenset[str] = frozenset(),
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(capacity)
        self.rate = capacity / period
        self.exempt = exempt
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()
        self._hits = 0

    def wait_for(self, client: str) -> float:
        """Take one token for ``client``: 0.0 when allowed, otherwise the seconds until a token is free."""
        if client in self.exempt:
            return 0.0
        now = self._clock()
        with self._lock:
            tokens, stamp = self._buckets.get(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - stamp) * self.rate)
            self._hits += 1
            if self._hits % PRUNE_EVERY == 0:
                self._prune(now)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                return 0.0
            self._buckets[client] = (tokens, now)
            return (1.0 - tokens) / self.rate

    def take(self, client: str, field: str) -> None:
        """Raise RateLimited (429, naming ``field``, with whole seconds to wait) when ``client`` is over its limit."""
        wait = self.wait_for(client)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            raise RateLimited(field, f"too many requests from your address; try again in {seconds} seconds", seconds)

    def prune(self) -> None:
        with self._lock:
            self._prune(self._clock())

    def _prune(self, now: float) -> None:
        full = [client for client, (tokens, stamp) in self._buckets.items()
                if tokens + (now - stamp) * self.rate >= self.capacity]
        for client in full:
            del self._buckets[client]

    def clients(self) -> int:
        """How many addresses are held right now."""
        return len(self._buckets)
