"""Entities and relationships: create, get, list. Every read goes through the access gate.

``clusters``, ``neighbourhood`` and ``shortest_path`` (the analysis over the visible graph) live in
``analysis.py`` and ``clusters.py`` and are re-exported here for other capabilities.
"""

from __future__ import annotations

import base64
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.access import Principal
from aspjoc.accounts.permissions import Permission, require
from aspjoc.countries import is_country
from aspjoc.errors import InvalidInput, NotFound
from aspjoc.intel.schemas import MarkingIn
from aspjoc.intel.service import observable_for, resolve_marking
from aspjoc.marking import marking_id_for
from aspjoc.observables import canonicalise
from aspjoc.operations.graph.analysis import neighbourhood, shortest_path
from aspjoc.operations.graph.clusters import Cluster, clusters
from aspjoc.operations.graph.models import EndType, Entity, EntityKind, EntityRole, Relationship, RelationshipKind
from aspjoc.operations.graph.nodes import NodeRef, describe, node
from aspjoc.operations.graph.schemas import EndIn, EntityIn, RecordMarkingIn, RelationshipIn
from aspjoc.operations.graph.visibility import View, entity_condition, relationship_condition

__all__ = ["Cluster", "clusters", "create_entity", "create_relationship", "get_entity", "get_relationship",
           "list_entities", "list_relationships", "neighbourhood", "record_marking_id", "shortest_path"]


def _choice(value: str, allowed: type[EntityKind] | type[EntityRole] | type[RelationshipKind], field: str) -> str:
    values = [member.value for member in allowed]
    if value not in values:
        raise InvalidInput(field, f"'{value}' is not one of {', '.join(values)}")
    return value


def record_marking_id(session: Session, principal: Principal, marking: RecordMarkingIn) -> int:
    """The stored marking for a record the principal's organisation owns; InvalidInput naming the bad part."""
    spec = resolve_marking(session, principal, MarkingIn(tlp=marking.tlp, recipients=marking.recipients,
                                                         handling=marking.handling))
    return marking_id_for(session, spec)


def create_entity(session: Session, principal: Principal, data: EntityIn, now: datetime) -> Entity:
    """Store a new entity owned by the principal's organisation; InvalidInput names a bad kind, role or country."""
    require(principal, Permission.WRITE_INTEL)
    kind = _choice(data.kind, EntityKind, "kind")
    role = _choice(data.role, EntityRole, "role")
    country = (data.country or "").strip().upper() or None
    if country and not is_country(country):
        raise InvalidInput("country", f"'{data.country}' is not an ISO 3166 country code")
    if not data.name.strip():
        raise InvalidInput("name", "an entity needs a name")
    entity = Entity(kind=kind, role=role, name=data.name.strip(), country=country, description=data.description,
                    aliases="\n".join(a.strip() for a in data.aliases if a.strip()),
                    marking_id=record_marking_id(session, principal, data.marking), owner_org_id=principal.org_id,
                    created_by_user_id=principal.user_id, created_at=now, updated_at=now)
    session.add(entity)
    session.flush()
    audit.record(session, principal, "entity.create", now, "entity", entity.id,
                 {"kind": kind, "role": role, "tlp": data.marking.tlp})
    return entity


def get_entity(session: Session, principal: Principal, entity_id: int) -> Entity:
    """The entity if the principal may see it (victims included: asked for by id); NotFound otherwise."""
    found = session.scalar(select(Entity).where(Entity.id == entity_id,
                                                entity_condition(View(principal, include_victims=True))))
    if found is None:
        raise NotFound("entity", f"no entity {entity_id}")
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


def list_entities(session: Session, principal: Principal, limit: int, cursor: str | None = None, kind: str | None = None,
                  role: str | None = None, q: str | None = None) -> tuple[list[Entity], int, str | None]:
    """One page of visible entities, newest first; returns (items, total matching, next cursor or None)."""
    conditions = [entity_condition(View(principal, include_victims=True))]
    if kind:
        conditions.append(Entity.kind == _choice(kind, EntityKind, "kind"))
    if role:
        conditions.append(Entity.role == _choice(role, EntityRole, "role"))
    if q:
        pattern = f"%{q.strip().lower()}%"
        conditions.append(or_(func.lower(Entity.name).like(pattern), func.lower(Entity.aliases).like(pattern)))
    total = session.scalar(select(func.count()).select_from(Entity).where(*conditions)) or 0
    query = select(Entity).where(*conditions)
    after = _after(cursor)
    if after is not None:
        query = query.where(Entity.id < after)
    rows = list(session.scalars(query.order_by(Entity.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, total, (_cursor(rows[-1].id) if more and rows else None)


def _end(session: Session, principal: Principal, end: EndIn, field: str, now: datetime) -> NodeRef:
    """The node ``end`` names, checked visible to the author; observables given by value are stored if new."""
    end_type = _choice(end.type, EndType, f"{field}.type")  # type: ignore[arg-type]
    if end_type == EndType.OBSERVABLE.value and end.value:
        canonical = canonicalise(end.value, end.observable_type or None, default_region=principal.country)
        return node("observable", observable_for(session, canonical, now).id)
    if end.id is None:
        raise InvalidInput(f"{field}.id", "give the id of the entity, observable or statement (or an observable's value)")
    ref = node(end_type, end.id)
    # An observable by id must already be in the author's graph: the bare observables table would
    # otherwise answer "somebody holds this" for ids the author cannot see.
    if str(ref) not in describe(session, View(principal, include_victims=True), [ref]):
        raise NotFound(f"{field}.id", f"no {end_type} {end.id}")
    return ref


def create_relationship(session: Session, principal: Principal, data: RelationshipIn, now: datetime) -> Relationship:
    """Store a typed, marked link between two nodes the principal may see; NotFound names an unseen end."""
    require(principal, Permission.WRITE_INTEL)
    kind = _choice(data.kind, RelationshipKind, "kind")
    source = _end(session, principal, data.source, "source", now)
    target = _end(session, principal, data.target, "target", now)
    if source == target:
        raise InvalidInput("target", "a relationship needs two different ends")
    rel = Relationship(kind=kind, source_type=source.kind, source_id=source.id, target_type=target.kind,
                       target_id=target.id, confidence=data.confidence, description=data.description,
                       marking_id=record_marking_id(session, principal, data.marking), owner_org_id=principal.org_id,
                       created_by_user_id=principal.user_id, created_at=now)
    session.add(rel)
    session.flush()
    audit.record(session, principal, "relationship.create", now, "relationship", rel.id,
                 {"kind": kind, "source": str(source), "target": str(target), "tlp": data.marking.tlp})
    return rel


def get_relationship(session: Session, principal: Principal, relationship_id: int) -> Relationship:
    """The relationship if it and both its ends are visible to the principal; NotFound otherwise."""
    found = session.scalar(select(Relationship).where(
        Relationship.id == relationship_id, relationship_condition(View(principal, include_victims=True))))
    if found is None:
        raise NotFound("relationship", f"no relationship {relationship_id}")
    return found


def list_relationships(session: Session, principal: Principal, limit: int, cursor: str | None = None,
                       end: NodeRef | None = None, kind: str | None = None) -> tuple[list[Relationship], int, str | None]:
    """One page of visible relationships (optionally touching ``end``), newest first."""
    r = Relationship
    conditions = [relationship_condition(View(principal, include_victims=True))]
    if end is not None:
        conditions.append(or_(and_(r.source_type == end.kind, r.source_id == end.id),
                              and_(r.target_type == end.kind, r.target_id == end.id)))
    if kind:
        conditions.append(r.kind == _choice(kind, RelationshipKind, "kind"))
    total = session.scalar(select(func.count()).select_from(r).where(*conditions)) or 0
    query = select(r).where(*conditions)
    after = _after(cursor)
    if after is not None:
        query = query.where(r.id < after)
    rows = list(session.scalars(query.order_by(r.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, total, (_cursor(rows[-1].id) if more and rows else None)
