"""The receiving unit's queue of public reports: list, open, move through new → triaged → linked/closed.

A report is a marked record (AMBER for the receiving unit only), so every read goes through
the access gate and a report outside the caller's view answers 404.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.access import Principal, gate
from aspjoc.accounts.permissions import Permission, require
from aspjoc.errors import Conflict, InvalidInput, NotFound
from aspjoc.intel.correlation.service import matched_pairs
from aspjoc.public.models import PublicReport, ReportStatus

S = ReportStatus
TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.TRIAGED, S.CLOSED}),
    S.TRIAGED: frozenset({S.LINKED, S.CLOSED}),
    S.LINKED: frozenset({S.TRIAGED, S.CLOSED}),
    S.CLOSED: frozenset({S.TRIAGED}),
}


def reports_for(session: Session, principal: Principal, status: str | None = None, limit: int = 200) -> list[PublicReport]:
    """Reports ``principal`` may see, newest first; ``status`` narrows to one status."""
    query = select(PublicReport).where(gate(principal, PublicReport))
    if status:
        if status not in S.__members__.values():
            raise InvalidInput("status", f"'{status}' is not one of {', '.join(S)}")
        query = query.where(PublicReport.status == status)
    return list(session.scalars(query.order_by(PublicReport.created_at.desc(), PublicReport.id.desc()).limit(limit)).unique())


def counts_by_status(session: Session, principal: Principal) -> dict[str, int]:
    rows = session.execute(select(PublicReport.status, func.count()).where(gate(principal, PublicReport))
                           .group_by(PublicReport.status))
    return {status: int(n) for status, n in rows}


def report_for(session: Session, principal: Principal, report_id: int, now: datetime) -> PublicReport:
    """The report ``report_id`` if ``principal`` may see it (the read is audited: it holds a reporter's contact details);
    NotFound otherwise, whether or not it exists.
    """
    found = session.scalars(select(PublicReport).where(PublicReport.id == report_id, gate(principal, PublicReport))).unique().first()
    if found is None:
        raise NotFound("report", f"no public report {report_id}")
    audit.record(session, principal, "public_report.read", now, "public_report", found.id, {"reference": found.reference})
    return found


def matches(session: Session, principal: Principal, report: PublicReport) -> dict[int, int]:
    """For each identifier's observable id, how many other organisations the unit has been told also hold it."""
    ids = [item.observable_id for item in report.identifiers]
    counted: dict[int, int] = dict.fromkeys(ids, 0)
    if principal.org_id is None:
        return counted
    for observable_id, _ in matched_pairs(session, principal.org_id, ids):
        counted[observable_id] = counted.get(observable_id, 0) + 1
    return counted


def set_status(session: Session, principal: Principal, report: PublicReport, status: str, note: str, now: datetime) -> None:
    """Move ``report`` to ``status`` (audited); InvalidInput for an unknown status, Conflict for a move the
    workflow does not allow (new → triaged → linked/closed; a closed report may be reopened as triaged).
    """
    require(principal, Permission.WRITE_INTEL)
    if status not in S.__members__.values():
        raise InvalidInput("status", f"'{status}' is not one of {', '.join(S)}")
    if status not in TRANSITIONS[S(report.status)]:
        raise Conflict("status", f"a {report.status} report cannot become {status}")
    previous = report.status
    report.status = status
    report.note = note.strip()[:4000] or report.note
    report.updated_at = now
    audit.record(session, principal, "public_report.status", now, "public_report", report.id,
                 {"reference": report.reference, "from": previous, "to": status, "note": note.strip()[:500]})
