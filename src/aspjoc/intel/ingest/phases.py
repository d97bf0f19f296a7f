"""Where an ingest spends its time, phase by phase (printed by the benchmark and the CLI's summary)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")


class Phases(dict[str, float]):
    """Wall-clock seconds per phase name, accumulated; ``cpu`` holds the calling thread's CPU seconds alike."""

    def __init__(self) -> None:
        super().__init__()
        self.cpu: dict[str, float] = {}

    @contextmanager
    def timed(self, name: str) -> Iterator[None]:
        started, cpu_started = time.perf_counter(), time.thread_time()
        try:
            yield
        finally:
            self[name] = self.get(name, 0.0) + time.perf_counter() - started
            self.cpu[name] = self.cpu.get(name, 0.0) + time.thread_time() - cpu_started

    def through(self, name: str, items: Iterator[T]) -> Iterator[T]:
        """Yield from ``items``, counting the time spent producing each one under ``name``."""
        while True:
            with self.timed(name):
                try:
                    item = next(items)
                except StopIteration:
                    return
            yield item
