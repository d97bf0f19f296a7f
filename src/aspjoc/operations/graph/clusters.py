"""Clusters of shared infrastructure: entities and statements linked through shared observables.

Two scam pages on one registered domain, one mule account reported by three organisations, a
group whose members use the same wallet: each is a connected component of the visible graph
(statements → observables → registered domains, plus recorded relationships).

Costs grow with the *shared* part of the data, not with all of it: SQL first keeps only the
statements whose observable is held by two visible statements, sits on a registered domain shared
by two visible observables, or is a relationship end; networkx then runs on those rows alone.

A registered domain with more than ``max_domain_fanout`` visible observables (a URL shortener, a
hosting platform, the documentation domains example.com and example.net) says nothing about who
runs what, so it does not join clusters.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import networkx as nx
from sqlalchemy import Select, case, func, or_, select, union
from sqlalchemy.orm import Session

from aspjoc.access import Principal, Purpose
from aspjoc.accounts.models import Organisation
from aspjoc.errors import InvalidInput
from aspjoc.intel.models import CrimeType, Observable, Statement
from aspjoc.operations.graph.expand import DOMAIN_TYPES
from aspjoc.operations.graph.models import Entity, Relationship
from aspjoc.operations.graph.nodes import describe, node
from aspjoc.operations.graph.schemas import NodeOut
from aspjoc.operations.graph.visibility import View, relationship_condition, statement_condition


@dataclass(frozen=True)
class Cluster:
    """One cluster as the caller may see it; ``key`` is stable while its members stay the same."""

    key: str
    entities: list[NodeOut]
    observables: list[NodeOut]
    domains: list[str]
    statement_ids: list[int]
    organisations: list[str]
    crime_types: list[str]
    first_seen: datetime | None
    last_seen: datetime | None
    changed_at: datetime | None

    @property
    def members(self) -> int:
        """Entities plus statements: how many separate records the shared infrastructure ties together."""
        return len(self.entities) + len(self.statement_ids)


@dataclass(frozen=True)
class _StatementRow:
    id: int
    observable_id: int
    owner: str
    crime_type: str | None
    first_seen: datetime
    last_seen: datetime
    updated_at: datetime
    domain: str | None


def _relationship_ends(view: View, end_type: str) -> Select[tuple[int]]:
    r = Relationship
    visible = relationship_condition(view)
    return union(select(r.source_id).where(r.source_type == end_type, visible),
                 select(r.target_id).where(r.target_type == end_type, visible)).subquery().select()  # type: ignore[return-value]


def _shared_statements(session: Session, view: View, crime_type: str | None, max_fanout: int) -> list[_StatementRow]:
    """Visible statements that can join a cluster (see the module docstring)."""
    visible = [statement_condition(view)]
    if crime_type:
        visible.append(Statement.crime_type == crime_type)
    shared_observables = (select(Statement.observable_id).where(*visible).group_by(Statement.observable_id)
                          .having(func.count() >= 2))
    shared_domains = (select(Observable.domain).join(Statement, Statement.observable_id == Observable.id)
                      .where(*visible, Observable.type.in_(DOMAIN_TYPES), Observable.domain.is_not(None))
                      .group_by(Observable.domain)
                      .having(func.count(func.distinct(Observable.id)).between(2, max_fanout)))
    rows = session.execute(
        select(Statement.id, Statement.observable_id, Organisation.name, Statement.crime_type, Statement.first_seen,
               Statement.last_seen, Statement.updated_at,
               case((Observable.type.in_(DOMAIN_TYPES), Observable.domain), else_=None))
        .join(Observable, Observable.id == Statement.observable_id)
        .join(Organisation, Organisation.id == Statement.owner_org_id)
        .where(*visible, or_(
            Statement.observable_id.in_(shared_observables),
            Observable.domain.in_(shared_domains) & Observable.type.in_(DOMAIN_TYPES),
            Statement.observable_id.in_(_relationship_ends(view, "observable")),
            Statement.id.in_(_relationship_ends(view, "statement")))))
    return [_StatementRow(*row) for row in rows]


def _build(session: Session, view: View, statements: list[_StatementRow],
           max_fanout: int) -> tuple[nx.Graph, dict[str, datetime]]:
    """The graph of the shared statements, their observables and domains, and visible relationships; plus change times."""
    graph = nx.Graph()
    graph.add_edges_from((f"statement:{s.id}", f"observable:{s.observable_id}") for s in statements)
    graph.add_edges_from((f"observable:{s.observable_id}", f"domain:{s.domain}") for s in statements if s.domain)
    changed: dict[str, datetime] = {f"statement:{s.id}": s.updated_at for s in statements}
    rels = session.execute(select(Relationship.source_type, Relationship.source_id, Relationship.target_type,
                                  Relationship.target_id, Relationship.created_at).where(relationship_condition(view))).all()
    for source_type, source_id, target_type, target_id, created_at in rels:
        a, b = f"{source_type}:{source_id}", f"{target_type}:{target_id}"
        graph.add_edge(a, b)
        for end in (a, b):
            changed[end] = max(changed.get(end, created_at), created_at)
    known = {s.observable_id for s in statements}
    observable_ids = [int(n.split(":")[1]) for n in graph.nodes
                      if n.startswith("observable:") and int(n.split(":")[1]) not in known]
    for start in range(0, len(observable_ids), 500):
        chunk = observable_ids[start:start + 500]
        graph.add_edges_from((f"observable:{oid}", f"domain:{domain}") for oid, domain in session.execute(
            select(Observable.id, Observable.domain).where(
                Observable.id.in_(chunk), Observable.type.in_(DOMAIN_TYPES), Observable.domain.is_not(None))))
    crowded = [n for n in graph.nodes if n.startswith("domain:") and graph.degree(n) > max_fanout]
    graph.remove_nodes_from(crowded)
    return graph, changed


def _entity_changes(session: Session, keys: list[str]) -> dict[str, datetime]:
    ids = [int(k.split(":")[1]) for k in keys]
    found: dict[str, datetime] = {}
    for start in range(0, len(ids), 500):
        for eid, at in session.execute(select(Entity.id, Entity.updated_at).where(Entity.id.in_(ids[start:start + 500]))):
            found[f"entity:{eid}"] = at
    return found


def clusters(session: Session, principal: Principal, *, crime_type: str | None = None, since: datetime | None = None,
             min_members: int = 2, limit: int = 50, include_victims: bool = False,
             purpose: Purpose = Purpose.READ, max_domain_fanout: int = 50) -> tuple[list[Cluster], int]:
    """Clusters of shared infrastructure visible to ``principal`` for ``purpose``, largest first.

    ``crime_type`` keeps statements of that crime type only (and clusters holding at least one);
    ``since`` keeps clusters with a statement, entity or relationship changed at or after it ("new
    clusters" for an assessment); ``min_members`` is the least number of entities plus statements;
    ``max_domain_fanout`` is the most observables a registered domain may carry and still link them.
    Victims and victim statements are left out unless ``include_victims``. Returns (clusters, total).
    """
    if crime_type and crime_type not in CrimeType.__members__.values():
        raise InvalidInput("crime_type", f"'{crime_type}' is not one of {', '.join(CrimeType)}")
    if min_members < 1:
        raise InvalidInput("min_members", "must be at least 1")
    view = View(principal, purpose, include_victims)
    rows = _shared_statements(session, view, crime_type, max_domain_fanout)
    by_id = {f"statement:{r.id}": r for r in rows}
    graph, changed = _build(session, view, rows, max_domain_fanout)
    components = [sorted(c) for c in nx.connected_components(graph)]
    if crime_type:
        components = [c for c in components if any(k in by_id for k in c)]
    for key, when in _entity_changes(session, [k for c in components for k in c if k.startswith("entity:")]).items():
        changed[key] = max(when, changed.get(key, when))

    def members(component: list[str]) -> int:
        return sum(1 for k in component if k.startswith(("entity:", "statement:")))

    def latest(component: list[str]) -> datetime | None:
        return max((changed[k] for k in component if k in changed), default=None)

    def recent(component: list[str]) -> bool:
        last = latest(component)
        return since is None or (last is not None and last >= since)

    def stamp(component: list[str]) -> float:
        last = latest(component)
        return last.timestamp() if last else 0.0

    kept = [c for c in components if members(c) >= min_members and recent(c)]
    kept.sort(key=lambda c: (-members(c), -stamp(c), c[0]))
    page = kept[:limit]
    described = describe(session, view, [node(*k.split(":", 1)) for c in page for k in c
                                         if k.startswith(("entity:", "observable:"))])
    return [_cluster(c, by_id, described, changed) for c in page], len(kept)


def _cluster(keys: list[str], statements: dict[str, _StatementRow], described: dict[str, NodeOut],
             changed: dict[str, datetime]) -> Cluster:
    mine = [statements[k] for k in keys if k in statements]
    by_kind: dict[str, list[NodeOut]] = defaultdict(list)
    for k in keys:
        if k in described:
            by_kind[described[k].kind].append(described[k])
    times = [changed[k] for k in keys if k in changed]
    return Cluster(
        key=hashlib.sha256("|".join(keys).encode()).hexdigest()[:16],
        entities=by_kind["entity"], observables=by_kind["observable"],
        domains=sorted(k.split(":", 1)[1] for k in keys if k.startswith("domain:")),
        statement_ids=sorted(s.id for s in mine),
        organisations=sorted({s.owner for s in mine}),
        crime_types=sorted({s.crime_type for s in mine if s.crime_type}),
        first_seen=min((s.first_seen for s in mine), default=None),
        last_seen=max((s.last_seen for s in mine), default=None),
        changed_at=max(times, default=None),
    )
