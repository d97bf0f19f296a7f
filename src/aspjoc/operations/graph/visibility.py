"""SQL conditions for what of the graph a principal may see; every graph read is built from these.

* an entity is visible when its marking is (and, unless victims are asked for, it is no victim);
* a statement is visible when its marking is and it is not withdrawn (victim statements likewise
  only on request);
* a relationship is visible when its own marking is AND both its ends are: an entity or statement
  end through the gate, an observable end always (observables carry no marking: the
  relationship's marking decides whether the link is disclosed);
* an observable takes part in the graph only when a visible statement or a visible relationship
  mentions it; the observables table alone says that somebody holds an identifier, so it is never
  enumerated on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, or_
from sqlalchemy.orm import InstrumentedAttribute, aliased

from aspjoc.access import Principal, Purpose, gate
from aspjoc.intel.models import Statement, StatementKind
from aspjoc.operations.graph.models import EndType, Entity, EntityRole, Relationship


@dataclass(frozen=True)
class View:
    """Who looks, for what purpose, and whether victims are wanted."""

    principal: Principal
    purpose: Purpose = Purpose.READ
    include_victims: bool = False


def entity_condition(view: View, entity: Any = Entity) -> ColumnElement[bool]:
    """The condition on ``entity`` (the Entity table, or an alias of it) for the entities ``view`` may see."""
    condition = gate(view.principal, entity, view.purpose)
    if not view.include_victims:
        condition = and_(condition, entity.role != EntityRole.VICTIM.value)
    return condition


def statement_condition(view: View, statement: Any = Statement) -> ColumnElement[bool]:
    """The condition on ``statement`` (the Statement table, or an alias of it) for the statements ``view`` may see."""
    condition = and_(gate(view.principal, statement, view.purpose), statement.withdrawn.is_(False))
    if not view.include_victims:
        condition = and_(condition, statement.kind != StatementKind.VICTIM.value)
    return condition


_END_ENTITY = aliased(Entity, name="end_entity")
_END_STATEMENT = aliased(Statement, name="end_statement")


def _end_visible(view: View, end_type: InstrumentedAttribute[str], end_id: InstrumentedAttribute[int]) -> ColumnElement[bool]:
    # Correlated EXISTS on aliases, not ``IN (visible ids)``: an IN list makes SQLite build the list of every
    # visible statement first, and an alias never correlates with a statements table of an enclosing query.
    # The aliases are named once, so the compiled statement is cached.
    entity, statement = _END_ENTITY, _END_STATEMENT
    return or_(
        and_(end_type == EndType.ENTITY.value, exists().where(entity.id == end_id, entity_condition(view, entity))),
        end_type == EndType.OBSERVABLE.value,
        and_(end_type == EndType.STATEMENT.value,
             exists().where(statement.id == end_id, statement_condition(view, statement))),
    )


def relationship_condition(view: View) -> ColumnElement[bool]:
    """A relationship is visible only when it and both its ends are."""
    r = Relationship
    return and_(gate(view.principal, r, view.purpose), _end_visible(view, r.source_type, r.source_id),
                _end_visible(view, r.target_type, r.target_id))


def observable_in_graph(view: View, observable_id: object) -> ColumnElement[bool]:
    """True when a visible statement or visible relationship mentions the observable ``observable_id`` (a column or value)."""
    r = Relationship
    by_statement = exists().where(Statement.observable_id == observable_id, statement_condition(view))
    by_relationship = exists().where(
        or_(and_(r.source_type == EndType.OBSERVABLE.value, r.source_id == observable_id),
            and_(r.target_type == EndType.OBSERVABLE.value, r.target_id == observable_id)),
        relationship_condition(view))
    return or_(by_statement, by_relationship)
