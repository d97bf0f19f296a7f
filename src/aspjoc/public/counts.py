"""Checks counted in aggregate: per canonical value and per day, written in batches.

What the public checks most is itself intelligence, so analysts see the counts (the console's
"Public checks" page). Nothing about the person checking is kept: no address, no time of day.
Counts gather in memory and are written at most every ``flush_seconds`` from a worker thread,
so the check itself never writes to the database; counts not yet written are lost if the
process dies, which is acceptable for statistics.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql
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


# On SQLite the whole batch goes in as one JSON parameter and one statement: the driver releases the
# interpreter lock around each statement step, and a step per row (executemany) makes the event loop
# queue for the lock thousands of times during a flush, which shows as latency spikes on the check.
_SQLITE_UPSERT = (
    "INSERT INTO public_check_counts (day, type, value, checks, reported) "
    "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), "
    "json_extract(value, '$[3]'), json_extract(value, '$[4]') FROM json_each(?) WHERE true "
    "ON CONFLICT (day, type, value) DO UPDATE SET checks = checks + excluded.checks, "
    "reported = reported + excluded.reported")


def _upsert(session: Session, checks: Counter[Key], reported: Counter[Key]) -> None:
    """Add ``checks`` and ``reported`` to the stored counts (INSERT … ON CONFLICT DO UPDATE on both dialects)."""
    rows = [(d.isoformat(), t, v, n, reported.get((d, t, v), 0)) for (d, t, v), n in sorted(checks.items())]
    dialect = session.get_bind().dialect
    if dialect.name == "sqlite":
        session.connection().exec_driver_sql(_SQLITE_UPSERT, (json.dumps(rows),))
        return
    statement = postgresql.insert(PublicCheckCount)
    statement = statement.on_conflict_do_update(
        index_elements=["day", "type", "value"],
        set_={"checks": PublicCheckCount.checks + statement.excluded.checks,
              "reported": PublicCheckCount.reported + statement.excluded.reported})
    session.execute(statement, [{"day": date.fromisoformat(d), "type": t, "value": v, "checks": n, "reported": r}
                                for d, t, v, n, r in rows])


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
