"""Delisting: someone wrongly listed asks for review; the owners of the statements behind the verdict decide.

A request is made for each organisation whose public-use statements make the value
"reported", marked AMBER+STRICT for that organisation alone (it holds the requester's contact
details). Upholding it withdraws that organisation's public-use statements on the value
(``Statement.withdrawn = True``, audited one by one): the owner agrees the listing was wrong, so
it must stop counting everywhere (the check, block lists, correlation), while the rows stay for
the audit trail. The owner's other statements on the value are untouched; it may withdraw them
through its usual tools. Rejecting leaves everything as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.access import Principal, Purpose, gate
from aspjoc.accounts.permissions import Permission, require
from aspjoc.errors import Conflict, InvalidInput, NotFound
from aspjoc.intel.models import Observable, Statement
from aspjoc.marking import TLP, MarkingSpec, marking_id_for
from aspjoc.public import query
from aspjoc.public.models import DelistingRequest, DelistingStatus
from aspjoc.public.references import new_reference

REASON_MAX = 4000


@dataclass(frozen=True)
class Submission:
    reference: str | None
    owners: int

    @property
    def listed(self) -> bool:
        return self.owners > 0


def _behind_verdict(session: Session, pairs: tuple[tuple[str, str], ...]) -> list[tuple[int, int]]:
    """(observable id, owner org id) of the public-use, current statements that make the check answer "reported"."""
    matches = [and_(Observable.type == kind, Observable.value == value) for kind, value in pairs]
    rows = session.execute(
        select(Statement.observable_id, Statement.owner_org_id).join(Observable, Observable.id == Statement.observable_id)
        .where(or_(*matches), Statement.withdrawn.is_(False), gate(Principal.public(), Statement, Purpose.PUBLIC_CHECK))
        .group_by(Statement.observable_id, Statement.owner_org_id).order_by(Statement.observable_id, Statement.owner_org_id))
    return [(int(o), int(org)) for o, org in rows]


def submit(session: Session, values: list[str], country: str | None, reason: str, contact: str, language: str,
           now: datetime, days: int) -> Submission:
    """Open a review request with every owner behind the verdict on the value; nothing is stored when the
    value is not reported (the public check already says so). InvalidInput names the field at fault.
    """
    found = query.canonical(query.one_value(values), query.country_code(country))
    reason, contact = reason.strip(), contact.strip()
    if not reason:
        raise InvalidInput("reason", "say why the listing is wrong")
    if len(reason) > REASON_MAX:
        raise InvalidInput("reason", f"is longer than {REASON_MAX} characters")
    if not contact or len(contact) > 254:
        raise InvalidInput("contact", "give an e-mail address or phone number where the reviewers can reach you")
    behind = _behind_verdict(session, query.candidates(found))
    if not behind:
        return Submission(None, 0)
    reference = new_reference("DL", now)
    for observable_id, owner in behind:
        marking_id = marking_id_for(session, MarkingSpec(owner, TLP.AMBER_STRICT))
        request = DelistingRequest(reference=reference, observable_id=observable_id, owner_org_id=owner,
                                   marking_id=marking_id, query=values[0][:512], reason=reason, contact=contact,
                                   language=language, deadline=now + timedelta(days=days), created_at=now)
        session.add(request)
        session.flush()
        audit.record(session, None, "delisting.create", now, "delisting_request", request.id,
                     {"reference": reference, "owner": owner, "observable": observable_id})
    return Submission(reference, len(behind))


def requests_for(session: Session, principal: Principal, status: str | None = None, limit: int = 200) -> list[DelistingRequest]:
    """Delisting requests ``principal`` may see (its organisation's), open ones by deadline first."""
    query_ = select(DelistingRequest).where(gate(principal, DelistingRequest))
    if status:
        if status not in DelistingStatus.__members__.values():
            raise InvalidInput("status", f"'{status}' is not one of {', '.join(DelistingStatus)}")
        query_ = query_.where(DelistingRequest.status == status)
    order = (DelistingRequest.status != DelistingStatus.OPEN.value, DelistingRequest.deadline, DelistingRequest.id)
    return list(session.scalars(query_.order_by(*order).limit(limit)).unique())


def request_for(session: Session, principal: Principal, request_id: int, now: datetime) -> DelistingRequest:
    """The request ``request_id`` if ``principal`` may see it (the read is audited: it holds contact details); NotFound otherwise."""
    found = session.scalars(select(DelistingRequest).where(
        DelistingRequest.id == request_id, gate(principal, DelistingRequest))).unique().first()
    if found is None:
        raise NotFound("delisting_request", f"no delisting request {request_id}")
    audit.record(session, principal, "delisting.read", now, "delisting_request", found.id, {"reference": found.reference})
    return found


def statements_behind(session: Session, principal: Principal, request: DelistingRequest) -> list[Statement]:
    """The owner's public-use statements on the request's observable that ``principal`` may see (withdrawn ones too)."""
    return list(session.scalars(select(Statement).where(
        Statement.observable_id == request.observable_id, Statement.owner_org_id == request.owner_org_id,
        gate(Principal.public(), Statement, Purpose.PUBLIC_CHECK), gate(principal, Statement))
        .order_by(Statement.id)).unique())


def decide(session: Session, principal: Principal, request: DelistingRequest, decision: str, note: str, now: datetime) -> int:
    """Uphold or reject ``request`` (audited); returns how many statements upholding withdrew.

    Only the owning organisation's writers may decide (others cannot see the request: NotFound before
    this); a decided request answers Conflict.
    """
    require(principal, Permission.WRITE_INTEL)
    if decision not in ("uphold", "reject"):
        raise InvalidInput("decision", "choose uphold or reject")
    if request.status != DelistingStatus.OPEN.value:
        raise Conflict("status", f"this request was already {request.status}")
    withdrawn = 0
    if decision == "uphold":
        for statement in statements_behind(session, principal, request):
            if statement.withdrawn or statement.owner_org_id != principal.org_id:
                continue
            statement.withdrawn = True
            statement.updated_at = now
            withdrawn += 1
            audit.record(session, principal, "statement.withdraw", now, "statement", statement.id,
                         {"reason": f"delisting {request.reference} upheld"})
    request.status = DelistingStatus.UPHELD.value if decision == "uphold" else DelistingStatus.REJECTED.value
    request.decided_at = now
    request.decided_by_user_id = principal.user_id
    request.decision_note = note.strip()[:4000]
    request.withdrawn_statements = withdrawn
    audit.record(session, principal, f"delisting.{request.status}", now, "delisting_request", request.id,
                 {"reference": request.reference, "withdrawn": withdrawn})
    return withdrawn
