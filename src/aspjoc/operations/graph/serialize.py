"""Entities, relationships and clusters to their API shapes (for rows the caller already passed through the gate)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from aspjoc.access import Principal
from aspjoc.accounts.models import Organisation
from aspjoc.intel.schemas import OrgRef
from aspjoc.marking import Handling, Marking, TLP
from aspjoc.operations.graph.clusters import Cluster
from aspjoc.operations.graph.models import Entity, EntityRole, Relationship
from aspjoc.operations.graph.nodes import describe, node
from aspjoc.operations.graph.schemas import ClusterOut, EndOut, EntityOut, MarkingBrief, RelationshipOut
from aspjoc.operations.graph.visibility import View


def _lookups(session: Session, rows: Sequence[Entity | Relationship]) -> tuple[dict[int, Organisation], dict[int, Marking]]:
    orgs = {o.id: o for o in session.scalars(select(Organisation).where(Organisation.id.in_({r.owner_org_id for r in rows})))}
    marks = {m.id: m for m in session.scalars(select(Marking).where(Marking.id.in_({r.marking_id for r in rows})))}
    return orgs, marks


def _brief(marking: Marking) -> MarkingBrief:
    return MarkingBrief(tlp=TLP(marking.tlp).label, handling=Handling(marking.handling).names())  # type: ignore[arg-type]


def _org(org: Organisation) -> OrgRef:
    return OrgRef(id=org.id, name=org.name, country=org.country)


def entities_out(session: Session, entities: Sequence[Entity]) -> list[EntityOut]:
    orgs, marks = _lookups(session, entities)
    return [EntityOut(id=e.id, uuid=e.uuid, kind=e.kind, role=e.role, victim_data=e.role == EntityRole.VICTIM.value,
                      name=e.name, aliases=[a for a in e.aliases.split("\n") if a], country=e.country,
                      description=e.description, owner=_org(orgs[e.owner_org_id]), marking=_brief(marks[e.marking_id]),
                      created_at=e.created_at, updated_at=e.updated_at) for e in entities]


def relationships_out(session: Session, principal: Principal, rels: Sequence[Relationship]) -> list[RelationshipOut]:
    """API shapes of ``rels``; end labels come from a gated description of the ends (victims included: the rows are visible)."""
    orgs, marks = _lookups(session, rels)
    ends = describe(session, View(principal, include_victims=True),
                    [node(t, i) for r in rels for t, i in ((r.source_type, r.source_id), (r.target_type, r.target_id))])

    def end(kind: str, end_id: int) -> EndOut:
        key = f"{kind}:{end_id}"
        found = ends.get(key)
        return EndOut(type=kind, id=end_id, node=key, label=found.label if found else key)

    return [RelationshipOut(id=r.id, uuid=r.uuid, kind=r.kind, source=end(r.source_type, r.source_id),
                            target=end(r.target_type, r.target_id), confidence=r.confidence, description=r.description,
                            owner=_org(orgs[r.owner_org_id]), marking=_brief(marks[r.marking_id]), created_at=r.created_at)
            for r in rels]


def cluster_out(cluster: Cluster) -> ClusterOut:
    return ClusterOut(key=cluster.key, entities=cluster.entities, observables=cluster.observables, domains=cluster.domains,
                      statements=len(cluster.statement_ids), organisations=cluster.organisations,
                      crime_types=cluster.crime_types, first_seen=cluster.first_seen, last_seen=cluster.last_seen,
                      changed_at=cluster.changed_at)
