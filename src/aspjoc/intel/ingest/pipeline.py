"""The streaming ingest pipeline: records in, marked and correlated statements out, batch by batch.

``ingest`` reads any iterable of ``Record``/``Rejected`` (a format reader, a TAXII or MISP intake),
checks each record, canonicalises it (in a worker process when ``workers`` > 0), and stores each
batch in one transaction (``store.BatchWriter``): whole or not at all. It is the one exception
to the unit of work, so it takes the ``Database`` rather than a session.

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
from aspjoc.intel.ingest.canon import Canonicaliser, Jobs
from aspjoc.intel.ingest.models import RunStatus
from aspjoc.intel.ingest.phases import Phases
from aspjoc.intel.ingest.records import Record, RecordMarking, Rejected
from aspjoc.intel.ingest.store import Batch, BatchCounts, BatchWriter
from aspjoc.intel.models import CrimeType, StatementKind
from aspjoc.intel.service import RETENTION
from aspjoc.marking import TLP, Handling, MarkingSpec, marking_id_for

KINDS = frozenset(k.value for k in StatementKind)
CRIME_TYPES = frozenset(c.value for c in CrimeType)


@dataclass(frozen=True)
class IngestOptions:
    """How to store what is read: owner, default marking, source name, defaults for records.

    ``workers`` > 0 canonicalises in that many worker processes (for large files; the CLI uses
    one); ``resume_key`` names the input (for a file: its content digest) so an interrupted run
    is continued rather than repeated; ``keep_rejections`` is how many rejections the report
    carries in memory (all are stored).
    """

    org_id: int
    tlp: TLP
    source: str
    default_region: str | None = None
    handling: Handling = Handling.NONE
    public_use: bool = False
    recipient_org_ids: frozenset[int] = frozenset()
    recipient_group_ids: frozenset[int] = frozenset()
    crime_type: str | None = None
    batch_size: int = 5000
    format: str = ""
    workers: int = 0
    resume_key: str | None = None
    keep_rejections: int = 100


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


class _Checker:
    """Checks a record's fields and resolves its owner and marking to ids (cached for the run)."""

    def __init__(self, db: Database, options: IngestOptions, principal: Principal | None, base: MarkingSpec) -> None:
        self.options = options
        self.base = base
        self.db = db
        with db.reader() as session:
            self.org_ids = frozenset(session.scalars(select(Organisation.id)))
            self.group_ids = frozenset(session.scalars(select(SharingGroup.id)))
        # Only an operator (no principal: the CLI, a configured source) or an administrator may
        # file records under another organisation (STIX created_by_ref, MISP Orgc).
        self.may_act_for_others = principal is None or principal.role == Role.ADMIN.value
        self._markings: dict[tuple[int, TLP, Handling, bool, frozenset[int], frozenset[int]], int] = {}

    def problem(self, record: Record) -> tuple[str, str] | None:
        """(field, reason) when a record cannot be stored as given, else None."""
        if not record.value or not record.value.strip():
            return "value", "the value is empty"
        if record.kind not in KINDS:
            return "kind", f"'{record.kind}' is not one of {', '.join(sorted(KINDS))}"
        if record.crime_type is not None and record.crime_type not in CRIME_TYPES:
            return "crime_type", f"'{record.crime_type}' is not one of {', '.join(sorted(CRIME_TYPES))}"
        if record.confidence is not None and not 0 <= record.confidence <= 100:
            return "confidence", f"{record.confidence} is outside 0-100"
        if record.first_seen and record.last_seen and record.last_seen < record.first_seen:
            return "last_seen", "is before first_seen"
        return None

    def owner(self, record: Record) -> int:
        wanted = record.owner_org_id
        if wanted is not None and wanted in self.org_ids and self.may_act_for_others:
            return wanted
        return self.options.org_id

    def marking_id(self, owner: int, marking: RecordMarking | None) -> int:
        """The marking for a record: the run's, narrowed by the record's own (the stricter TLP wins)."""
        base = self.base
        tlp, handling, public_use = base.tlp, base.handling, base.public_use
        orgs, groups = base.orgs, base.groups
        if marking is not None:
            tlp = max(tlp, marking.tlp) if marking.tlp is not None else tlp
            handling |= marking.handling
            public_use = public_use and marking.public_use is not False
            if marking.org_ids or marking.group_ids:
                orgs = marking.org_ids & self.org_ids
                groups = marking.group_ids & self.group_ids
        key = (owner, TLP(tlp), Handling(handling), public_use, orgs, groups)
        found = self._markings.get(key)
        if found is None:
            with self.db.unit_of_work() as session:
                found = marking_id_for(session, MarkingSpec(owner, TLP(tlp), orgs, frozenset(), groups,
                                                            Handling(handling), public_use))
            self._markings[key] = found
        return found


def _batches(items: Iterable[Record | Rejected], options: IngestOptions, checker: _Checker, region: str | None,
             skip_through: int, run_marking: int) -> Iterator[tuple[Batch, Jobs]]:
    """Group items into checked batches with their canonicalisation jobs; items at or before ``skip_through`` are skipped."""
    batch, values, types = Batch(), list[str](), list[str | None]()
    default_crime = options.crime_type
    for item in items:
        if item.index <= skip_through:
            continue
        # A batch ends only between indexes: records sharing one (a STIX pattern's values) stay
        # together, so that resuming after the batch skips all of them or none.
        if batch.read >= options.batch_size and item.index > batch.last_index:
            yield batch, (values, types, region)
            batch, values, types = Batch(), list[str](), list[str | None]()
        batch.read += 1
        batch.last_index = max(batch.last_index, item.index)
        if isinstance(item, Rejected):
            batch.rejected.append(item)
        else:
            if item.crime_type is None and default_crime is not None:
                item.crime_type = default_crime
            problem = checker.problem(item)
            if problem is not None:
                batch.rejected.append(Rejected(item.index, problem[0], problem[1], item.value or ""))
            else:
                owner = checker.owner(item)
                batch.records.append(item)
                batch.owners.append(owner)
                batch.marking_ids.append(run_marking if item.marking is None and owner == options.org_id
                                         else checker.marking_id(owner, item.marking))
                values.append(item.value)
                types.append(item.type)
    if batch.read:
        yield batch, (values, types, region)


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
    checker = _Checker(db, options, principal, spec)
    region = _region(db, options)
    with fewer_collections():
        try:
            phases = report.phases
            with db.engine.connect() as conn, Canonicaliser[Batch](options.workers, phases=phases) as canon:
                writer = BatchWriter(conn, run_id, options.source, principal.user_id if principal else None, now,
                                     now + RETENTION, phases)
                batches = phases.through("read and check", _batches(items, options, checker, region, skip_through, run_marking))
                try:
                    for batch, outcomes in canon.map(batches):
                        with phases.timed("write"):
                            counts = writer.write(batch, outcomes)
                        report.add(counts, options.keep_rejections)
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
