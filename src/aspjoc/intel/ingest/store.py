"""Write one prepared batch: observables, statements, flags, rejections and the run's counters, in one transaction.

Set-based throughout: one ``executemany`` per table over rows zipped from the batch's columns,
observable ids remembered for the run so repeats skip the look-up, and one query to find the
batch's statements that another organisation also holds.

On SQLite the transaction holds the write lock from its first statement, which makes two things
exact: a new observable's id (the largest id plus one, given in the insert) and whether a statement
can exist yet (not when its observable is new). Only statements of observables stored before are
upserted, and the growth of the largest statement id tells how many of them were new.
PostgreSQL upserts every statement and asks which existed first.

On SQLite the write-ahead log is copied into the database file by a thread of its own, on its own
connection (``_Checkpointer``), while the writer goes on with the next batch: done at commit, as
SQLite does by default, the copying held up every batch it fell on. The log only starts again from
its beginning once it has been copied whole when a transaction begins, so every few batches the
writer waits for the copying to catch up: the log stays a few batches long.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from aspjoc.intel.correlation.service import correlate
from aspjoc.intel.ingest.canon import Canon
from aspjoc.intel.ingest.phases import Phases
from aspjoc.intel.ingest.prepare import Prepared
from aspjoc.intel.ingest.records import Rejected
from aspjoc.intel.ingest.sql import Dialect, RunLiterals

log = logging.getLogger(__name__)

ObservableKey = tuple[str, str]
CACHE_KIB = 128 * 1024  # SQLite page cache of the ingest connection
RESTART_BATCHES = 4  # batches between two points where the writer lets the log catch up and start again
CACHE_LIMIT = 1 << 18  # observable ids remembered per run; past it the cache starts again (memory stays flat)


@dataclass
class BatchCounts:
    read: int = 0
    stored: int = 0
    new: int = 0
    updated: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    flagged: int = 0
    matches: int = 0


class BatchWriter:
    """Stores the batches of one run over one connection; each ``write`` is one transaction."""

    def __init__(self, conn: Connection, run_id: int, source: str, author_user_id: int | None,
                 now: datetime, retention_until: datetime, phases: Phases | None = None) -> None:
        self.conn = conn
        self.phases = phases if phases is not None else Phases()
        self.sql = Dialect.named(conn.dialect.name)
        self.run_id = run_id
        self.source = source
        self.now = now
        raw = conn.connection.driver_connection
        literal = self.sql.literal
        self.run = RunLiterals(author=literal(raw, author_user_id, "author"),
                               retention=literal(raw, self.sql.ts(retention_until), "retention_until"),
                               source=literal(raw, source, "source"), now=literal(raw, self.sql.ts(now), "now"))
        self.insert_observables = self.sql.insert_observables(self.run.now)
        self.insert_statements = self.sql.insert_statements(self.run)
        # SQLite re-sights with the light upsert, then moves marking and time only where they change.
        self.upsert_statements = self.sql.upsert_statements(self.run, indexed=self.sql.name != "sqlite")
        self.remark_statements = self.sql.remark_statements(self.run)
        self.observable_ids: dict[Canon, int] = {}
        self.checkpointer: _Checkpointer | None = None
        self.commits = 0
        if self.sql.name == "sqlite":
            if conn.engine.url.database not in (None, "", ":memory:"):
                # The writer no longer checkpoints at commit (every 1,000 pages by default): the
                # checkpointer does, beside it rather than in its way.
                raw.execute("PRAGMA wal_autocheckpoint = 0")  # type: ignore[union-attr]
                self.checkpointer = _Checkpointer(conn.engine)
            # A bigger page cache for this connection only: index pages touched by one batch are
            # still cached for the next instead of being read back from the file.
            raw.execute(f"PRAGMA cache_size = -{CACHE_KIB}")  # type: ignore[union-attr]

    def release(self) -> None:
        """Give the connection back as the pool lent it (the engine's default cache and checkpoint settings), its cache emptied.

        The checkpointer finishes the checkpoint it is on and stops; the rest of the log is copied
        at the next commit on any connection, as SQLite does by default.
        """
        if self.checkpointer is not None:
            self.checkpointer.stop()
            self.checkpointer = None
        if self.sql.name == "sqlite" and not self.conn.closed and not self.conn.in_transaction():
            raw = self.conn.connection.driver_connection
            raw.execute("PRAGMA wal_autocheckpoint = 1000")  # type: ignore[union-attr]
            raw.execute("PRAGMA cache_size = -65536")  # type: ignore[union-attr]
            raw.execute("PRAGMA shrink_memory")  # type: ignore[union-attr]  # the ingest's page cache, back to the system

    def write(self, batch: Prepared, marking_ids: list[int]) -> BatchCounts:
        """Store ``batch`` whole, or nothing if anything fails.

        ``marking_ids`` are the stored ids of ``batch.markings``, in order.
        """
        transaction = self.conn.begin()
        try:
            cursor = self.conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            try:
                counts = self._write(cursor, batch, marking_ids)
            finally:
                cursor.close()
        except BaseException:
            transaction.rollback()
            raise
        with self.phases.timed("  commit"):
            transaction.commit()
        self.commits += 1
        if self.checkpointer is not None:
            if self.commits % RESTART_BATCHES == 0:
                with self.phases.timed("  checkpoint"):
                    self.checkpointer.catch_up()
            else:
                self.checkpointer.request()
        return counts

    def _write(self, cursor: Any, batch: Prepared, marking_ids: list[int]) -> BatchCounts:
        sql, timed = self.sql, self.phases.timed
        # The first statement writes, so SQLite takes the write lock now: the ids read next are
        # then stable for the whole batch, and no later write can fail on a stale snapshot.
        cursor.execute(f"UPDATE ingest_runs SET seconds = seconds WHERE id = {sql.param}", (self.run_id,))
        cursor.execute(sql.max_observable_id())
        last_id_before: int = cursor.fetchone()[0]
        counts = BatchCounts(read=batch.read, stored=batch.stored, flagged=batch.flagged, rejected=batch.rejected)
        with timed("  observables"):
            ids = self._observable_ids(cursor, batch.observables, last_id_before)
        with timed("  statements"):
            rows = self._rows(batch, ids, marking_ids)
            counts.new, counts.updated = self._statements(cursor, rows, last_id_before)
        if batch.flags:
            cursor.executemany(sql.insert_flags(), sorted({(ids[p], name) for p, name in batch.flags}))
        with timed("  correlate"):
            counts.matches = self._correlate(cursor, rows, last_id_before)
        if counts.rejected:
            cursor.executemany(sql.insert_rejections(),
                               [(self.run_id, r.index, r.field[:64], r.reason, r.raw) for r in counts.rejected])
        cursor.execute(sql.advance_run(), (counts.read, counts.stored, counts.new, counts.updated, len(counts.rejected),
                                           counts.flagged, counts.matches, batch.last_index, self.run_id))
        return counts

    def _observable_ids(self, cursor: Any, canons: list[Canon], last_id: int) -> list[int]:
        """The ids of ``canons`` (distinct, sorted), in order, inserting the new ones; remembered for the rest of the run.

        ``last_id`` is the largest observable id, read under this transaction's write lock. The
        ids are remembered by canonical tuple: within a run one (type, value) always canonicalises
        to the same tuple, and keying by it spares building a key per row (the look-ups run in C).
        """
        cache = self.observable_ids
        if len(cache) + len(canons) > CACHE_LIMIT:
            cache.clear()
        found = list(map(cache.get, canons))
        if None in found:
            missing = [c for c, known in zip(canons, found) if known is None]
            if self.sql.name == "sqlite":
                self._insert_sqlite(cursor, missing, last_id)
            else:
                cursor.executemany(self.insert_observables, missing)
                self._select_ids(cursor, missing)
            return list(map(cache.__getitem__, canons))
        return found  # type: ignore[return-value]  # no None in it

    def _insert_sqlite(self, cursor: Any, missing: list[Canon], last_id: int) -> None:
        """Insert ``missing`` with the next ids in order; those that existed (ignored) are then looked up.

        Under the write lock no one else inserts, so the ids above ``last_id`` that are present
        afterwards are exactly the rows inserted here; a key whose id is absent was stored before.
        """
        cache = self.observable_ids
        new_ids = range(last_id + 1, last_id + 1 + len(missing))
        cursor.executemany(self.insert_observables, [(i, *c) for i, c in zip(new_ids, missing)])
        if cursor.rowcount == len(missing):  # every one was new: the ids are the ones given
            cache.update(zip(missing, new_ids))
            return
        cursor.execute(self.sql.observables_after(), (last_id,))
        inserted = {row[0] for row in cursor.fetchall()}
        stored_before: list[Canon] = []
        for i, c in zip(new_ids, missing):
            if i in inserted:
                cache[c] = i
            else:
                stored_before.append(c)
        if stored_before:
            self._select_ids(cursor, stored_before)

    def _select_ids(self, cursor: Any, canons: list[Canon]) -> None:
        wanted: dict[ObservableKey, Canon] = {(c[0], c[1]): c for c in canons}
        by_type: dict[str, list[str]] = {}
        for t, v in wanted:
            by_type.setdefault(t, []).append(v)
        cache = self.observable_ids
        for t, values in by_type.items():
            cursor.execute(self.sql.select_observables(), (t, self.sql.texts(values)))
            for found_id, value in cursor.fetchall():
                cache[wanted[(t, value)]] = found_id
        lost = [c for c in canons if c not in cache]
        if lost:  # a row the insert skipped for another reason than being there already
            raise RuntimeError(f"observable {lost[0][0]} {lost[0][1]!r} was neither stored nor found")

    def _rows(self, batch: Prepared, ids: list[int], marking_ids: list[int]) -> list[tuple[Any, ...]]:
        """The batch's statement rows, in the order of ``sql.ROW_COLUMNS``."""
        st = batch.statements
        markings = st.marking
        if marking_ids:
            markings = [m if m >= 0 else marking_ids[-m - 1] for m in markings]
        return list(zip(st.uuid, map(ids.__getitem__, st.observable), st.owner, markings, st.kind, st.crime_type,
                        st.confidence, st.first_seen, st.last_seen, st.sightings, st.description, st.tags))

    def _statements(self, cursor: Any, rows: list[tuple[Any, ...]], last_id_before: int) -> tuple[int, int]:
        """Store ``rows``; (new, updated) statements."""
        sql = self.sql
        if sql.name != "sqlite":
            existing = self._existing(cursor, rows)
            cursor.executemany(self.upsert_statements, rows)
            return len(rows) - existing, existing
        fresh = [row for row in rows if row[1] > last_id_before]
        older = [row for row in rows if row[1] <= last_id_before] if len(fresh) < len(rows) else []
        cursor.executemany(self.insert_statements, fresh)
        if not older:
            return len(fresh), 0
        cursor.execute(sql.max_statement_id())
        before: int = cursor.fetchone()[0]
        cursor.executemany(self.upsert_statements, older)
        cursor.execute(sql.max_statement_id())
        added: int = cursor.fetchone()[0] - before
        cursor.executemany(self.remark_statements, [(row[3], row[1], row[2], row[4], row[3]) for row in older])
        return len(fresh) + added, len(older) - added

    def _existing(self, cursor: Any, rows: list[tuple[Any, ...]]) -> int:
        """How many of ``rows`` are stored already (PostgreSQL)."""
        wanted = {(row[1], row[2], row[4]) for row in rows}
        cursor.execute(self.sql.existing_statements(), (self.source, self.sql.ids(sorted({key[0] for key in wanted}))))
        return sum(1 for key in map(tuple, cursor.fetchall()) if key in wanted)

    def _correlate(self, cursor: Any, rows: list[tuple[Any, ...]], last_id_before: int) -> int:
        """Pass the batch's statements that another organisation also holds to the correlation service.

        On SQLite an observable first stored by this batch cannot be held by anyone else yet, so only
        the older ones are looked at.
        """
        every = self.sql.name != "sqlite"
        observable_ids = sorted({row[1] for row in rows if every or row[1] <= last_id_before})
        if not observable_ids:
            return 0
        owners = sorted({row[2] for row in rows})
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


class _Checkpointer(threading.Thread):
    """Copies SQLite's write-ahead log into the database file on request, on a connection of its own.

    A passive checkpoint takes no lock the writer needs, and the driver lets go of the GIL while
    SQLite works, so the copying runs on another core while the writer writes the next batch. One
    checkpoint at a time: a request made while one runs is dropped, since the next covers what it
    would have.
    """

    def __init__(self, engine: Engine) -> None:
        super().__init__(name="ingest-checkpoint", daemon=True)
        self.raw = engine.raw_connection()
        self.wanted = threading.Event()
        self.idle = threading.Event()
        self.idle.set()
        self.stopping = False
        self.start()

    def run(self) -> None:
        while True:
            self.wanted.wait()
            self.wanted.clear()
            if self.stopping:
                return
            try:
                self._checkpoint()
            finally:
                self.idle.set()

    def _checkpoint(self) -> None:
        try:
            cursor = self.raw.cursor()
            try:
                cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
                cursor.fetchall()
            finally:
                cursor.close()
        except Exception:  # a checkpoint that fails leaves the log longer, nothing else; the next one retries
            log.warning("background checkpoint failed", exc_info=True)

    def request(self) -> None:
        """Start a checkpoint of what is committed, unless one is running."""
        if self.idle.is_set():
            self.idle.clear()
            self.wanted.set()

    def catch_up(self) -> None:
        """Copy the whole log before returning (the running checkpoint, then the rest), so that the next transaction starts it again."""
        self.idle.wait()
        self._checkpoint()

    def stop(self) -> None:
        self.idle.wait()
        self.stopping = True
        self.wanted.set()
        self.join()
        self.raw.close()
