"""The public scam check: a verdict and counts from public-use statements, and nothing else.

The answer is built from one indexed, gated query: statements on the value that are not
withdrawn and pass ``gate(Principal.public(), Statement, Purpose.PUBLIC_CHECK)`` (their owner
gave public-use consent). A value held only under other statements answers exactly like a value
never seen. On SQLite the compiled query runs on a small query-only connection per thread, inline
on the event loop (tens of microseconds with the indexes); elsewhere through SQLAlchemy in the
thread pool. Answers are cached for ``public_check_cache_seconds`` (see docs/public-portal.md).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Select, and_, bindparam, func, or_, select
from sqlalchemy.dialects import sqlite
from starlette.concurrency import run_in_threadpool

from aspjoc.access import Principal, Purpose, gate
from aspjoc.db import Database
from aspjoc.intel.models import Observable, Statement
from aspjoc.observables import Canonical
from aspjoc.public import query
from aspjoc.public.cache import TTLCache
from aspjoc.public.counts import CheckCounts

Pairs = tuple[tuple[str, str], ...]
# A cached answer is kept as a plain tuple of plain values: the garbage collector stops tracking
# those, so a cache of a hundred thousand answers adds nothing to its full passes (a NamedTuple's
# instances stay tracked).
Cached = tuple[int, str | None, tuple[str, ...]]


class Facts(NamedTuple):
    """What the public may learn about a value: how many consented reports, since when, which crime types."""

    reports: int = 0
    first_reported: str | None = None
    crime_types: tuple[str, ...] = ()

    @property
    def reported(self) -> bool:
        return self.reports > 0


NOTHING = Facts()


@dataclass(frozen=True)
class CheckResult:
    canonical: Canonical
    facts: Facts


def facts_query(pairs: int) -> Select[str | None, int, datetime]:
    """The gated query for ``pairs`` (type, value) candidates, with bind parameters t0, v0, t1, v1 …"""
    matches = [and_(Observable.type == bindparam(f"t{i}"), Observable.value == bindparam(f"v{i}")) for i in range(pairs)]
    return (select(Statement.crime_type, func.count(), func.min(Statement.first_seen))
            .join(Observable, Observable.id == Statement.observable_id)
            .where(or_(*matches), Statement.withdrawn.is_(False),
                   gate(Principal.public(), Statement, Purpose.PUBLIC_CHECK))
            .group_by(Statement.crime_type))


def _day(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    return str(value)[:10]


def summarise(rows: Sequence[Sequence[Any]]) -> Facts:
    """Facts from (crime type, count, earliest first_seen) rows; NOTHING when there are none."""
    if not rows:
        return NOTHING
    days = [d for d in (_day(row[2]) for row in rows) if d]
    return Facts(sum(int(row[1]) for row in rows), min(days) if days else None,
                 tuple(sorted(str(row[0]) for row in rows if row[0])))


def _params(pairs: Pairs) -> dict[str, str]:
    params: dict[str, str] = {}
    for i, (kind, value) in enumerate(pairs):
        params[f"t{i}"], params[f"v{i}"] = kind, value
    return params


class FactsReader:
    """Runs the facts query: raw SQLite per thread when the database is a SQLite file, SQLAlchemy otherwise."""

    def __init__(self, db: Database) -> None:
        self._db = db
        url = db.url
        path = url.split("///", 1)[1].split("?", 1)[0] if url.startswith("sqlite") and "///" in url else ""
        self._path = path if path and path != ":memory:" else ""  # an in-memory database goes through SQLAlchemy
        self._local = threading.local()
        self._compiled: dict[int, tuple[str, list[str]]] = {}
        if self._path:
            for n in (1, 2):
                compiled = facts_query(n).compile(dialect=sqlite.dialect())
                self._compiled[n] = (str(compiled), list(compiled.positiontup or []))

    @property
    def inline(self) -> bool:
        """Whether ``read`` is quick enough to run on the event loop (a local SQLite file)."""
        return bool(self._path)

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False, timeout=5)
            connection.execute("PRAGMA query_only=1")
            # Reads through a memory map skip a system call per page; the size bounds address space, not memory.
            connection.execute("PRAGMA mmap_size=1073741824")
            connection.execute("PRAGMA cache_size=-16384")
            self._local.connection = connection
        return connection

    def read(self, pairs: Pairs) -> Facts:
        """The facts for the candidates ``pairs`` (one or two)."""
        params = _params(pairs)
        if self._path:
            sql, order = self._compiled[len(pairs)]
            rows = self._connection().execute(sql, [params[name] for name in order]).fetchall()
            return summarise(rows)
        with self._db.engine.connect() as connection:
            return summarise(list(connection.execute(facts_query(len(pairs)), params).all()))


class PublicCheck:
    """Validates a public query, answers it from the cache or the database, and counts it."""

    def __init__(self, reader: FactsReader, cache: TTLCache[Pairs, Cached], counts: CheckCounts) -> None:
        self.reader = reader
        self.cache = cache
        self.counts = counts

    def canonical(self, values: list[str], country: str | None) -> Canonical:
        """The canonical form of the one value asked about; InvalidInput naming ``q`` or ``country``."""
        return query.canonical(query.one_value(values), query.country_code(country))

    async def check(self, values: list[str], country: str | None, today: date) -> CheckResult:
        """Answer the query ``values`` (the ``q`` parameters) for the public, counting it under ``today``."""
        found = self.canonical(values, country)
        pairs = query.candidates(found)
        cached = self.cache.get(pairs)
        if cached is not None:
            facts = Facts._make(cached)
        else:
            facts = self.reader.read(pairs) if self.reader.inline else await run_in_threadpool(self.reader.read, pairs)
            self.cache.put(pairs, (facts.reports, facts.first_reported, facts.crime_types))
        self.counts.record(today, found.type.value, found.value, facts.reported)
        return CheckResult(found, facts)

    def forget_all(self) -> None:
        """Drop every cached answer after a change made in this process (a delisting decision).

        A cached answer may name the changed value as a URL's host, so the whole (short-lived) cache
        goes; changes made elsewhere (ingest, the API) show once the cached answer expires.
        """
        self.cache.clear()
