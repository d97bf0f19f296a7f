"""Records in, batches ready to store out: checked, canonicalised, flagged and merged, without the database.

This half of the pipeline is computation only, so it can run in a producer process
(``producer``) while the main process writes the previous batch. A ``Prepared`` batch is
columnar (one list per field), cheap to pickle and to zip into rows: its observables are the
batch's distinct ones, sorted, and its statements are merged per (observable, owner, kind) and
ordered by observable.

The producer reads and checks the items into groups, already columnar too, so that a helper
process can take a whole group: it canonicalises and merges it and hands back the batch pickled,
which the producer passes on to the writer as it is.
"""

from __future__ import annotations

import pickle
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
from aspjoc.intel.tags import NO_TAGS, stored_tags

HELPER_DEPTH = 1  # groups waiting at each helper process; more are prepared here meanwhile


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
    """Items read for one batch: the good records' fields, one list per field, and the rejections.

    Times are as the database stores them and tags a JSON array, as in ``Statements``; a record
    without a first-seen time has its last-seen time or the run's ``now``.
    """

    index: list[int] = field(default_factory=list)
    value: list[str] = field(default_factory=list)
    type: list[str | None] = field(default_factory=list)
    owner: list[int] = field(default_factory=list)
    marking: list[int | MarkingKey] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)
    crime_type: list[str | None] = field(default_factory=list)
    confidence: list[int] = field(default_factory=list)
    first_seen: list[Any] = field(default_factory=list)
    last_seen: list[Any] = field(default_factory=list)
    description: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    read: int = 0
    last_index: int = 0


Job = AsyncResult[bytes]  # a group a helper prepares: the batch comes back pickled


def _ready(job: Job | Prepared) -> bool:
    return not isinstance(job, AsyncResult) or job.ready()


def prepare_elsewhere(group: _Group, region: str | None) -> bytes:
    """In a helper process: ``group`` canonicalised and merged, pickled as the producer sends a batch.

    The time spent is recorded with the batch under phases of their own.
    """
    phases = Phases()
    with phases.timed("canonicalise (helpers)"):
        outcomes, flags = canonical_many(group.value, group.type, region)
    with phases.timed("merge (helpers)"):
        out = merged(group, outcomes, flags)
    out.phases = (dict(phases), dict(phases.cpu))
    return pickle.dumps(("batch", out), protocol=pickle.HIGHEST_PROTOCOL)


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
    may be smaller (``first_batch`` items) and the next ones twice the size of the one before up
    to ``batch_size``, so that a writer in another process starts sooner and is kept busy from then on.
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

    def batches(self, items: Iterable[Record | Rejected], helpers: Pool | None = None) -> Iterator[Prepared | bytes]:
        """The prepared batches of ``items``, in order; an error raised by ``items`` stops them.

        With ``helpers`` (a process pool), a group is prepared there whenever a helper has room,
        and here otherwise, so the work splits as they keep up; a batch a helper prepared comes
        pickled (see ``prepare_elsewhere``). Without, every batch is a ``Prepared``.
        """
        if helpers is None:
            for group in self.phases.through("read and check", self._groups(iter(items))):
                yield self.prepare(group)
            return
        room = HELPER_DEPTH * helpers._processes  # type: ignore[attr-defined]  # the pool's size
        pending: deque[Job | Prepared] = deque()
        first = True
        for group in self.phases.through("read and check", self._groups(iter(items))):
            busy = sum(1 for job in pending if isinstance(job, AsyncResult))
            # With the helpers busy and a batch prepared here already waiting behind theirs,
            # preparing another here would only hold the writer up longer: wait for the helpers.
            while pending and (_ready(pending[0]) or (busy >= room and not isinstance(pending[-1], AsyncResult))):
                busy -= isinstance(pending[0], AsyncResult)
                yield self._finish(pending.popleft())
            # The first (small) group is done here, at once: sent to a helper, it would wait for
            # the next group to be read and prepared before it could be passed on.
            if not first and busy < room:
                pending.append(helpers.apply_async(prepare_elsewhere, (group, self.region)))
            else:
                pending.append(self.prepare(group))
            first = False
            while pending and _ready(pending[0]):
                yield self._finish(pending.popleft())
        while pending:
            yield self._finish(pending.popleft())

    def _finish(self, job: Job | Prepared) -> Prepared | bytes:
        if isinstance(job, AsyncResult):
            with self.phases.timed("wait for helpers"):
                return job.get()
        return job

    def _groups(self, items: Iterator[Record | Rejected]) -> Iterator[_Group]:
        checker, size, skip = self.checker, self.batch_size, self.skip_through
        default_crime, org_id, run_marking = checker.crime_type, checker.org_id, checker.run_marking_id
        ts, tags_of, now = self._ts, self._tags_json, self.now
        stamps = self._timestamps
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
                group, limit = _Group(), min(size, 2 * limit)
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
            if item.owner_org_id is None and item.marking is None:  # most records: the run's owner and marking
                group.owner.append(org_id)
                group.marking.append(run_marking)
            else:
                owner = checker.owner(item)
                group.owner.append(owner)
                group.marking.append(checker.marking(owner, item.marking))
            group.index.append(index)
            group.value.append(item.value)
            group.type.append(item.type)
            group.kind.append(item.kind)
            group.crime_type.append(item.crime_type)
            group.confidence.append(50 if item.confidence is None else item.confidence)
            last_seen = item.last_seen
            first = item.first_seen or last_seen or now
            first_ts = stamps.get(first) or ts(first)
            group.first_seen.append(first_ts)
            group.last_seen.append((stamps.get(last_seen) or ts(last_seen)) if last_seen is not None and last_seen > first
                                   else first_ts)
            group.description.append(item.description)
            group.tags.append(tags_of(item.tags) if item.tags else NO_TAGS)
        if group.read:
            yield group

    def prepare(self, group: _Group) -> Prepared:
        """Canonicalise, flag and merge one group of checked records."""
        with self.phases.timed("canonicalise"):
            outcomes, flags = canonical_many(group.value, group.type, self.region)
        with self.phases.timed("merge"):
            return merged(group, outcomes, flags)

    def _ts(self, value: datetime) -> Any:
        """``Dialect.ts``, remembered: feeds repeat their timestamps (and records without one share ``now``)."""
        found = self._timestamps.get(value)
        if found is None:
            if len(self._timestamps) > 1 << 16:
                self._timestamps.clear()
            found = self._timestamps[value] = self.dialect.ts(value)
        return found

    def _tags_json(self, tags: tuple[str, ...]) -> str:
        """``intel.tags.stored_tags``, remembered: a feed's records share a handful of tag sets."""
        found = self._tags.get(tags)
        if found is None:
            found = stored_tags(tags)
            if len(self._tags) > 1 << 12:
                self._tags = {(): NO_TAGS}
            self._tags[tags] = found
        return found


def merged(group: _Group, outcomes: list[Outcome], flags: Flags) -> Prepared:
    """The batch of a group of checked records, given the canonical ``outcomes`` of its values and their ``flags``.

    Statements are merged per (observable, owner, kind): a repeat within the batch is one more
    sighting, widens first/last seen, and its marking, crime type, confidence, description and
    tags win (blank ones keep the earlier). The distinct observables are numbered in sorted order
    and the statements ordered by them: new observables then get ascending ids, so the writer walks
    the observables' index and the statements' (observable, owner, kind, source) index once per
    batch rather than at random.

    Written column by column (one list comprehension per column over the records kept, in their
    final order) rather than record by record: most records are the first of their statement.
    """
    out = Prepared(read=group.read, last_index=group.last_index, rejected=group.rejected)
    first_of: dict[tuple[str, str, int, str], int] = {}  # statement key → its first record
    repeats: list[tuple[int, int]] = []  # (first record, repeating record), in order
    owner, kind = group.owner, group.kind
    for i, outcome in enumerate(outcomes):
        if len(outcome) == 2:
            out.rejected.append(Rejected(group.index[i], outcome[0], outcome[1], group.value[i]))
            continue
        first = first_of.setdefault((outcome[0], outcome[1], owner[i], kind[i]), i)
        if first != i:
            repeats.append((first, i))
    out.stored = len(first_of) + len(repeats)
    # Observables by "type NUL value": sorted as (type, value) would be, in a third of the time.
    names = [key[0] + "\0" + key[1] for key in first_of]
    firsts = list(first_of.values())
    distinct: dict[str, Canon] = {}
    for name, i in zip(names, firsts):
        distinct.setdefault(name, outcomes[i])  # type: ignore[arg-type]  # not a refusal: those were left out
    keys = sorted(distinct)
    position = {key: p for p, key in enumerate(keys)}
    out.observables = [distinct[key] for key in keys]
    observable_of = [position[name] for name in names]
    order = sorted(range(len(firsts)), key=observable_of.__getitem__)
    rows = [firsts[j] for j in order]  # the first record of each statement, in the batch's order
    st = out.statements
    st.observable = [observable_of[j] for j in order]
    st.uuid = uuids(len(rows))
    marks: dict[MarkingKey, int] = {}

    def marking_id(m: int | MarkingKey) -> int:
        return m if isinstance(m, int) else marks.setdefault(m, -len(marks) - 1)

    st.owner = [owner[i] for i in rows]
    st.kind = [kind[i] for i in rows]
    st.marking = [marking_id(group.marking[i]) for i in rows]
    for name in ("crime_type", "confidence", "first_seen", "last_seen", "description", "tags"):
        column = getattr(group, name)
        setattr(st, name, [column[i] for i in rows])
    st.sightings = [1] * len(rows)
    if repeats:
        at = {i: p for p, i in enumerate(rows)}
        for first, i in repeats:
            p = at[first]
            st.sightings[p] += 1
            if group.first_seen[i] < st.first_seen[p]:
                st.first_seen[p] = group.first_seen[i]
            if group.last_seen[i] > st.last_seen[p]:
                st.last_seen[p] = group.last_seen[i]
            st.marking[p] = marking_id(group.marking[i])
            st.crime_type[p] = group.crime_type[i] or st.crime_type[p]
            st.confidence[p] = group.confidence[i]
            st.description[p] = group.description[i] or st.description[p]
            if group.tags[i] != NO_TAGS:
                st.tags[p] = group.tags[i]
    out.markings = list(marks)
    if flags:
        out.flags = [(p, name) for p, c in enumerate(out.observables) for name in flags.get((c[0], c[1]), ())]
        out.flagged = sum(1 for o in outcomes if len(o) != 2 and (o[0], o[1]) in flags)
    return out
