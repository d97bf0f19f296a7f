"""Periodic work that ``aspjoc worker`` runs besides polling sources, each on its own interval.

Every job opens its own unit of work (or, for syncs, one per remote), so one failing job leaves
the others and the data they touched as they were.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from aspjoc.config import Settings
from aspjoc.db import Database


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: Callable[[Database, Settings, datetime], object]


def _freeze_clocks(db: Database, settings: Settings, now: datetime) -> object:
    from aspjoc.operations.clock_alerts import check_clocks

    with db.unit_of_work() as session:
        return len(check_clocks(session, now, settings.freeze_alert_hours))


def _federation(db: Database, settings: Settings, now: datetime) -> object:
    from aspjoc.sharing.federation import run_due_syncs

    return len(run_due_syncs(db, now, settings.default_region))


def _matching_index(db: Database, settings: Settings, now: datetime) -> object:
    from aspjoc.sharing.matching.index import refresh
    from aspjoc.sharing.matching.keys import current_key

    with db.unit_of_work() as session:
        return refresh(session, current_key(session, now), full=True)


JOBS: tuple[Job, ...] = (
    Job("freeze clocks", timedelta(minutes=1), _freeze_clocks),
    Job("federation sync", timedelta(minutes=1), _federation),
    Job("private-matching index", timedelta(hours=24), _matching_index),
)


class Schedule:
    """Remembers when each job last ran, and runs the ones that are due."""

    def __init__(self, jobs: tuple[Job, ...] = JOBS) -> None:
        self.jobs = jobs
        self.last: dict[str, datetime] = {}

    def run_due(self, db: Database, settings: Settings, now: datetime) -> dict[str, object]:
        """Run every due job; returns each job's result, or the error text of one that failed."""
        results: dict[str, object] = {}
        for job in self.jobs:
            last = self.last.get(job.name)
            if last is not None and now - last < job.every:
                continue
            self.last[job.name] = now
            try:
                results[job.name] = job.run(db, settings, now)
            except Exception as exc:  # noqa: BLE001
                # The worker must keep polling when one job breaks; the error is returned and shown by the caller.
                results[job.name] = f"failed: {type(exc).__name__}: {exc}"
        return results
