"""The connected components behind clusters, found on compact rows with a union-find.

The visible graph is statements → observables → registered domains, plus recorded relationships.
A statement always hangs off exactly one observable, and every observable on a shared registered
domain hangs off that domain, so SQL counts instead of listing them:

* per shared registered domain (two to ``max_fanout`` visible observables): its observables, its
  statements and their latest change (GROUP BY domain);
* per other observable held by two visible statements, or that is a relationship end: its statements
  and their latest change (GROUP BY observable).

A union-find over those rows and the relationships gives the components. Statements are read one by
one only for the clusters that are shown (``clusters.py``).

Node keys are the graph's (``observable:5``, ``domain:example.com``, ``entity:3``, ``statement:9``).
A statement key is a node of its own only for a relationship end whose statement is visible but not
counted (of another crime type than asked for); a counted statement end stands for its observable.
A domain whose observables, with those that only relationships bring in, number more than
``max_fanout`` joins nothing, exactly as a crowded hosting domain should not.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, Select, case, func, or_, select, union
from sqlalchemy.orm import Session

from aspjoc.intel.models import Observable, Statement
from aspjoc.operations.graph.expand import DOMAIN_TYPES
from aspjoc.operations.graph.models import Entity, Relationship
from aspjoc.operations.graph.visibility import View, relationship_condition, statement_condition

CHUNK = 500


class DisjointSet:
    """Union-find over node keys, with path halving and union by size."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.size: dict[str, int] = {}

    def add(self, key: str) -> None:
        if key not in self.parent:
            self.parent[key] = key
            self.size[key] = 1

    def find(self, key: str) -> str:
        parent = self.parent
        while (up := parent[key]) != key:
            parent[key] = parent[up]
            key = up
        return key

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]

    def groups(self) -> list[list[str]]:
        """The keys of each set."""
        found: dict[str, list[str]] = {}
        for key in self.parent:
            found.setdefault(self.find(key), []).append(key)
        return list(found.values())


@dataclass
class Component:
    """One component: its node keys, and the statements counted on its observable and domain nodes."""

    nodes: list[str]
    counted: dict[str, int] = field(default_factory=dict)
    entities: int = 0
    orphans: int = 0
    latest: datetime | None = None

    @property
    def members(self) -> int:
        """Entities plus statements."""
        return self.entities + self.orphans + sum(self.counted.values())

    @property
    def first_key(self) -> str:
        """The smallest key of the whole component: statements and grouped observables never are, since a
        component holding them also holds their observable or domain, whose keys sort first."""
        return min(self.nodes)


@dataclass(frozen=True)
class Components:
    """The components, and the ids of statements that are ends of visible relationships."""

    items: list[Component]
    statement_ends: frozenset[int]


def visible_conditions(view: View, crime_type: str | None) -> list[ColumnElement[bool]]:
    visible = [statement_condition(view)]
    if crime_type:
        visible.append(Statement.crime_type == crime_type)
    return visible


def relationship_ends(view: View, end_type: str) -> Select[tuple[int]]:
    r = Relationship
    visible = relationship_condition(view)
    return union(select(r.source_id).where(r.source_type == end_type, visible),
                 select(r.target_id).where(r.target_type == end_type, visible)).subquery().select()  # type: ignore[return-value]


def domain_of() -> ColumnElement[str | None]:
    """The registered domain of an observable whose type has one (url, email, domain); NULL otherwise."""
    return case((Observable.type.in_(DOMAIN_TYPES), Observable.domain), else_=None)


@dataclass
class _Graph:
    """The compact graph while it is built.

    ``counted`` holds statements per observable or domain node; ``domains`` the registered domain of each
    observable node that has one; ``grouped`` the number of observables with visible statements on each
    shared domain; ``in_group`` the observable nodes that are among those.
    """

    sets: DisjointSet = field(default_factory=DisjointSet)
    changed: dict[str, datetime] = field(default_factory=dict)
    counted: dict[str, int] = field(default_factory=dict)
    domains: dict[str, str] = field(default_factory=dict)
    grouped: dict[str, int] = field(default_factory=dict)
    in_group: set[str] = field(default_factory=set)
    statement_ends: set[int] = field(default_factory=set)

    def touch(self, key: str, at: datetime) -> None:
        before = self.changed.get(key)
        self.changed[key] = at if before is None or at > before else before

    def count(self, key: str, statements: int, latest: datetime) -> None:
        self.sets.add(key)
        self.counted[key] = self.counted.get(key, 0) + statements
        self.touch(key, latest)


def _grouped_domains(session: Session, view: View, crime_type: str | None, max_fanout: int, graph: _Graph) -> None:
    """Shared registered domains: observables, statements and latest change of each (kept off the sets for now)."""
    rows = session.execute(
        select(Observable.domain, func.count(func.distinct(Observable.id)), func.count(), func.max(Statement.updated_at))
        .join(Statement, Statement.observable_id == Observable.id)
        .where(*visible_conditions(view, crime_type), Observable.type.in_(DOMAIN_TYPES), Observable.domain.is_not(None))
        .group_by(Observable.domain).having(func.count(func.distinct(Observable.id)).between(2, max_fanout)))
    for domain, observables, statements, latest in rows:
        if not domain:
            continue
        graph.grouped[domain] = observables
        graph.counted[f"domain:{domain}"] = statements
        graph.changed[f"domain:{domain}"] = latest


def _counted_observables(session: Session, view: View, crime_type: str | None, graph: _Graph) -> None:
    """Observables held by two visible statements or ending a relationship, unless a shared domain counts them."""
    # Grouped by the plain columns, not by domain_of(): PostgreSQL cannot match two parameterised CASEs.
    rows = session.execute(
        select(Statement.observable_id, Observable.type, Observable.domain, func.count(), func.max(Statement.updated_at))
        .join(Observable, Observable.id == Statement.observable_id).where(*visible_conditions(view, crime_type))
        .group_by(Statement.observable_id, Observable.type, Observable.domain)
        .having(or_(func.count() >= 2, Statement.observable_id.in_(relationship_ends(view, "observable")))))
    for observable_id, type_, on_domain, statements, latest in rows:
        domain = on_domain if type_ in DOMAIN_TYPES else None
        key = f"observable:{observable_id}"
        if domain in graph.grouped:
            graph.in_group.add(key)
            continue
        graph.count(key, statements, latest)
        if domain:
            graph.domains[key] = domain


def _relationships(session: Session, view: View, crime_type: str | None, graph: _Graph) -> None:
    """Join the ends of every visible relationship; a counted statement end stands for its observable."""
    rels = session.execute(select(Relationship.source_type, Relationship.source_id, Relationship.target_type,
                                  Relationship.target_id, Relationship.created_at)
                           .where(relationship_condition(view))).all()
    graph.statement_ends = {i for row in rels for t, i in ((row[0], row[1]), (row[2], row[3])) if t == "statement"}
    on_observable = _statement_ends(session, view, crime_type, graph)

    def key(end_type: str, end_id: int) -> str:
        return on_observable.get(end_id, f"statement:{end_id}") if end_type == "statement" else f"{end_type}:{end_id}"

    for source_type, source_id, target_type, target_id, created_at in rels:
        a, b = key(source_type, source_id), key(target_type, target_id)
        for end in (a, b):
            graph.sets.add(end)
            graph.touch(end, created_at)
        graph.sets.union(a, b)


def _statement_ends(session: Session, view: View, crime_type: str | None, graph: _Graph) -> dict[int, str]:
    """The observable key of each counted statement end; an observable nothing else counts counts these statements."""
    found: dict[int, str] = {}
    by_rows = set(graph.counted)
    ordered = sorted(graph.statement_ends)
    for start in range(0, len(ordered), CHUNK):
        for sid, oid, domain, updated_at in session.execute(
                select(Statement.id, Statement.observable_id, domain_of(), Statement.updated_at)
                .join(Observable, Observable.id == Statement.observable_id)
                .where(Statement.id.in_(ordered[start:start + CHUNK]), *visible_conditions(view, crime_type))):
            key = found[sid] = f"observable:{oid}"
            if domain in graph.grouped:
                graph.in_group.add(key)
            elif key not in by_rows:
                graph.count(key, 1, updated_at)
            if domain:
                graph.domains[key] = domain
    return found


def _uncounted_domains(session: Session, graph: _Graph) -> None:
    """The registered domains of observable nodes whose domain is not known yet (relationship ends)."""
    ids = sorted(int(k.split(":", 1)[1]) for k in graph.sets.parent
                 if k.startswith("observable:") and k not in graph.domains)
    for start in range(0, len(ids), CHUNK):
        # Only the id in SQL: a condition on the type lets SQLite walk the (type, value) index instead.
        chunk = ids[start:start + CHUNK]
        for oid, domain in session.execute(select(Observable.id, domain_of()).where(Observable.id.in_(chunk))):
            if domain:
                graph.domains[f"observable:{oid}"] = domain


def _join_domains(session: Session, view: View, crime_type: str | None, max_fanout: int, graph: _Graph) -> None:
    """Join observables through their registered domain, unless it carries more than ``max_fanout`` of them.

    A domain's observables are those with visible statements on it (counted on a shared domain) and the
    observable nodes on it that are not among those; a crowded shared domain is split back into its observables.
    """
    extra = Counter(d for key, d in graph.domains.items() if key not in graph.in_group)
    for domain in set(extra) | set(graph.grouped):
        node = f"domain:{domain}"
        if graph.grouped.get(domain, 0) + extra[domain] > max_fanout:
            if domain in graph.grouped:
                _split(session, view, crime_type, domain, graph)
            continue
        graph.sets.add(node)
    for key, domain in graph.domains.items():
        if f"domain:{domain}" in graph.sets.parent:
            graph.sets.union(key, f"domain:{domain}")


def _split(session: Session, view: View, crime_type: str | None, domain: str, graph: _Graph) -> None:
    """Count the statements of a crowded shared domain on its observables instead."""
    del graph.counted[f"domain:{domain}"]
    del graph.changed[f"domain:{domain}"]
    for oid, statements, latest in session.execute(
            select(Statement.observable_id, func.count(), func.max(Statement.updated_at))
            .join(Observable, Observable.id == Statement.observable_id)
            .where(*visible_conditions(view, crime_type), Observable.type.in_(DOMAIN_TYPES), Observable.domain == domain)
            .group_by(Statement.observable_id)):
        graph.count(f"observable:{oid}", statements, latest)


def _entity_changes(session: Session, graph: _Graph) -> None:
    ids = sorted(int(k.split(":", 1)[1]) for k in graph.sets.parent if k.startswith("entity:"))
    for start in range(0, len(ids), CHUNK):
        for eid, at in session.execute(select(Entity.id, Entity.updated_at).where(Entity.id.in_(ids[start:start + CHUNK]))):
            graph.touch(f"entity:{eid}", at)


def components(session: Session, view: View, crime_type: str | None, max_fanout: int) -> Components:
    """Every connected component of the visible shared graph, summarised."""
    graph = _Graph()
    _grouped_domains(session, view, crime_type, max_fanout, graph)
    _counted_observables(session, view, crime_type, graph)
    _relationships(session, view, crime_type, graph)
    _uncounted_domains(session, graph)
    _join_domains(session, view, crime_type, max_fanout, graph)
    _entity_changes(session, graph)
    return Components([_summary(graph, nodes) for nodes in graph.sets.groups()], frozenset(graph.statement_ends))


def _summary(graph: _Graph, nodes: list[str]) -> Component:
    comp = Component(nodes)
    for key in nodes:
        if key in graph.counted:
            comp.counted[key] = graph.counted[key]
        elif key.startswith("entity:"):
            comp.entities += 1
        elif key.startswith("statement:"):
            comp.orphans += 1
        at = graph.changed.get(key)
        if at is not None and (comp.latest is None or at > comp.latest):
            comp.latest = at
    return comp
