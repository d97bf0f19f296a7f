"""Checks counted in aggregate: per canonical value and per day, written in batches.

What the public checks most is itself intelligence, so analysts see the counts (the console's
"Public checks" page). Nothing about the person checking is kept: no address, no time of day.
Counts gather in memory and are written at most every ``flush_seconds`` from a worker thread,
so the check itself never writes to the database; counts not yet written are lost if the
process dies, which is acceptable for statistics.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from aspjoc.db import Database
from aspjoc.public.models import PublicCheckCount

log = logging.getLogger(__name__)
Key = tuple[date, str, str]
# Beyond this many distinct pending values a flush is due whatever the time, to bound memory and
# keep each flush short (it runs beside the event loop).
MAX_PENDING = 20_000


class CheckCounts:
    def __init__(self, db: Database, flush_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._db = db
        self.flush_seconds = flush_seconds
        self._clock = clock
        self._checks: Counter[Key] = Counter()
        self._reported: Counter[Key] = Counter()
        self._lock = threading.Lock()
        self._last_flush = clock()
        self._flushing = False

    def record(self, day: date, type: str, value: str, reported: bool) -> None:
        key = (day, type, value[:512])
        with self._lock:
            self._checks[key] += 1
            if reported:
                self._reported[key] += 1

    def due(self) -> bool:
        """Whether a flush should start now (none running, something pending, and time or size says so)."""
        if self._flushing or not self._checks:
            return False
        return self._clock() - self._last_flush >= self.flush_seconds or len(self._checks) >= MAX_PENDING

    def start_flush(self) -> bool:
        """Claim the next flush; False when one is already running (call ``flush`` after a True)."""
        with self._lock:
            if self._flushing:
                return False
            self._flushing = True
            return True

    def flush(self) -> int:
        """Write the pending counts in one transaction; returns how many values were written.

        On a database error the counts go back to the pending ones and are tried again next time.
        """
        with self._lock:
            checks, reported = self._checks, self._reported
            self._checks, self._reported = Counter(), Counter()
            self._last_flush = self._clock()
        try:
            if checks:
                with self._db.unit_of_work() as session:
                    _upsert(session, checks, reported)
            return len(checks)
        except SQLAlchemyError:
            log.warning("public check counts not written; keeping %d values for the next flush", len(checks), exc_info=True)
            with self._lock:
                self._checks.update(checks)
                self._reported.update(reported)
            return 0
        finally:
            self._flushing = False

    def pending(self) -> int:
        return len(self._checks)


def _upsert(session: Session, checks: Counter[Key], reported: Counter[Key]) -> None:
    # Both dialects spell "add to the stored count" as INSERT … ON CONFLICT DO UPDATE. The statement is
    # compiled once and the rows go straight to the driver's executemany: the flush runs beside the
    # event loop, so the less Python it runs (holding the interpreter lock), the less checks wait.
    dialect = session.get_bind().dialect
    insert: Any = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
    statement = insert(PublicCheckCount)
    statement = statement.on_conflict_do_update(
        index_elements=["day", "type", "value"],
        set_={"checks": PublicCheckCount.checks + statement.excluded.checks,
              "reported": PublicCheckCount.reported + statement.excluded.reported})
    compiled = statement.compile(dialect=dialect)
    as_day = PublicCheckCount.__table__.c.day.type.bind_processor(dialect) or (lambda day: day)
    rows = [{"day": as_day(d), "type": t, "value": v, "checks": n, "reported": reported.get((d, t, v), 0)}
            for (d, t, v), n in sorted(checks.items())]
    params: list[Any] = ([tuple(row[name] for name in compiled.positiontup or ()) for row in rows]
                         if compiled.positional else rows)
    session.connection().exec_driver_sql(str(compiled), params)


@dataclass(frozen=True)
class Checked:
    type: str
    value: str
    checks: int
    reported: int
    days: int


def most_checked(session: Session, today: date, days: int, limit: int = 50) -> list[Checked]:
    """The values checked most in the ``days`` days up to ``today`` (inclusive), most first."""
    since = today - timedelta(days=days - 1)
    total = func.sum(PublicCheckCount.checks)
    rows = session.execute(
        select(PublicCheckCount.type, PublicCheckCount.value, total, func.sum(PublicCheckCount.reported),
               func.count(PublicCheckCount.day))
        .where(PublicCheckCount.day >= since, PublicCheckCount.day <= today)
        .group_by(PublicCheckCount.type, PublicCheckCount.value)
        .order_by(total.desc(), PublicCheckCount.value).limit(limit))
    return [Checked(t, v, int(n), int(r or 0), int(d)) for t, v, n, r, d in rows]


def checks_by_type(session: Session, today: date, days: int) -> list[tuple[date, str, int]]:
    """(day, observable type, checks) for the ``days`` days up to ``today``, newest day first."""
    since = today - timedelta(days=days - 1)
    rows = session.execute(
        select(PublicCheckCount.day, PublicCheckCount.type, func.sum(PublicCheckCount.checks))
        .where(PublicCheckCount.day >= since, PublicCheckCount.day <= today)
        .group_by(PublicCheckCount.day, PublicCheckCount.type)
        .order_by(PublicCheckCount.day.desc(), PublicCheckCount.type))
    return [(d, t, int(n)) for d, t, n in rows]
