"""Records in, batches ready to store out: checked, canonicalised, flagged and merged, without the database.

This half of the pipeline is computation only, so it can run in a producer process
(``producer``) while the main process writes the previous batch. A ``Prepared`` batch is
columnar (one list per field), cheap to pickle and to zip into rows: its observables are the
batch's distinct ones, sorted, and its statements are merged per (observable, owner, kind) and
ordered by observable.
"""

from __future__ import annotations

import json
import secrets
import time
from collections import deque
from collections.abc import Iterable, Iterator
from multiprocessing.pool import AsyncResult, Pool
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aspjoc.intel.ingest.canon import Canon, Flags, Outcome, canonical_many
from aspjoc.intel.ingest.checks import Checker, MarkingKey
from aspjoc.intel.ingest.phases import Phases
from aspjoc.intel.ingest.records import Record, Rejected
from aspjoc.intel.ingest.sql import Dialect

TAG_LIMIT = 64  # tags kept per statement
TAG_LENGTH = 255  # characters per tag, as MISP allows
NO_TAGS = "[]"
HELPER_DEPTH = 1  # groups waiting at the helper processes; more are canonicalised here meanwhile
Canonicalised = tuple[list[Outcome], Flags]


@dataclass(slots=True)
class Statements:
    """The merged statements of a batch, one list per column, aligned.

    ``observable`` is a position in ``Prepared.observables``; ``marking`` a marking id, or
    ``-(k + 1)`` for the k-th key of ``Prepared.markings`` (stored by the writer); times are as
    the database stores them (``Dialect.ts``); ``tags`` a JSON array.
    """

    observable: list[int] = field(default_factory=list)
    uuid: list[str] = field(default_factory=list)
    owner: list[int] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)
    marking: list[int] = field(default_factory=list)
    crime_type: list[str | None] = field(default_factory=list)
    confidence: list[int] = field(default_factory=list)
    first_seen: list[Any] = field(default_factory=list)
    last_seen: list[Any] = field(default_factory=list)
    sightings: list[int] = field(default_factory=list)
    description: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.observable)


@dataclass(slots=True)
class Prepared:
    """One batch, ready for ``store.BatchWriter``.

    ``read`` counts the items of the batch (records and rejections); ``last_index`` is where a
    resumed run continues after it; ``stored`` the records that canonicalised, ``flagged`` those
    of them on a known-good list; ``flags`` (observable position, list name).
    """

    read: int = 0
    last_index: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    stored: int = 0
    flagged: int = 0
    observables: list[Canon] = field(default_factory=list)
    flags: list[tuple[int, str]] = field(default_factory=list)
    statements: Statements = field(default_factory=Statements)
    markings: list[MarkingKey] = field(default_factory=list)
    phases: tuple[dict[str, float], dict[str, float]] | None = None  # the producer's, for this batch


@dataclass(slots=True)
class _Group:
    """Items read for one batch: the good records with their owner and marking, and the rejections."""

    records: list[Record] = field(default_factory=list)
    owners: list[int] = field(default_factory=list)
    markings: list[int | MarkingKey] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    read: int = 0
    last_index: int = 0


def _ready(job: AsyncResult[Canonicalised] | Canonicalised) -> bool:
    return not isinstance(job, AsyncResult) or job.ready()


def uuids(count: int) -> list[str]:
    """``count`` new UUIDs, ascending: version 7 (RFC 9562), the time in milliseconds, then random bits and a counter.

    Ascending keys append to the statements' uuid index instead of landing on a random page each
    (random version-4 keys made every batch rewrite thousands of index pages), and making them
    in bulk costs less than ``uuid.uuid4`` per row.
    """
    if count > 1 << 20:
        return uuids(1 << 20) + uuids(count - (1 << 20))
    millis = time.time_ns() // 1_000_000
    # Fixed per call: the time, version 7, 12 random bits, the variant and 14 more random bits;
    # the last 48 bits are a random start (with room for 2**20 rows) counting up.
    h = "%032x" % ((millis << 80) | (0x7 << 76) | (secrets.randbits(12) << 64) | (0b10 << 62) | (secrets.randbits(14) << 48))
    prefix = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-"
    start = secrets.randbits(28) << 20
    return [prefix + "%012x" % n for n in range(start, start + count)]


class Preparer:
    """Turns the items of one run into ``Prepared`` batches of about ``batch_size`` items.

    Items at or before ``skip_through`` (a resumed run's position) are skipped. The first batch
    may be smaller (``first_batch`` items), so that a writer in another process starts sooner.
    ``phases`` accumulates the time spent reading, canonicalising and merging.
    """

    def __init__(self, checker: Checker, batch_size: int, region: str | None, dialect: Dialect, now: datetime,
                 skip_through: int = 0, phases: Phases | None = None, first_batch: int | None = None) -> None:
        self.checker = checker
        self.batch_size = batch_size
        self.first_batch = max(1, min(first_batch or batch_size, batch_size))
        self.region = region
        self.dialect = dialect
        self.now = now
        self.skip_through = skip_through
        self.phases = phases if phases is not None else Phases()
        self._timestamps: dict[datetime, Any] = {}
        self._tags: dict[tuple[str, ...], str] = {(): NO_TAGS}

    def batches(self, items: Iterable[Record | Rejected], helpers: Pool | None = None) -> Iterator[Prepared]:
        """The prepared batches of ``items``, in order; an error raised by ``items`` stops them.

        With ``helpers`` (a process pool), a group is canonicalised there whenever the pool has
        room, and here otherwise, so the work splits as the two keep up.
        """
        if helpers is None:
            for group in self.phases.through("read and check", self._groups(iter(items))):
                yield self.prepare(group)
            return
        pending: deque[tuple[_Group, AsyncResult[Canonicalised] | Canonicalised]] = deque()
        for group in self.phases.through("read and check", self._groups(iter(items))):
            if sum(1 for _, job in pending if isinstance(job, AsyncResult)) < HELPER_DEPTH:
                values, types = [r.value for r in group.records], [r.type for r in group.records]
                pending.append((group, helpers.apply_async(canonical_many, (values, types, self.region))))
            else:
                pending.append((group, self._canonicalise(group)))
            while pending and (len(pending) > HELPER_DEPTH + 1 or _ready(pending[0][1])):
                yield self._finish(*pending.popleft())
        while pending:
            yield self._finish(*pending.popleft())

    def _finish(self, group: _Group, job: AsyncResult[Canonicalised] | Canonicalised) -> Prepared:
        if isinstance(job, AsyncResult):
            with self.phases.timed("wait for helpers"):
                job = job.get()
        return self._merged(group, *job)

    def _groups(self, items: Iterator[Record | Rejected]) -> Iterator[_Group]:
        checker, size, skip = self.checker, self.batch_size, self.skip_through
        default_crime, org_id, run_marking = checker.crime_type, checker.org_id, checker.run_marking_id
        group = _Group()
        limit = self.first_batch
        for item in items:
            index = item.index
            if index <= skip:
                continue
            # A batch ends only between indexes: records sharing one (a STIX pattern's values) stay
            # together, so that resuming after the batch skips all of them or none.
            if group.read >= limit and index > group.last_index:
                yield group
                group, limit = _Group(), size
            group.read += 1
            if index > group.last_index:
                group.last_index = index
            if isinstance(item, Rejected):
                group.rejected.append(item)
                continue
            if item.crime_type is None and default_crime is not None:
                item.crime_type = default_crime
            problem = checker.problem(item)
            if problem is not None:
                group.rejected.append(Rejected(index, problem[0], problem[1], item.value or ""))
                continue
            group.records.append(item)
            if item.owner_org_id is None and item.marking is None:  # most records: the run's owner and marking
                group.owners.append(org_id)
                group.markings.append(run_marking)
            else:
                owner = checker.owner(item)
                group.owners.append(owner)
                group.markings.append(checker.marking(owner, item.marking))
        if group.read:
            yield group

    def prepare(self, group: _Group) -> Prepared:
        """Canonicalise, flag and merge one group of checked records."""
        return self._merged(group, *self._canonicalise(group))

    def _canonicalise(self, group: _Group) -> Canonicalised:
        with self.phases.timed("canonicalise"):
            return canonical_many([r.value for r in group.records], [r.type for r in group.records], self.region)

    def _merged(self, group: _Group, outcomes: list[Outcome], flags: Flags) -> Prepared:
        out = Prepared(read=group.read, last_index=group.last_index, rejected=group.rejected)
        with self.phases.timed("merge"):
            self._merge(group, outcomes, out)
            if flags:
                self._flag(outcomes, flags, out)
        return out

    def _merge(self, group: _Group, outcomes: list[Outcome], out: Prepared) -> None:
        found: dict[tuple[str, str, int, str], int] = {}  # statement key → position in the columns below
        canons: list[Canon] = []
        cols = Statements()
        marks: dict[MarkingKey, int] = {}
        ts, tags_of, now = self._ts, self._tags_json, self.now
        stamps = self._timestamps
        for record, owner, marking, outcome in zip(group.records, group.owners, group.markings, outcomes):
            if len(outcome) == 2:
                out.rejected.append(Rejected(record.index, outcome[0], outcome[1], record.value))
                continue
            if not isinstance(marking, int):
                marking = marks.setdefault(marking, -len(marks) - 1)
            last_seen = record.last_seen
            first = record.first_seen or last_seen or now
            first_ts = stamps.get(first) or ts(first)
            last_ts = (stamps.get(last_seen) or ts(last_seen)) if last_seen is not None and last_seen > first else first_ts
            key = (outcome[0], outcome[1], owner, record.kind)
            at = found.get(key)
            confidence = 50 if record.confidence is None else record.confidence
            if at is None:
                found[key] = len(canons)
                canons.append(outcome)
                cols.owner.append(owner)
                cols.kind.append(record.kind)
                cols.marking.append(marking)
                cols.crime_type.append(record.crime_type)
                cols.confidence.append(confidence)
                cols.first_seen.append(first_ts)
                cols.last_seen.append(last_ts)
                cols.sightings.append(1)
                cols.description.append(record.description)
                cols.tags.append(tags_of(record.tags) if record.tags else NO_TAGS)
                continue
            # A repeat within the batch: one more sighting; the newest marking, crime type,
            # confidence, description and tags win (blank ones keep the earlier).
            cols.sightings[at] += 1
            if first_ts < cols.first_seen[at]:
                cols.first_seen[at] = first_ts
            if last_ts > cols.last_seen[at]:
                cols.last_seen[at] = last_ts
            cols.marking[at] = marking
            cols.crime_type[at] = record.crime_type or cols.crime_type[at]
            cols.confidence[at] = confidence
            cols.description[at] = record.description or cols.description[at]
            if record.tags:
                cols.tags[at] = tags_of(record.tags)
        out.stored = sum(1 for o in outcomes if len(o) != 2)
        out.markings = list(marks)
        self._sort(canons, cols, out)

    def _sort(self, canons: list[Canon], cols: Statements, out: Prepared) -> None:
        """Number the distinct observables in sorted order, order the statements by them, give each a uuid.

        New observables get ascending ids in this order, so both the observables' index and the
        statements' (observable, owner, kind, source) index are walked once per batch rather than
        at random: on a million lines that saves the writer about two seconds.
        """
        distinct: dict[tuple[str, str], Canon] = {}
        for c in canons:
            distinct.setdefault((c[0], c[1]), c)
        keys = sorted(distinct)
        position = {key: i for i, key in enumerate(keys)}
        out.observables = [distinct[key] for key in keys]
        observable = [position[(c[0], c[1])] for c in canons]
        order = sorted(range(len(observable)), key=observable.__getitem__)
        st = out.statements
        st.observable = [observable[i] for i in order]
        st.uuid = uuids(len(order))
        for name in ("owner", "kind", "marking", "crime_type", "confidence", "first_seen", "last_seen", "sightings",
                     "description", "tags"):
            column = getattr(cols, name)
            setattr(st, name, [column[i] for i in order])

    def _flag(self, outcomes: list[Outcome], flags: Flags, out: Prepared) -> None:
        """The flags of the batch's observables by position; the records whose value is flagged, counted."""
        out.flags = [(position, name) for position, c in enumerate(out.observables) for name in flags.get((c[0], c[1]), ())]
        out.flagged = sum(1 for o in outcomes if len(o) != 2 and (o[0], o[1]) in flags)

    def _ts(self, value: datetime) -> Any:
        """``Dialect.ts``, remembered: feeds repeat their timestamps (and records without one share ``now``)."""
        found = self._timestamps.get(value)
        if found is None:
            if len(self._timestamps) > 1 << 16:
                self._timestamps.clear()
            found = self._timestamps[value] = self.dialect.ts(value)
        return found

    def _tags_json(self, tags: tuple[str, ...]) -> str:
        """The tags as a JSON array: at most ``TAG_LIMIT``, each cut to ``TAG_LENGTH`` characters, blanks and repeats dropped."""
        found = self._tags.get(tags)
        if found is None:
            kept = list(dict.fromkeys(t.strip()[:TAG_LENGTH] for t in tags if t and t.strip()))[:TAG_LIMIT]
            found = json.dumps(kept, ensure_ascii=False) if kept else NO_TAGS
            if len(self._tags) > 1 << 12:
                self._tags = {(): NO_TAGS}
            self._tags[tags] = found
        return found
