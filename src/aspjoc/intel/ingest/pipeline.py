"""The streaming ingest pipeline: records in, marked and correlated statements out, batch by batch.

``ingest`` reads any iterable of ``Record``/``Rejected`` (a format reader, a TAXII or MISP intake),
checks, canonicalises and merges each batch (``prepare``; in a producer process when ``workers``
> 0, see ``producer``), and stores it in one transaction (``store.BatchWriter``): whole or not at
all. It is the one exception to the unit of work, so it takes the ``Database`` rather than a session.

Re-running the same input is idempotent: the same observables and statements, with sightings
and last seen moved on. A run with a ``resume_key`` that was interrupted (a crash, kill -9) is
continued by the next run with the same key from its last committed batch, so nothing is lost
or counted twice.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from aspjoc.access import Principal
from aspjoc.accounts.models import Organisation, Role, SharingGroup
from aspjoc.db import Database
from aspjoc.intel.ingest import runs
from aspjoc.intel.ingest.checks import Checker, MarkingKey, spec_of
from aspjoc.intel.ingest.models import RunStatus
from aspjoc.intel.ingest.options import IngestOptions
from aspjoc.intel.ingest.phases import Phases
from aspjoc.intel.ingest.prepare import Prepared, Preparer
from aspjoc.intel.ingest.producer import Producer
from aspjoc.intel.ingest.records import Record, Rejected
from aspjoc.intel.ingest.sql import Dialect
from aspjoc.intel.ingest.store import BatchCounts, BatchWriter
from aspjoc.intel.service import RETENTION
from aspjoc.marking import MarkingSpec, marking_id_for

__all__ = ["IngestOptions", "IngestReport", "ingest"]


@dataclass
class IngestReport:
    """What one run did. ``read`` counts records and rejections read; ``stored`` the records stored;
    ``new``/``updated`` the distinct statements created or re-sighted (a value repeated within a
    batch is one statement); ``rejections`` the first ``keep_rejections`` (all are in the database);
    ``flagged`` stored records whose value is on a known-good list; ``matches`` statements of this
    run whose observable another organisation also holds. A resumed run reports the whole run.
    """

    run_id: int
    read: int = 0
    stored: int = 0
    new: int = 0
    updated: int = 0
    rejected: int = 0
    rejections: list[Rejected] = field(default_factory=list)
    flagged: int = 0
    matches: int = 0
    seconds: float = 0.0
    status: str = RunStatus.RUNNING.value
    resumed_from: int = 0
    phases: Phases = field(default_factory=Phases)

    def add(self, counts: BatchCounts, keep: int) -> None:
        self.read += counts.read
        self.stored += counts.stored
        self.new += counts.new
        self.updated += counts.updated
        self.rejected += len(counts.rejected)
        room = keep - len(self.rejections)
        if room > 0:
            self.rejections.extend(counts.rejected[:room])
        self.flagged += counts.flagged
        self.matches += counts.matches


def _checker(db: Database, options: IngestOptions, principal: Principal | None, base: MarkingSpec,
             run_marking_id: int) -> Checker:
    with db.reader() as session:
        org_ids = frozenset(session.scalars(select(Organisation.id)))
        group_ids = frozenset(session.scalars(select(SharingGroup.id)))
    # Only an operator (no principal: the CLI, a configured source) or an administrator may
    # file records under another organisation (STIX created_by_ref, MISP Orgc).
    return Checker(options.org_id, base, run_marking_id, org_ids, group_ids,
                   principal is None or principal.role == Role.ADMIN.value, options.crime_type)


class _Markings:
    """Stored marking ids for the marking keys batches carry, remembered for the run."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.ids: dict[MarkingKey, int] = {}

    def ids_for(self, keys: list[MarkingKey]) -> list[int]:
        """The id of each key, storing the markings not stored yet (in their own transaction, before the batch's)."""
        missing = [key for key in keys if key not in self.ids]
        if missing:
            with self.db.unit_of_work() as session:
                for key in missing:
                    self.ids[key] = marking_id_for(session, spec_of(key))
        return [self.ids[key] for key in keys]


def _region(db: Database, options: IngestOptions) -> str | None:
    if options.default_region:
        return options.default_region
    with db.reader() as session:
        return session.scalar(select(Organisation.country).where(Organisation.id == options.org_id))


def ingest(db: Database, items: Iterable[Record | Rejected], options: IngestOptions, now: datetime,
           principal: Principal | None = None, progress: Callable[[int], None] | None = None) -> IngestReport:
    """Store ``items`` under ``options``, committing every ``batch_size`` items; return the run's report.

    ``progress`` is called after each committed batch with the number of items read so far. Bad
    records are rejected and stored with the run, never raised. An error that stops the run (a
    malformed document, a database failure) marks the run failed, keeps the batches committed
    before it, and is raised again.
    """
    started = time.perf_counter()
    spec = MarkingSpec(options.org_id, options.tlp, options.recipient_org_ids, frozenset(), options.recipient_group_ids,
                       options.handling, options.public_use)
    with db.unit_of_work() as session:
        run = runs.open_run(session, spec, options.source, options.format, options.resume_key, principal, now)
        run_id, run_marking, skip_through = run.id, run.marking_id, run.position
        report = IngestReport(run_id, read=run.read, stored=run.stored, new=run.new, updated=run.updated,
                              rejected=run.rejected, flagged=run.flagged, matches=run.matches, resumed_from=run.position)
    phases = report.phases
    # With a producer process, a smaller first batch lets the writer start while the rest is prepared.
    first_batch = options.batch_size // 8 if options.workers > 0 else None
    preparer = Preparer(_checker(db, options, principal, spec, run_marking), options.batch_size, _region(db, options),
                        Dialect.named(db.engine.dialect.name), now, skip_through, phases, first_batch)
    markings = _Markings(db)
    with fewer_collections():
        try:
            with db.engine.connect() as conn, Producer(lambda helpers: preparer.batches(items, helpers), options.workers, phases) as batches:
                writer = BatchWriter(conn, run_id, options.source, principal.user_id if principal else None, now,
                                     now + RETENTION, phases)
                try:
                    for batch in phases.through("wait for batches", batches):
                        _store(writer, markings, batch, report, options.keep_rejections)
                        if progress is not None:
                            progress(report.read)
                finally:
                    writer.release()
        except BaseException as exc:
            # Recorded, then raised again: the run must show as failed whatever stopped it.
            report.status = RunStatus.FAILED.value
            _close(db, report, started, f"{type(exc).__name__}: {exc}", principal, now)
            raise
        report.status = RunStatus.COMPLETE.value
        _close(db, report, started, "", principal, now)
        return report


def _store(writer: BatchWriter, markings: _Markings, batch: Prepared, report: IngestReport, keep: int) -> None:
    marking_ids = markings.ids_for(batch.markings) if batch.markings else []
    with writer.phases.timed("write"):
        counts = writer.write(batch, marking_ids)
    report.add(counts, keep)


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Run with the cyclic garbage collector called less often, and blind to the objects made before.

    A run allocates millions of short-lived tuples; at the default thresholds the collector walked
    the whole heap again and again. Disabling it outright let the cycles of rejected values'
    exceptions pile up (the heap doubled on a million lines), so it only slows down.
    """
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def _close(db: Database, report: IngestReport, started: float, error: str, principal: Principal | None,
           now: datetime) -> None:
    seconds = time.perf_counter() - started
    with db.unit_of_work() as session:
        run = runs.close_run(session, report.run_id, RunStatus(report.status), seconds, error, principal, now)
        report.seconds = run.seconds
