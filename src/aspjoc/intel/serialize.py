"""Statements to their API shape, loading recipients for a whole page in one query."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from aspjoc.intel.models import Observable, Statement
from aspjoc.intel.schemas import MarkingOut, ObservableOut, OrgRef, RecipientsOut, StatementOut
from aspjoc.intel.tags import parse_tags
from aspjoc.marking import Handling, MarkingRecipient, TLP


def _recipients(session: Session, marking_ids: set[int]) -> dict[int, RecipientsOut]:
    found: dict[int, RecipientsOut] = defaultdict(RecipientsOut)
    if not marking_ids:
        return found
    for row in session.scalars(select(MarkingRecipient).where(MarkingRecipient.marking_id.in_(marking_ids))):
        out = found[row.marking_id]
        if row.org_id is not None:
            out.organisations.append(row.org_id)
        if row.user_id is not None:
            out.users.append(row.user_id)
        if row.group_id is not None:
            out.groups.append(row.group_id)
    return found


def observable_out(observable: Observable) -> ObservableOut:
    return ObservableOut(type=observable.type, value=observable.value, country=observable.country)


def statements_out(session: Session, statements: Sequence[Statement]) -> list[StatementOut]:
    """API shapes of ``statements`` (which the caller has already passed through the gate)."""
    recipients = _recipients(session, {s.marking_id for s in statements})
    out = []
    for s in statements:
        m = s.marking
        out.append(StatementOut(
            id=s.id, uuid=s.uuid, observable=observable_out(s.observable),
            owner=OrgRef(id=s.owner.id, name=s.owner.name, country=s.owner.country),
            kind=s.kind, crime_type=s.crime_type, confidence=s.confidence, first_seen=s.first_seen,
            last_seen=s.last_seen, valid_until=s.valid_until, sightings=s.sightings, source=s.source,
            description=s.description, tags=list(parse_tags(s.tags)), created_at=s.created_at, updated_at=s.updated_at,
            marking=MarkingOut(tlp=TLP(m.tlp).label, recipients=recipients.get(m.id, RecipientsOut()),  # type: ignore[arg-type]
                               handling=Handling(m.handling).names(), public_use=m.public_use,
                               reliability=s.reliability, credibility=s.credibility, retention_until=s.retention_until),
        ))
    return out
