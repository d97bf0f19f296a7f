"""The background worker: every tick, claim the due sources and poll each; hourly, flag statements past retention.

Chosen over a Huey queue because the schedule already lives in the database: each source row
says when it is next due, a worker claims it with one conditional UPDATE, and a crashed
worker's claim simply expires. There is no second store to keep in step with the first, it
runs the same on SQLite and PostgreSQL, several workers can share the table, and a test can
run one tick (``run_due``) with a fixed clock and a local HTTP server.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import httpx

from aspjoc.clock import Clock
from aspjoc.db import Database
from aspjoc.intel import retention
from aspjoc.intel.sources import service
from aspjoc.intel.sources.models import SourceFetch
from aspjoc.intel.sources.runner import record_crash, run_source

LEASE = timedelta(minutes=30)
REVIEW_EVERY = timedelta(hours=1)


def run_due(db: Database, clock: Clock, client: httpx.Client) -> list[SourceFetch]:
    """Poll every source due now that this worker manages to claim; return the fetches stored."""
    with db.unit_of_work() as session:
        due = service.due_sources(session, clock.now())
    done: list[SourceFetch] = []
    for source_id in due:
        now = clock.now()
        with db.unit_of_work() as session:
            if not service.claim(session, source_id, now, LEASE):
                continue
        try:
            done.append(run_source(db, source_id, now, client))
        except Exception as exc:  # noqa: BLE001
            # One broken source must not stop the others; the failure is stored on the source
            # and shown on its page (a visible state, not a log line).
            done.append(record_crash(db, source_id, now, exc))
    return done


def flag_retention(db: Database, clock: Clock) -> int:
    """Tell each organisation holding statements past their retention date to review them; return how many organisations."""
    with db.unit_of_work() as session:
        return len(retention.review(session, clock.now(), notify=True))


def serve(db: Database, clock: Clock, client: httpx.Client, tick_seconds: float, stop: threading.Event,
          on_tick: Callable[[list[SourceFetch]], None] | None = None) -> None:
    """Run ``run_due`` every ``tick_seconds`` until ``stop`` is set, and flag retention once per REVIEW_EVERY."""
    reviewed = None
    while not stop.is_set():
        if reviewed is None or clock.now() - reviewed >= REVIEW_EVERY:
            flag_retention(db, clock)
            reviewed = clock.now()
        done = run_due(db, clock, client)
        if on_tick is not None:
            on_tick(done)
        stop.wait(tick_seconds)
