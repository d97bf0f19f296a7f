"""What evidence may be attached to, and the gate of each kind of subject.

Evidence attaches to a subject by type and id (strings), so it depends on no other table. A
subject type with a registered gate is checked in SQL: evidence on a subject the caller may not
see is invisible too, whatever its own marking. Other capabilities register their kinds, e.g.::

    register_subject_type("target", lambda principal: select(cast(Target.id, String)).where(gate(principal, Target)))

Operations, targets, tasks and actions of ``aspjoc.operations.models`` are registered on first
use, through the generic gate on their ``marking_id``, when those tables exist. Types listed in
SUBJECT_TYPES without a gate ("case", "request") are gated by the evidence record's own marking alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, cast, exists, or_, select
from sqlalchemy.orm import Session

from aspjoc.access import Principal, gate
from aspjoc.capabilities import module
from aspjoc.errors import InvalidInput
from aspjoc.intel.models import Observable, Statement
from aspjoc.operations.evidence.models import EvidenceItem
from aspjoc.operations.graph.models import Entity, Relationship
from aspjoc.operations.graph.visibility import View, observable_in_graph, relationship_condition

SubjectGate = Callable[[Principal], Select[str]]

SUBJECT_TYPES = ("target", "action", "operation", "case", "task", "request", "statement", "entity", "relationship",
                 "observable")
_GATES: dict[str, SubjectGate] = {}
OPERATIONS_SUBJECTS = {"operation": "Operation", "target": "Target", "task": "Task", "action": "Action"}
_operations_checked = False


def register_subject_type(name: str, visible_ids: SubjectGate) -> None:
    """Check evidence on subjects of type ``name`` with ``visible_ids``: a SELECT of the ids (as strings) the principal may see."""
    _GATES[name] = visible_ids


def _statement_ids(principal: Principal) -> Select[str]:
    return select(cast(Statement.id, String)).where(gate(principal, Statement), Statement.withdrawn.is_(False))


def _entity_ids(principal: Principal) -> Select[str]:
    return select(cast(Entity.id, String)).where(gate(principal, Entity))


def _relationship_ids(principal: Principal) -> Select[str]:
    return select(cast(Relationship.id, String)).where(relationship_condition(View(principal, include_victims=True)))


def _observable_ids(principal: Principal) -> Select[str]:
    return select(cast(Observable.id, String)).where(observable_in_graph(View(principal, include_victims=True), Observable.id))


register_subject_type("statement", _statement_ids)
register_subject_type("entity", _entity_ids)
register_subject_type("relationship", _relationship_ids)
register_subject_type("observable", _observable_ids)


def _marked_ids(model: Any) -> SubjectGate:
    def ids(principal: Principal) -> Select[str]:
        return select(cast(model.id, String)).where(gate(principal, model))

    return ids


def _gates() -> dict[str, SubjectGate]:
    """The registered gates, with the operations capability's marked tables added the first time (if present)."""
    global _operations_checked
    if not _operations_checked:
        _operations_checked = True
        models = module("operations", "models")
        for subject_type, name in OPERATIONS_SUBJECTS.items():
            model = getattr(models, name, None)
            if subject_type not in _GATES and model is not None and hasattr(model, "marking_id"):
                _GATES[subject_type] = _marked_ids(model)
    return _GATES


def check_type(subject_type: str) -> str:
    """``subject_type`` if evidence may attach to it; InvalidInput naming ``subject_type`` otherwise."""
    if subject_type not in SUBJECT_TYPES and subject_type not in _gates():
        raise InvalidInput("subject_type", f"'{subject_type}' is not one of {', '.join(SUBJECT_TYPES)}")
    return subject_type


def subject_condition(principal: Principal) -> ColumnElement[bool]:
    """The condition on EvidenceItem that its subject is visible (true for subject types without a registered gate)."""
    checks = [and_(EvidenceItem.subject_type == name, EvidenceItem.subject_id.in_(ids(principal)))
              for name, ids in sorted(_gates().items())]
    return or_(EvidenceItem.subject_type.not_in(sorted(_gates())), *checks)


def subject_visible(session: Session, principal: Principal, subject_type: str, subject_id: str) -> bool | None:
    """Whether the principal may see the subject; None when its type has no registered gate."""
    ids = _gates().get(subject_type)
    if ids is None:
        return None
    # EXISTS with the id as a condition on the gate's rows, not ``id IN (gate)``: PostgreSQL then tests the
    # cheap equality first instead of working out the whole visible set (a second per call on observables).
    visible = ids(principal).subquery()
    return bool(session.scalar(select(exists().where(visible.c[0] == subject_id))))
