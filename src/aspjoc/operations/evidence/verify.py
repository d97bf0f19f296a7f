"""Re-hashing stored evidence files to find tampering: a file changed or removed on disk is named."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.access import Principal
from aspjoc.operations.evidence.models import CustodyAction, EvidenceItem
from aspjoc.operations.evidence.service import record_custody, visible
from aspjoc.operations.evidence.store import EvidenceStore


@dataclass(frozen=True)
class Finding:
    """One item's check: ``status`` is ``intact``, ``changed`` (the bytes on disk hash differently) or ``missing``."""

    item_id: int
    filename: str
    path: Path
    expected: str
    actual: str | None
    status: str

    @property
    def ok(self) -> bool:
        return self.status == "intact"


def check_items(session: Session, store: EvidenceStore, items: Iterable[EvidenceItem], actor: Principal | None,
                now: datetime, progress: Callable[[int], None] | None = None) -> list[Finding]:
    """Re-hash each item's file; record the result on the item, and a custody event for every failure."""
    findings = []
    for item in items:
        actual = store.check(item.sha256)
        status = "intact" if actual == item.sha256 else ("missing" if actual is None else "changed")
        findings.append(Finding(item.id, item.filename, store.path(item.sha256), item.sha256, actual, status))
        item.last_verified_at = now
        item.last_verify_ok = status == "intact"
        if status != "intact":
            record_custody(session, actor, item, CustodyAction.VERIFY, now, actual, "verification",
                           detail={"status": status})
        if progress:
            progress(1)
    bad = [f.item_id for f in findings if not f.ok]
    audit.record(session, actor, "evidence.verify", now, "evidence", "", {"checked": len(findings), "failed": bad})
    session.flush()
    return findings


def verify_all(session: Session, store: EvidenceStore, now: datetime,
               progress: Callable[[int], None] | None = None) -> list[Finding]:
    """Check every stored item (the operator's ``aspjoc evidence verify``)."""
    items = session.scalars(select(EvidenceItem).order_by(EvidenceItem.id)).all()
    return check_items(session, store, items, None, now, progress)


def verify_visible(session: Session, principal: Principal, store: EvidenceStore, now: datetime,
                   subject_type: str | None = None, subject_id: str | None = None) -> list[Finding]:
    """Check the items ``principal`` may see (of one subject when given): the console's verify button."""
    query = select(EvidenceItem).where(visible(principal))
    if subject_type:
        query = query.where(EvidenceItem.subject_type == subject_type)
    if subject_id:
        query = query.where(EvidenceItem.subject_id == subject_id)
    return check_items(session, store, session.scalars(query.order_by(EvidenceItem.id)).all(), principal, now)
