"""The worker's periodic jobs: each runs on its interval, and one failing job does not stop the others."""

from __future__ import annotations

from datetime import datetime, timedelta

from aspjoc.config import Settings
from aspjoc.db import Database
from aspjoc.jobs import JOBS, Job, Schedule
from support import T0


def test_jobs_run_on_their_intervals_and_failures_are_reported(db: Database, settings: Settings) -> None:
    runs: list[str] = []

    def ok(db: Database, settings: Settings, now: datetime) -> object:
        runs.append(now.isoformat())
        return len(runs)

    def broken(db: Database, settings: Settings, now: datetime) -> object:
        raise RuntimeError("remote unreachable")

    schedule = Schedule((Job("ok", timedelta(minutes=5), ok), Job("broken", timedelta(minutes=5), broken)))
    first = schedule.run_due(db, settings, T0)
    assert first["ok"] == 1 and str(first["broken"]).startswith("failed: RuntimeError")
    assert schedule.run_due(db, settings, T0 + timedelta(minutes=1)) == {}
    assert schedule.run_due(db, settings, T0 + timedelta(minutes=6))["ok"] == 2


def test_real_jobs_run_on_an_empty_database(db: Database, settings: Settings) -> None:
    results = Schedule(JOBS).run_due(db, settings, T0)
    assert set(results) == {job.name for job in JOBS}
    assert not any(str(r).startswith("failed") for r in results.values()), results
