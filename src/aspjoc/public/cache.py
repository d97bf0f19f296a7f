"""A small in-process cache whose entries expire after a fixed time (the check's answers)."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TTLCache(Generic[K, V]):
    """Entries live ``seconds`` (0 disables the cache). When ``max_entries`` is reached the expired
    entries are dropped, and if that frees nothing the whole cache is emptied: a cheap bound on memory
    that costs one burst of misses.
    """

    def __init__(self, seconds: float, max_entries: int = 100_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        self._clock = clock
        self._entries: dict[K, tuple[float, V]] = {}

    def get(self, key: K) -> V | None:
        """The live value for ``key``, or None when absent or expired."""
        found = self._entries.get(key)
        if found is None:
            return None
        if found[0] <= self._clock():
            self._entries.pop(key, None)
            return None
        return found[1]

    def put(self, key: K, value: V) -> None:
        if self.seconds <= 0:
            return
        now = self._clock()
        if len(self._entries) >= self.max_entries:
            self._entries = {k: e for k, e in self._entries.items() if e[0] > now}
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
        self._entries[key] = (now + self.seconds, value)

    def discard(self, key: K) -> None:
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
