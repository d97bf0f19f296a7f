"""Evidence rows to their API shapes (rows the caller already passed through the gate)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from aspjoc.accounts.models import Organisation
from aspjoc.intel.schemas import OrgRef
from aspjoc.marking import Handling, Marking, TLP
from aspjoc.operations.evidence.models import CustodyEvent, EvidenceItem
from aspjoc.operations.evidence.package import custody_records
from aspjoc.operations.evidence.schemas import CustodyOut, EvidenceOut, FindingOut
from aspjoc.operations.evidence.verify import Finding
from aspjoc.operations.graph.schemas import MarkingBrief


def items_out(session: Session, items: Sequence[EvidenceItem]) -> list[EvidenceOut]:
    org_ids = {i.owner_org_id for i in items} | {i.custodian_org_id for i in items}
    orgs = {o.id: o for o in session.scalars(select(Organisation).where(Organisation.id.in_(org_ids)))}
    marks = {m.id: m for m in session.scalars(select(Marking).where(Marking.id.in_({i.marking_id for i in items})))}

    def ref(org_id: int) -> OrgRef:
        org = orgs[org_id]
        return OrgRef(id=org.id, name=org.name, country=org.country)

    return [EvidenceOut(
        id=i.id, uuid=i.uuid, subject_type=i.subject_type, subject_id=i.subject_id, filename=i.filename,
        content_type=i.content_type, size=i.size, sha256=i.sha256, description=i.description, owner=ref(i.owner_org_id),
        custodian=ref(i.custodian_org_id), created_at=i.created_at, last_verified_at=i.last_verified_at,
        last_verify_ok=i.last_verify_ok,
        marking=MarkingBrief(tlp=TLP(marks[i.marking_id].tlp).label, handling=Handling(marks[i.marking_id].handling).names()),  # type: ignore[arg-type]
    ) for i in items]


def custody_out(session: Session, item: EvidenceItem, events: Sequence[CustodyEvent]) -> list[CustodyOut]:
    """The custody log in API shape; ``events`` are ``item``'s, already read through the gate."""
    records = custody_records(session, [item])
    wanted = {e.audit_hash for e in events}
    return [CustodyOut(**{k: v for k, v in r.items() if k != "evidence_id"}) for r in records if r["audit_hash"] in wanted]


def findings_out(findings: Sequence[Finding]) -> list[FindingOut]:
    return [FindingOut(evidence_id=f.item_id, filename=f.filename, status=f.status, expected=f.expected, actual=f.actual)
            for f in findings]
