"""Targets of an operation: an observable, a statement or a link-analysis entity, with the country that should act.

Reads go through the gate on targets; the statements behind a target go through the gate on statements,
for the reader and, for a package or a notice, for its recipient as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, select
from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.access import Principal, Purpose, gate
from aspjoc.accounts.permissions import Permission, require
from aspjoc.capabilities import module
from aspjoc.errors import Conflict, InvalidInput, NotFound
from aspjoc.intel.models import Statement
from aspjoc.intel.service import observable_for
from aspjoc.marking import TLP, marking_id_for
from aspjoc.observables import canonicalise
from aspjoc.operations import scope
from aspjoc.operations.models import Operation, RecommendedAction, Target, TargetKind, TargetStatus
from aspjoc.operations.schemas import TargetIn, TargetPatch

PRIORITIES = {"high": 1, "medium": 2, "low": 3}
PRIORITY_LABELS = {v: k for k, v in PRIORITIES.items()}


def check_action(value: str, field: str = "action") -> str:
    if value not in RecommendedAction.__members__.values():
        raise InvalidInput(field, f"'{value}' is not one of {', '.join(RecommendedAction)}")
    return value


def _entity_model() -> Any | None:
    """The graph capability's Entity table, when that capability is installed."""
    models = module("operations.graph", "models")
    return getattr(models, "Entity", None) if models is not None else None


@dataclass(frozen=True)
class _Subject:
    kind: TargetKind
    observable_id: int | None
    statement_id: int | None
    entity_id: int | None
    label: str


def _subject(session: Session, principal: Principal, data: TargetIn, now: datetime,
             default_region: str | None) -> _Subject:
    given = [name for name in ("observable", "statement_id", "entity_id") if getattr(data, name) is not None]
    if len(given) != 1:
        raise InvalidInput("observable", "give exactly one of observable, statement_id and entity_id")
    if data.observable is not None:
        canonical = canonicalise(data.observable.value, data.observable.type,
                                 default_region=data.observable.country or default_region or principal.country)
        observable = observable_for(session, canonical, now)
        session.flush()
        return _Subject(TargetKind.OBSERVABLE, observable.id, None, None, f"{canonical.type.value} {canonical.value}")
    if data.statement_id is not None:
        statement = session.scalar(select(Statement).where(Statement.id == data.statement_id, Statement.withdrawn.is_(False),
                                                           gate(principal, Statement)))
        if statement is None:
            raise NotFound("statement_id", f"no statement {data.statement_id}")
        obs = statement.observable
        return _Subject(TargetKind.STATEMENT, obs.id, statement.id, None, f"{obs.type} {obs.value}")
    entity_model = _entity_model()
    entity = None if entity_model is None else session.scalar(
        select(entity_model).where(entity_model.id == data.entity_id, gate(principal, entity_model)))
    if entity is None:
        raise NotFound("entity_id", f"no entity {data.entity_id}")
    return _Subject(TargetKind.ENTITY, None, None, entity.id, f"{entity.kind} {entity.name}")


def _duplicate(session: Session, principal: Principal, operation: Operation, subject: _Subject, country: str) -> bool:
    """Whether a target the author may see already names the same subject for the same country."""
    same = (Target.entity_id == subject.entity_id) if subject.kind is TargetKind.ENTITY else (
        Target.observable_id == subject.observable_id)
    return session.scalar(select(Target.id).where(Target.operation_id == operation.id, Target.acting_country == country,
                                                  same, gate(principal, Target))) is not None


def add_target(session: Session, principal: Principal, operation_id: int, data: TargetIn, now: datetime,
               default_region: str | None = None) -> Target:
    """Add a target to a visible operation (participants only).

    Raises InvalidInput for a country without a participating unit or an unknown action, NotFound for a
    statement or entity the author may not see, Conflict for the same subject and country twice.
    """
    require(principal, Permission.WRITE_INTEL)
    operation = scope.visible_operation(session, principal, operation_id)
    scope.require_participant(principal, operation)
    country = scope.check_acting_country(session, operation, data.country)
    check_action(data.action)
    subject = _subject(session, principal, data, now, default_region)
    if _duplicate(session, principal, operation, subject, country):
        raise Conflict("observable", f"{subject.label} is already a target of this operation for {country}")
    marking_id = marking_id_for(session, scope.marking_for(session, principal, operation, data.marking))
    target = Target(operation_id=operation.id, kind=subject.kind.value, observable_id=subject.observable_id,
                    statement_id=subject.statement_id, entity_id=subject.entity_id, label=subject.label,
                    acting_country=country, recommended_action=data.action, priority=PRIORITIES[data.priority],
                    status=TargetStatus.OPEN.value, deadline=data.deadline, rationale=data.rationale,
                    marking_id=marking_id, owner_org_id=principal.org_id, created_by_user_id=principal.user_id,
                    created_at=now, updated_at=now)
    session.add(target)
    session.flush()
    audit.record(session, principal, "operation.target.create", now, "operation_target", target.id,
                 {"operation": operation.id, "country": country, "action": data.action})
    return target


def list_targets(session: Session, principal: Principal, operation_id: int, country: str | None = None,
                 status: str | None = None) -> list[Target]:
    """Visible targets of a visible operation: by country, then priority, then id."""
    operation = scope.visible_operation(session, principal, operation_id)
    query = select(Target).where(Target.operation_id == operation.id, gate(principal, Target))
    if country:
        query = query.where(Target.acting_country == country.upper())
    if status:
        query = query.where(Target.status == status)
    return list(session.scalars(query.order_by(Target.acting_country, Target.priority, Target.id)).unique())


def get_target(session: Session, principal: Principal, operation_id: int, target_id: int) -> Target:
    """One visible target; NotFound when it does not exist, belongs elsewhere or is outside the caller's view."""
    operation = scope.visible_operation(session, principal, operation_id)
    found = session.scalar(select(Target).where(Target.id == target_id, Target.operation_id == operation.id,
                                                gate(principal, Target)))
    if found is None:
        raise NotFound("target", f"no target {target_id} in operation {operation_id}")
    return found


def update_target(session: Session, principal: Principal, operation_id: int, target_id: int, data: TargetPatch,
                  now: datetime) -> Target:
    """Change status, priority, action or deadline of a visible target (participants only)."""
    require(principal, Permission.WRITE_INTEL)
    target = get_target(session, principal, operation_id, target_id)
    scope.require_participant(principal, scope.visible_operation(session, principal, operation_id))
    if data.status is not None:
        target.status = TargetStatus(data.status).value
    if data.priority is not None:
        target.priority = PRIORITIES[data.priority]
    if data.action is not None:
        target.recommended_action = check_action(data.action)
    if data.deadline is not None:
        target.deadline = data.deadline
    target.updated_at = now
    audit.record(session, principal, "operation.target.update", now, "operation_target", target.id,
                 data.model_dump(exclude_none=True, mode="json"))
    return target


def statements_behind(session: Session, target: Target, *viewers: Principal,
                      purpose: Purpose = Purpose.READ) -> list[Statement]:
    """Current statements on the target's observable that every one of ``viewers`` may see, most severe first.

    Passing the reader and a recipient keeps a notice or package to what both may see. Entity targets
    have no observable and give an empty list.
    """
    if target.observable_id is None:
        return []
    conditions: list[ColumnElement[bool]] = [gate(viewer, Statement, purpose) for viewer in viewers]
    order = case((Statement.id == target.statement_id, 0), else_=1)
    return list(session.scalars(
        select(Statement).where(Statement.observable_id == target.observable_id, Statement.withdrawn.is_(False),
                                *conditions).order_by(order, Statement.last_seen.desc())).unique())


RESTRICTED = (int(TLP.AMBER_STRICT), int(TLP.RED))


def audit_restricted_read(session: Session, principal: Principal, target: Target, statements: list[Statement],
                          now: datetime) -> None:
    """Audit a reader's view of other organisations' AMBER+STRICT or RED statements behind a target."""
    restricted = [s.id for s in statements if s.marking.tlp in RESTRICTED and s.owner_org_id != principal.org_id]
    if restricted:
        audit.record(session, principal, "operation.target.restricted_read", now, "operation_target", target.id,
                     {"statements": restricted})
