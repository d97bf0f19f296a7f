"""Ingest runs: opening (or resuming) one, closing it, and reading them back through the gate.

A run is private to its organisation: only the owner organisation's users see it and its rejected
lines (the owner check), and its marking keeps it behind the access gate like any marked record.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.access import Principal, gate
from aspjoc.errors import NotFound
from aspjoc.intel.ingest.models import IngestRejection, IngestRun, RunStatus
from aspjoc.marking import MarkingSpec, marking_id_for


def open_run(session: Session, spec: MarkingSpec, source: str, format: str, resume_key: str | None,
             principal: Principal | None, now: datetime) -> IngestRun:
    """A new running run, or — when ``resume_key`` matches an unfinished run of the same organisation — that run again.

    A resumed run keeps its counters and ``position``: the pipeline skips what it already stored.
    """
    if resume_key:
        unfinished = session.scalar(select(IngestRun).where(
            IngestRun.org_id == spec.owner_org_id, IngestRun.resume_key == resume_key,
            IngestRun.status != RunStatus.COMPLETE.value).order_by(IngestRun.id.desc()).limit(1))
        if unfinished is not None:
            unfinished.status = RunStatus.RUNNING.value
            unfinished.error = ""
            audit.record(session, principal, "ingest.resume", now, "ingest_run", unfinished.id,
                         {"source": source, "position": unfinished.position})
            return unfinished
    run = IngestRun(org_id=spec.owner_org_id, user_id=principal.user_id if principal else None,
                    marking_id=marking_id_for(session, spec), source=source, format=format,
                    status=RunStatus.RUNNING.value, resume_key=resume_key, started_at=now, position=0, read=0,
                    stored=0, new=0, updated=0, rejected=0, flagged=0, matches=0, seconds=0.0, error="")
    session.add(run)
    session.flush()
    audit.record(session, principal, "ingest.start", now, "ingest_run", run.id,
                 {"source": source, "format": format, "tlp": spec.tlp.label})
    return run


def close_run(session: Session, run_id: int, status: RunStatus, seconds: float, error: str,
              principal: Principal | None, now: datetime) -> IngestRun:
    """Mark the run complete or failed, with its time (added to earlier attempts) and the error, audited."""
    run = session.get(IngestRun, run_id)
    assert run is not None
    run.status = status.value
    run.seconds = (run.seconds or 0.0) + seconds
    run.error = error[:2000]
    run.finished_at = now
    audit.record(session, principal, f"ingest.{status.value}", now, "ingest_run", run.id,
                 {"read": run.read, "stored": run.stored, "new": run.new, "updated": run.updated,
                  "rejected": run.rejected, "flagged": run.flagged, "matches": run.matches, "error": run.error})
    return run


def _visible(principal: Principal) -> ColumnElement[bool]:
    """Runs of the principal's own organisation, and through the gate like any marked record."""
    return and_(IngestRun.org_id == principal.org_id, gate(principal, IngestRun))


def list_runs(session: Session, principal: Principal, limit: int = 50) -> list[IngestRun]:
    """The principal's organisation's runs, newest first."""
    if principal.org_id is None:
        return []
    return list(session.scalars(select(IngestRun).where(_visible(principal))
                                .order_by(IngestRun.id.desc()).limit(limit)))


def get_run(session: Session, principal: Principal, run_id: int) -> IngestRun:
    """One run of the principal's organisation; NotFound for any other (as if it did not exist)."""
    run = None
    if principal.org_id is not None:
        run = session.scalar(select(IngestRun).where(IngestRun.id == run_id, _visible(principal)))
    if run is None:
        raise NotFound("run", f"no ingest run {run_id}")
    return run


def rejections(session: Session, principal: Principal, run_id: int, limit: int = 200,
               after: int = 0) -> list[IngestRejection]:
    """Rejected records of a visible run, in the order stored (batch by batch), after rejection id ``after``;
    NotFound when the run is not the principal's."""
    run = get_run(session, principal, run_id)
    return list(session.scalars(select(IngestRejection).where(IngestRejection.run_id == run.id,
                                                              IngestRejection.id > after)
                                .order_by(IngestRejection.id).limit(limit)))
