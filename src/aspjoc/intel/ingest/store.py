"""Write one canonicalised batch: observables, statements, flags, rejections and the run's counters, in one transaction.

Set-based throughout: one ``executemany`` per table, keys sorted so the b-tree pages are touched in
order, observable ids remembered for the run so repeats skip the look-up, and one query to find
the batch's statements that another organisation also holds.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from aspjoc.intel.correlation.service import correlate
from aspjoc.intel.ingest.canon import Canon, Outcome
from aspjoc.intel.ingest.phases import Phases
from aspjoc.intel.ingest.records import Record, Rejected
from aspjoc.intel.ingest.sql import Dialect

ObservableKey = tuple[str, str]
StatementKey = tuple[int, int, str]  # observable id, owner organisation id, kind
CACHE_KIB = 128 * 1024  # SQLite page cache of the ingest connection
CHECKPOINT_PAGES = 65536  # WAL pages between checkpoints during ingest (256 MB of 4 KiB pages)
CACHE_LIMIT = 1 << 18  # observable ids remembered per run; past it the cache starts again (memory stays flat)


@dataclass
class Batch:
    """Records read and checked, waiting to be stored; ``last_index`` is where the run may resume after it."""

    records: list[Record] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    marking_ids: list[int] = field(default_factory=list)  # one per record
    owners: list[int] = field(default_factory=list)  # one per record
    last_index: int = 0
    read: int = 0


@dataclass
class BatchCounts:
    read: int = 0
    stored: int = 0
    new: int = 0
    updated: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    flagged: int = 0
    matches: int = 0


@dataclass(slots=True)
class _Statement:
    observable_id: int
    owner: int
    kind: str
    marking_id: int
    crime_type: str | None
    confidence: int
    first_seen: datetime
    last_seen: datetime
    description: str
    sightings: int = 1

    def merge(self, other: _Statement) -> None:
        self.sightings += 1
        self.first_seen = min(self.first_seen, other.first_seen)
        self.last_seen = max(self.last_seen, other.last_seen)
        self.marking_id = other.marking_id
        self.crime_type = other.crime_type or self.crime_type
        self.confidence = other.confidence
        self.description = other.description or self.description


def uuids(count: int) -> list[str]:
    """``count`` new UUIDs, ascending: version 7 (RFC 9562), the time in milliseconds, then random bits and a counter.

    Ascending keys append to the statements' uuid index instead of landing on a random page each
    (random version-4 keys made every batch rewrite thousands of index pages), and making them
    in bulk costs less than ``uuid.uuid4`` per row.
    """
    millis = time.time_ns() // 1_000_000
    # Fixed per call: the time, version 7, 12 random bits, the variant and 14 more random bits;
    # the last 48 bits are a random start (with room for 2**20 rows) counting up.
    h = "%032x" % ((millis << 80) | (0x7 << 76) | (secrets.randbits(12) << 64) | (0b10 << 62) | (secrets.randbits(14) << 48))
    prefix = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-"
    start = secrets.randbits(28) << 20
    return [prefix + "%012x" % n for n in range(start, start + count)]


class BatchWriter:
    """Stores the batches of one run over one connection; each ``write`` is one transaction."""

    def __init__(self, conn: Connection, run_id: int, source: str, author_user_id: int | None,
                 now: datetime, retention_until: datetime, phases: Phases | None = None) -> None:
        self.conn = conn
        self.phases = phases if phases is not None else Phases()
        self.sql = Dialect.named(conn.dialect.name)
        self.run_id = run_id
        self.source = source
        self.author = author_user_id
        self.now = now
        self.now_ts = self.sql.ts(now)
        self.retention_ts = self.sql.ts(retention_until)
        self.observable_ids: dict[ObservableKey, int] = {}
        self._timestamps: dict[datetime, Any] = {}
        if self.sql.name == "sqlite":
            # Batches commit often; checkpointing the WAL into the database after each of them
            # (every 1,000 pages by default) would rewrite hot index pages again and again.
            raw = conn.connection.driver_connection
            raw.execute(f"PRAGMA wal_autocheckpoint = {CHECKPOINT_PAGES}")  # type: ignore[union-attr]
            # A bigger page cache for this connection only: index pages touched by one batch are
            # still cached for the next instead of being read back from the file.
            raw.execute(f"PRAGMA cache_size = -{CACHE_KIB}")  # type: ignore[union-attr]

    def release(self) -> None:
        """Give the connection back as the pool lent it (the engine's default cache and checkpoint settings)."""
        if self.sql.name == "sqlite" and not self.conn.closed and not self.conn.in_transaction():
            raw = self.conn.connection.driver_connection
            raw.execute("PRAGMA wal_autocheckpoint = 1000")  # type: ignore[union-attr]
            raw.execute("PRAGMA cache_size = -65536")  # type: ignore[union-attr]

    def write(self, batch: Batch, outcomes: Sequence[Outcome]) -> BatchCounts:
        """Store ``batch`` (its records paired with ``outcomes``) whole, or nothing if anything fails."""
        transaction = self.conn.begin()
        try:
            cursor = self.conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            try:
                counts = self._write(cursor, batch, outcomes)
            finally:
                cursor.close()
        except BaseException:
            transaction.rollback()
            raise
        with self.phases.timed("  commit"):
            transaction.commit()
        return counts

    def _write(self, cursor: Any, batch: Batch, outcomes: Sequence[Outcome]) -> BatchCounts:
        sql = self.sql
        # The first statement writes, so SQLite takes the write lock now: the id read next is
        # then stable for the whole batch, and no later write can fail on a stale snapshot.
        cursor.execute(f"UPDATE ingest_runs SET seconds = seconds WHERE id = {sql.param}", (self.run_id,))
        cursor.execute(sql.max_observable_id())
        last_id_before: int = cursor.fetchone()[0]
        counts = BatchCounts(read=batch.read, rejected=list(batch.rejected))
        stored: list[tuple[int, Record, Canon]] = []
        for position, (record, outcome) in enumerate(zip(batch.records, outcomes)):
            if len(outcome) == 2:
                counts.rejected.append(Rejected(record.index, outcome[0], outcome[1], record.value))
            else:
                stored.append((position, record, outcome))  # type: ignore[arg-type]
        timed = self.phases.timed
        with timed("  observables"):
            ids = self._observable_ids(cursor, [canon for _, _, canon in stored], last_id_before)
        with timed("  statements: prepare"):
            statements = self._statements(batch, stored, ids)
        with timed("  statements: existing"):
            existing = self._existing(cursor, statements, last_id_before)
        with timed("  statements: upsert"):
            self._upsert(cursor, statements, existing)
        flags = sorted({(ids[(c[0], c[1])], name) for _, _, c in stored for name in c[6]})
        if flags:
            cursor.executemany(sql.insert_flags(), flags)
        counts.stored = len(stored)
        counts.new = len(statements) - len(existing)
        counts.updated = len(existing)
        counts.flagged = sum(1 for _, _, c in stored if c[6])
        with timed("  correlate"):
            counts.matches = self._correlate(cursor, statements, last_id_before)
        if counts.rejected:
            cursor.executemany(sql.insert_rejections(),
                               [(self.run_id, r.index, r.field[:64], r.reason, r.raw) for r in counts.rejected])
        cursor.execute(sql.advance_run(), (counts.read, counts.stored, counts.new, counts.updated, len(counts.rejected),
                                           counts.flagged, counts.matches, batch.last_index, self.run_id))
        return counts

    def _observable_ids(self, cursor: Any, canons: list[Canon], last_id: int) -> dict[ObservableKey, int]:
        """Ids of the batch's observables, inserting the new ones; remembered for the rest of the run.

        ``last_id`` is the largest observable id, read under this transaction's write lock.
        """
        cache = self.observable_ids
        if len(cache) + len(canons) > CACHE_LIMIT:
            cache.clear()
        wanted: dict[ObservableKey, Canon] = {}
        for c in canons:
            key = (c[0], c[1])
            if key not in cache and key not in wanted:
                wanted[key] = c
        if wanted:
            keys = sorted(wanted)
            if not self._insert_new(cursor, keys, wanted, last_id, cache):
                self._select_ids(cursor, keys, cache)
        return {(c[0], c[1]): cache[(c[0], c[1])] for c in canons}

    def _insert_new(self, cursor: Any, keys: list[ObservableKey], wanted: dict[ObservableKey, Canon], last_id: int,
                    into: dict[ObservableKey, int]) -> bool:
        """Insert the observables not stored yet; True when their ids are known without reading them back.

        SQLite gives a new row the largest rowid plus one, and this transaction holds the write
        lock: when every key was new (the row count grew by all of them), their ids are the next
        ones in insert order. Otherwise (some existed, or PostgreSQL) the caller reads the ids.
        """
        rows = [(t, v, c[2], c[3], c[4], c[5], self.now_ts) for t, v in keys for c in (wanted[(t, v)],)]
        cursor.executemany(self.sql.insert_observables(), rows)
        if self.sql.name != "sqlite":
            return False
        cursor.execute(self.sql.max_observable_id())
        if cursor.fetchone()[0] != last_id + len(keys):
            return False
        into.update(zip(keys, range(last_id + 1, last_id + len(keys) + 1)))
        return True

    def _select_ids(self, cursor: Any, keys: list[ObservableKey], into: dict[ObservableKey, int]) -> None:
        by_type: dict[str, list[str]] = {}
        for t, v in keys:
            by_type.setdefault(t, []).append(v)
        for t, values in by_type.items():
            cursor.execute(self.sql.select_observables(), (t, self.sql.texts(values)))
            for found_id, value in cursor.fetchall():
                into[(t, value)] = found_id

    def _statements(self, batch: Batch, stored: list[tuple[int, Record, Canon]],
                    ids: dict[ObservableKey, int]) -> dict[StatementKey, _Statement]:
        """The batch's statements, one per (observable, owner, kind); repeats within the batch merged."""
        out: dict[StatementKey, _Statement] = {}
        for position, record, c in stored:
            first = record.first_seen or record.last_seen or self.now
            row = _Statement(ids[(c[0], c[1])], batch.owners[position], record.kind, batch.marking_ids[position],
                             record.crime_type, 50 if record.confidence is None else record.confidence,
                             first, max(record.last_seen or first, first), record.description)
            key = (row.observable_id, row.owner, row.kind)
            if key in out:
                out[key].merge(row)
            else:
                out[key] = row
        return out

    def _existing(self, cursor: Any, statements: dict[StatementKey, _Statement], last_id_before: int) -> set[StatementKey]:
        """Which of ``statements`` are already stored; an observable made in this batch has none yet."""
        older = sorted({key[0] for key in statements if key[0] <= last_id_before})
        if not older:
            return set()
        cursor.execute(self.sql.existing_statements(), (self.source, self.sql.ids(older)))
        return {key for key in map(tuple, cursor.fetchall()) if key in statements}  # type: ignore[misc]

    def _upsert(self, cursor: Any, statements: dict[StatementKey, _Statement], existing: set[StatementKey]) -> None:
        sql = self.sql
        keys = sorted(statements)
        if sql.name == "sqlite":
            # Under SQLite's write lock ``existing`` is exact, and a plain INSERT plus an UPDATE of
            # the re-sighted rows runs about three times faster than INSERT … ON CONFLICT DO UPDATE.
            fresh = [k for k in keys if k not in existing]
            cursor.executemany(sql.insert_statements(), self._rows(statements, fresh))
            cursor.executemany(sql.update_statements(), [
                (s.sightings, self._ts(s.first_seen), self._ts(s.last_seen), s.marking_id, self.author, s.crime_type,
                 s.confidence, s.description, s.description, sql.false, self.now_ts, *key, self.source)
                for key in keys if key in existing for s in (statements[key],)])
            return
        cursor.executemany(sql.upsert_statements(), [row + (sql.false,) for row in self._rows(statements, keys)])

    def _rows(self, statements: dict[StatementKey, _Statement], keys: list[StatementKey]) -> list[tuple[Any, ...]]:
        sql, ts = self.sql, self._ts
        return [(uuid, s.observable_id, s.owner, self.author, s.marking_id, s.kind, s.crime_type, s.confidence,
                 ts(s.first_seen), ts(s.last_seen), self.retention_ts, s.sightings, self.source,
                 s.description, sql.false, self.now_ts, self.now_ts)
                for key, uuid in zip(keys, uuids(len(keys))) for s in (statements[key],)]

    def _ts(self, value: datetime) -> Any:
        """``Dialect.ts``, remembered: feeds repeat their timestamps (and records without one share ``now``)."""
        found = self._timestamps.get(value)
        if found is None:
            if len(self._timestamps) > 1 << 16:
                self._timestamps.clear()
            found = self._timestamps[value] = self.sql.ts(value)
        return found

    def _correlate(self, cursor: Any, statements: dict[StatementKey, _Statement], last_id_before: int) -> int:
        """Pass the batch's statements that another organisation also holds to the correlation service.

        An observable first stored by this batch cannot be held by anyone else yet, so only the
        older ones are looked at.
        """
        observable_ids = sorted({key[0] for key in statements if key[0] <= last_id_before})
        if not observable_ids:
            return 0
        owners = sorted({key[1] for key in statements})
        cursor.execute(self.sql.matched_statements(),
                       (self.source, self.sql.ids(observable_ids), self.sql.ids(owners), self.sql.false))
        matched = [row[0] for row in cursor.fetchall()]
        if matched:
            session = Session(bind=self.conn)
            try:
                correlate(session, matched, self.now)
                session.flush()
            finally:
                session.close()
        return len(matched)
