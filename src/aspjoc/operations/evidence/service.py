"""Evidence intake, access, transfer and the custody log. Every read goes through the access gate.

An evidence item is visible when its own marking is AND its subject is (for subject types with a
registered gate). Every access to the file (view, download, export) and every transfer is a
custody event carrying the file's hash at that moment, and is written to the audit chain too.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.access import Principal, Purpose, gate
from aspjoc.accounts import service as accounts
from aspjoc.accounts.models import OrgKind
from aspjoc.accounts.permissions import Permission, require
from aspjoc.errors import InvalidInput, NotFound, PermissionDenied
from aspjoc.marking import Marking, MarkingRecipient, MarkingSpec, TLP, Handling, marking_id_for
from aspjoc.operations.evidence.models import CustodyAction, CustodyEvent, EvidenceItem
from aspjoc.operations.evidence.store import EvidenceStore, Received
from aspjoc.operations.evidence.subjects import check_type, subject_condition, subject_visible
from aspjoc.operations.graph.schemas import RecordMarkingIn
from aspjoc.operations.graph.service import record_marking_id

MAX_FILENAME = 255


def visible(principal: Principal, purpose: Purpose = Purpose.READ) -> ColumnElement[bool]:
    """The condition on EvidenceItem for what ``principal`` may see for ``purpose``: its marking and its subject."""
    return and_(gate(principal, EvidenceItem, purpose), subject_condition(principal))


@dataclass(frozen=True)
class NewEvidence:
    subject_type: str
    subject_id: str
    filename: str
    content_type: str
    description: str
    marking: RecordMarkingIn


def record_custody(session: Session, actor: Principal | None, item: EvidenceItem, action: CustodyAction, now: datetime,
                   sha256: str | None, purpose: str = "", from_org_id: int | None = None, to_org_id: int | None = None,
                   detail: dict[str, Any] | None = None) -> CustodyEvent:
    """Append a custody event for ``item`` and the matching audit event; the custody row keeps the audit hash."""
    intact = sha256 == item.sha256
    facts = {"sha256": sha256, "intact": intact, "purpose": purpose, "from_org": from_org_id, "to_org": to_org_id,
             **(detail or {})}
    event = audit.record(session, actor, f"evidence.{action.value}", now, "evidence", item.id, facts)
    row = CustodyEvent(evidence_id=item.id, at=now, action=action.value, actor_user_id=actor.user_id if actor else None,
                       actor_org_id=actor.org_id if actor else None, from_org_id=from_org_id, to_org_id=to_org_id,
                       purpose=purpose, sha256=sha256, intact=intact,
                       detail=json.dumps(detail or {}, sort_keys=True, default=str), audit_hash=event.hash)
    session.add(row)
    session.flush()
    return row


def _clean_filename(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip().replace("\x00", "")
    if not base or base in (".", ".."):
        raise InvalidInput("file", "the file needs a name")
    return base[:MAX_FILENAME]


def intake(session: Session, principal: Principal, store: EvidenceStore, received: Received, new: NewEvidence,
           now: datetime) -> EvidenceItem:
    """Attach the received file to its subject: check everything, keep the file, record intake.

    Raises InvalidInput or NotFound (the subject, if the principal may not see it) before the file
    is kept; the caller discards ``received`` on error.
    """
    require(principal, Permission.WRITE_INTEL)
    subject_type = check_type(new.subject_type.strip())
    subject_id = new.subject_id.strip()
    if not subject_id or len(subject_id) > 64:
        raise InvalidInput("subject_id", "give the id of the subject (at most 64 characters)")
    if subject_visible(session, principal, subject_type, subject_id) is False:
        raise NotFound("subject_id", f"no {subject_type} {subject_id}")
    filename = _clean_filename(new.filename)
    marking_id = record_marking_id(session, principal, new.marking)
    store.keep(received)
    assert principal.org_id is not None
    item = EvidenceItem(subject_type=subject_type, subject_id=subject_id, filename=filename,
                        content_type=(new.content_type or "application/octet-stream")[:120], size=received.size,
                        sha256=received.sha256, description=new.description, marking_id=marking_id,
                        owner_org_id=principal.org_id, custodian_org_id=principal.org_id,
                        created_by_user_id=principal.user_id, created_at=now)
    session.add(item)
    session.flush()
    record_custody(session, principal, item, CustodyAction.INTAKE, now, received.sha256, "intake",
                   to_org_id=principal.org_id, detail={"filename": filename, "size": received.size,
                                                       "subject": f"{subject_type}:{subject_id}"})
    return item


def get_item(session: Session, principal: Principal, item_id: int, purpose: Purpose = Purpose.READ) -> EvidenceItem:
    """The item if ``principal`` may see it for ``purpose``; NotFound otherwise."""
    found = session.scalar(select(EvidenceItem).where(EvidenceItem.id == item_id, visible(principal, purpose)))
    if found is None:
        raise NotFound("evidence", f"no evidence {item_id}")
    return found


def _cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(str(last_id).encode()).decode().rstrip("=")


def _after(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        return int(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()).decode())
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput("cursor", "not a cursor this API gave out") from exc


def list_items(session: Session, principal: Principal, limit: int, cursor: str | None = None,
               subject_type: str | None = None, subject_id: str | None = None) -> tuple[list[EvidenceItem], int, str | None]:
    """One page of visible items (of one subject when given), newest first: (items, total, next cursor)."""
    conditions = [visible(principal)]
    if subject_type:
        conditions.append(EvidenceItem.subject_type == check_type(subject_type))
        if subject_id:
            if subject_visible(session, principal, subject_type, subject_id) is False:
                raise NotFound("subject_id", f"no {subject_type} {subject_id}")
            conditions.append(EvidenceItem.subject_id == subject_id)
    total = session.scalar(select(func.count()).select_from(EvidenceItem).where(*conditions)) or 0
    query = select(EvidenceItem).where(*conditions)
    after = _after(cursor)
    if after is not None:
        query = query.where(EvidenceItem.id < after)
    rows = list(session.scalars(query.order_by(EvidenceItem.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, total, (_cursor(rows[-1].id) if more and rows else None)


@dataclass(frozen=True)
class Access:
    """The outcome of opening a file: the item, its hash now, and whether that equals the intake hash."""

    item: EvidenceItem
    sha256: str | None
    intact: bool


def access(session: Session, principal: Principal, store: EvidenceStore, item_id: int, action: CustodyAction,
           now: datetime, purpose: str = "") -> Access:
    """Log a view or download of the file, hashing it first; the caller serves it only when ``intact``.

    A changed or missing file is logged too (and must not be served as if it were the evidence).
    """
    item = get_item(session, principal, item_id)
    current = store.check(item.sha256)
    record_custody(session, principal, item, action, now, current, purpose)
    return Access(item, current, current == item.sha256)


def custody_log(session: Session, principal: Principal, item_id: int) -> list[CustodyEvent]:
    """The item's custody events, oldest first; NotFound when the item is not visible."""
    item = get_item(session, principal, item_id)
    return list(session.scalars(select(CustodyEvent).where(CustodyEvent.evidence_id == item.id).order_by(CustodyEvent.id)))


def _spec_of(session: Session, marking: Marking) -> MarkingSpec:
    rows = session.scalars(select(MarkingRecipient).where(MarkingRecipient.marking_id == marking.id)).all()
    return MarkingSpec(
        owner_org_id=marking.owner_org_id, tlp=TLP(marking.tlp),
        orgs=frozenset(r.org_id for r in rows if r.org_id is not None and r.user_id is None),
        users=frozenset((r.user_id, r.user_org_id) for r in rows if r.user_id is not None and r.user_org_id is not None),
        groups=frozenset(r.group_id for r in rows if r.group_id is not None),
        handling=Handling(marking.handling), public_use=marking.public_use)


def transfer(session: Session, principal: Principal, store: EvidenceStore, item_id: int, to_org: str, purpose: str,
             now: datetime) -> CustodyEvent:
    """Hand custody of the item to another organisation, logging the hash at hand-over.

    The owner or the current custodian may transfer. When the receiver may not yet see the item,
    only the owner may open the marking to it (nobody else may widen a marking); an AMBER marking
    without named recipients cannot take one without narrowing, so it must be re-marked first.
    """
    require(principal, Permission.WRITE_INTEL)
    if not purpose.strip():
        raise InvalidInput("purpose", "say why custody changes hands (a preservation or MLA request reference)")
    item = get_item(session, principal, item_id)
    if principal.org_id not in (item.owner_org_id, item.custodian_org_id):
        raise PermissionDenied("evidence", "only the owner or the current custodian may transfer custody")
    receiver = accounts.find_organisation(session, to_org)
    if receiver.id == item.custodian_org_id:
        raise InvalidInput("to_organisation", f"{receiver.name} already holds custody")
    _open_to(session, principal, item, receiver.id, receiver.kind)
    current = store.check(item.sha256)
    event = record_custody(session, principal, item, CustodyAction.TRANSFER, now, current, purpose.strip(),
                           from_org_id=item.custodian_org_id, to_org_id=receiver.id)
    item.custodian_org_id = receiver.id
    session.flush()
    return event


def _open_to(session: Session, principal: Principal, item: EvidenceItem, org_id: int, org_kind: str) -> None:
    receiver = accounts.principal_for_org(session, accounts.find_organisation(session, org_id))
    if session.scalar(select(EvidenceItem.id).where(EvidenceItem.id == item.id, gate(receiver, EvidenceItem))) is not None:
        return
    if principal.org_id != item.owner_org_id:
        raise PermissionDenied("to_organisation", "the receiver may not see this evidence; only its owner may open the marking")
    marking = session.get(Marking, item.marking_id)
    assert marking is not None
    spec = _spec_of(session, marking)
    if spec.tlp is TLP.AMBER and not (spec.orgs or spec.users or spec.groups) and org_kind not in (
            OrgKind.LAW_ENFORCEMENT.value, OrgKind.HUB.value):
        raise InvalidInput("to_organisation", "re-mark the evidence with named recipients first: adding one to a "
                                              "community-wide AMBER marking would narrow it")
    item.marking_id = marking_id_for(session, MarkingSpec(spec.owner_org_id, spec.tlp, spec.orgs | {org_id}, spec.users,
                                                          spec.groups, spec.handling, spec.public_use))
