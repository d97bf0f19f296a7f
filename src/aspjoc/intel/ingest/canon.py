"""Canonicalisation and known-good look-up of chunks of values, in this process or in worker processes.

Canonicalising is most of the CPU cost of an ingest (URL splitting, phone number parsing), so a
large ingest hands chunks to a worker process on the other core while this one reads and writes.
Chunks and results are plain tuples, cheap to pickle. At most ``depth`` chunks are in flight, so
memory stays flat whatever the input size.
"""

from __future__ import annotations

import gc
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.pool import AsyncResult, Pool
from types import TracebackType
from typing import Generic, TypeVar

from aspjoc.errors import InvalidObservable
from aspjoc.intel.ingest import warninglists
from aspjoc.intel.ingest.phases import Phases
from aspjoc.observables import canonicalise

Jobs = tuple[list[str], list[str | None], str | None]  # values, types (None: detect), default region
# (type, value, country, domain, num_lo, num_hi, warning lists) or, for a refusal, (field, reason)
Canon = tuple[str, str, str | None, str | None, int | None, int | None, tuple[str, ...]]
Refusal = tuple[str, str]
Outcome = Canon | Refusal
Tag = TypeVar("Tag")


def canonicalise_chunk(jobs: Jobs) -> list[Outcome]:
    """Canonicalise each value (with its type, or detected) and look it up in the warning lists.

    ``jobs`` is (values, types, default region), kept as two flat lists so that pickling them to a
    worker stays cheap. A refusal is (field, reason).
    """
    values, types, region = jobs
    out: list[Outcome] = []
    found: list[int] = []
    for value, type in zip(values, types):
        try:
            c = canonicalise(value, type, default_region=region)
        except InvalidObservable as exc:
            out.append((exc.field, exc.reason))
            continue
        found.append(len(out))
        out.append((c.type.value, c.value, c.country, c.domain, c.num_lo, c.num_hi, ()))
    flags = warninglists.lists_for_many([(out[i][0], out[i][1]) for i in found])
    for i, names in zip(found, flags):
        if names:
            out[i] = (*out[i][:6], names)  # type: ignore[assignment]
    return out


def _quiet_collector() -> None:
    """In a worker: the collector ignores what the fork inherited and runs less often (see ``pipeline.fewer_collections``)."""
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)


def is_refusal(outcome: Outcome) -> bool:
    return len(outcome) == 2


class Canonicaliser(Generic[Tag]):
    """Runs ``canonicalise_chunk`` over tagged chunks, in order: inline (``workers=0``) or in worker processes.

    ``map`` yields (tag, outcomes) for each (tag, jobs) in the order given; the tag carries whatever
    the caller needs beside the results (the records of the chunk).
    """

    def __init__(self, workers: int = 0, depth: int = 3, phases: Phases | None = None) -> None:
        self.workers = workers
        self.depth = max(depth, workers + 1)
        self.phases = phases if phases is not None else Phases()
        self._pool: Pool | None = None

    def __enter__(self) -> Canonicaliser[Tag]:
        if self.workers > 0:
            # fork: the worker inherits the imported modules (a spawned one would spend a second
            # importing them); workers never touch the database.
            self._pool = multiprocessing.get_context("fork").Pool(self.workers, initializer=_quiet_collector)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._pool is not None:
            if kind is None:
                self._pool.close()
            else:
                self._pool.terminate()
            self._pool.join()
            self._pool = None

    def map(self, chunks: Iterable[tuple[Tag, Jobs]]) -> Iterator[tuple[Tag, list[Outcome]]]:
        if self._pool is None:
            for tag, jobs in chunks:
                with self.phases.timed("canonicalise"):
                    outcomes = canonicalise_chunk(jobs)
                yield tag, outcomes
            return
        pending: deque[tuple[Tag, AsyncResult[list[Outcome]]]] = deque()
        submit: Callable[[Jobs], AsyncResult[list[Outcome]]] = (
            lambda jobs: self._pool.apply_async(canonicalise_chunk, (jobs,)))  # type: ignore[union-attr]
        for tag, jobs in chunks:
            pending.append((tag, submit(jobs)))
            if len(pending) >= self.depth:
                yield self._next(pending)
        while pending:
            yield self._next(pending)

    def _next(self, pending: deque[tuple[Tag, AsyncResult[list[Outcome]]]]) -> tuple[Tag, list[Outcome]]:
        tag, result = pending.popleft()
        with self.phases.timed("wait for workers"):
            return tag, result.get()
