"""Operations: create, list, change, add participants. Every read goes through the access gate.

An operation gets its own sharing group (its participants); the operation and everything made inside it
are marked AMBER to that group unless an author marks a record narrower.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.access import Principal, gate
from aspjoc.accounts import service as accounts
from aspjoc.accounts.models import Organisation
from aspjoc.accounts.permissions import Permission, require
from aspjoc.errors import Conflict, InvalidInput
from aspjoc.intel.models import CrimeType
from aspjoc.marking import MarkingSpec, TLP, marking_id_for
from aspjoc.operations import scope
from aspjoc.operations.models import Operation, OperationStatus
from aspjoc.operations.schemas import OperationIn, OperationPatch


def _check_crime_type(value: str) -> str:
    if value not in CrimeType.__members__.values():
        raise InvalidInput("crime_type", f"'{value}' is not one of {', '.join(CrimeType)}")
    return value


def create_operation(session: Session, principal: Principal, data: OperationIn, now: datetime) -> Operation:
    """Store a new operation with its own sharing group (the caller's organisation, the lead and the participants).

    Raises Conflict when the name (or its group's name) is taken, InvalidInput for a bad crime type or period.
    """
    require(principal, Permission.WRITE_INTEL)
    assert principal.org_id is not None
    name = data.name.strip()
    if not name:
        raise InvalidInput("name", "an operation needs a name")
    _check_crime_type(data.crime_type)
    if data.ends_on < data.starts_on:
        raise InvalidInput("ends_on", "is before starts_on")
    if session.scalar(select(Operation.id).where(Operation.name == name)) is not None:
        raise Conflict("name", f"an operation named '{name}' already exists")
    author_org = accounts.find_organisation(session, principal.org_id)
    lead = accounts.find_organisation(session, data.lead) if data.lead is not None else author_org
    members = [lead, *(accounts.find_organisation(session, ref) for ref in data.participants)]
    title = name if name.lower().startswith("operation") else f"Operation {name}"
    group = accounts.add_group(session, title, author_org, members, now, description=f"Participants of {title}.")
    marking_id = marking_id_for(session, MarkingSpec(principal.org_id, TLP.AMBER, groups=frozenset({group.id})))
    operation = Operation(name=name, crime_type=data.crime_type, description=data.description,
                          starts_on=data.starts_on, ends_on=data.ends_on, status=data.status, lead_org_id=lead.id,
                          group_id=group.id, owner_org_id=principal.org_id, created_by_user_id=principal.user_id,
                          created_at=now, updated_at=now, marking_id=marking_id)
    session.add(operation)
    session.flush()
    audit.record(session, principal, "operation.create", now, "operation", operation.id,
                 {"name": name, "participants": sorted(o.id for o in members)})
    return operation


def list_operations(session: Session, principal: Principal, status: str | None = None) -> list[Operation]:
    """Operations ``principal`` may see: active first, then planning, then closed; newest start first."""
    order = case({"active": 0, "planning": 1}, value=Operation.status, else_=2)
    query = select(Operation).where(gate(principal, Operation))
    if status:
        query = query.where(Operation.status == status)
    return list(session.scalars(query.order_by(order, Operation.starts_on.desc(), Operation.id.desc())))


def update_operation(session: Session, principal: Principal, operation_id: int, data: OperationPatch,
                     now: datetime) -> Operation:
    """Change status, description or end date (lead organisation only)."""
    require(principal, Permission.WRITE_INTEL)
    operation = scope.visible_operation(session, principal, operation_id)
    scope.require_lead(principal, operation)
    changes: dict[str, str] = {}
    if data.status is not None and data.status != operation.status:
        changes["status"] = f"{operation.status} -> {data.status}"
        operation.status = OperationStatus(data.status).value
    if data.description is not None:
        operation.description = data.description
        changes["description"] = "changed"
    if data.ends_on is not None:
        if data.ends_on < operation.starts_on:
            raise InvalidInput("ends_on", "is before starts_on")
        changes["ends_on"] = data.ends_on.isoformat()
        operation.ends_on = data.ends_on
    operation.updated_at = now
    audit.record(session, principal, "operation.update", now, "operation", operation.id, changes)
    return operation


def add_participants(session: Session, principal: Principal, operation_id: int, refs: Sequence[str | int],
                     now: datetime) -> list[Organisation]:
    """Add organisations to the operation (lead only); returns those newly added."""
    require(principal, Permission.WRITE_INTEL)
    operation = scope.visible_operation(session, principal, operation_id)
    scope.require_lead(principal, operation)
    added = scope.add_members(session, operation, [accounts.find_organisation(session, ref) for ref in refs])
    if added:
        audit.record(session, principal, "operation.participants.add", now, "operation", operation.id,
                     {"added": [o.id for o in added]})
    return added
