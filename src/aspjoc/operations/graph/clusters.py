"""Clusters of shared infrastructure: entities and statements linked through shared observables.

Two scam pages on one registered domain, one mule account reported by three organisations, a
group whose members use the same wallet: each is a connected component of the visible graph
(statements → observables → registered domains, plus recorded relationships).

Costs grow with the *shared* part of the data, not with all of it: SQL keeps only the statements
whose observable is held by two visible statements, sits on a registered domain shared by two
visible observables, or is a relationship end, and counts them per observable; a union-find over
those compact rows finds the components (``components.py``). Statement rows are read only for the
clusters on the page.

A registered domain with more than ``max_domain_fanout`` visible observables (a URL shortener, a
hosting platform, the documentation domains example.com and example.net) says nothing about who
runs what, so it does not join clusters.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from aspjoc.access import Principal, Purpose
from aspjoc.accounts.models import Organisation
from aspjoc.errors import InvalidInput
from aspjoc.intel.models import CrimeType, Observable, Statement
from aspjoc.operations.graph.components import CHUNK, Component, components, domain_of, visible_conditions
from aspjoc.operations.graph.expand import DOMAIN_TYPES
from aspjoc.operations.graph.nodes import describe, node
from aspjoc.operations.graph.schemas import NodeOut
from aspjoc.operations.graph.visibility import View


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


def _rows(session: Session, view: View, crime_type: str | None, on: ColumnElement[bool]) -> list[_StatementRow]:
    return [_StatementRow(*row) for row in session.execute(
        select(Statement.id, Statement.observable_id, Organisation.name, Statement.crime_type, Statement.first_seen,
               Statement.last_seen, Statement.updated_at, domain_of())
        .join(Observable, Observable.id == Statement.observable_id)
        .join(Organisation, Organisation.id == Statement.owner_org_id)
        .where(on, *visible_conditions(view, crime_type)))]


def _statement_rows(session: Session, view: View, crime_type: str | None, page: list[Component],
                    statement_ends: frozenset[int]) -> dict[str, list[_StatementRow]]:
    """The counted statements of each observable and domain node of the components on ``page``.

    A shared domain counts every visible statement on its observables. An observable counts all its
    visible statements or, when it joins a cluster only because some of its statements are relationship
    ends, just those: more visible rows than counted means the latter.
    """
    counted = {key: n for c in page for key, n in c.counted.items()}
    observables = sorted(int(k.split(":", 1)[1]) for k in counted if k.startswith("observable:"))
    domains = sorted(k.split(":", 1)[1] for k in counted if k.startswith("domain:"))
    found: dict[str, list[_StatementRow]] = defaultdict(list)
    for start in range(0, len(observables), CHUNK):
        for row in _rows(session, view, crime_type, Statement.observable_id.in_(observables[start:start + CHUNK])):
            found[f"observable:{row.observable_id}"].append(row)
    for start in range(0, len(domains), CHUNK):
        for row in _rows(session, view, crime_type, and_(Observable.type.in_(DOMAIN_TYPES),
                                                         Observable.domain.in_(domains[start:start + CHUNK]))):
            found[f"domain:{row.domain}"].append(row)
    for key, rows in found.items():
        if len(rows) > counted[key]:
            found[key] = [r for r in rows if r.id in statement_ends]
    return found


def _keys(component: Component, rows: dict[str, list[_StatementRow]]) -> list[str]:
    """Every node key of the component, statements and the observables of shared domains included, sorted."""
    keys = set(component.nodes)
    for node_key in component.counted:
        for row in rows[node_key]:
            keys.add(f"statement:{row.id}")
            keys.add(f"observable:{row.observable_id}")
    return sorted(keys)


def clusters(session: Session, principal: Principal, *, crime_type: str | None = None, since: datetime | None = None,
             min_members: int = 2, limit: int = 50, include_victims: bool = False,
             purpose: Purpose = Purpose.READ, max_domain_fanout: int = 50) -> tuple[list[Cluster], int]:
    """Clusters of shared infrastructure visible to ``principal`` for ``purpose``, largest first.

    ``crime_type`` keeps statements of that crime type only (and clusters holding at least one);
    ``since`` keeps clusters with a statement, entity or relationship changed at or after it ("new
    clusters" for an assessment); ``min_members`` is the least number of entities plus statements;
    ``max_domain_fanout`` is the most observables a registered domain may carry and still link them.
    Victims and victim statements are left out unless ``include_victims``. Ties in size are broken by
    the latest change, then by the smallest node key. Returns (clusters, total).
    """
    if crime_type and crime_type not in CrimeType.__members__.values():
        raise InvalidInput("crime_type", f"'{crime_type}' is not one of {', '.join(CrimeType)}")
    if min_members < 1:
        raise InvalidInput("min_members", "must be at least 1")
    view = View(principal, purpose, include_victims)

    def kept(c: Component) -> bool:
        return (c.members >= min_members and (not crime_type or bool(c.counted))
                and (since is None or (c.latest is not None and c.latest >= since)))

    def order(c: Component) -> tuple[int, float, str]:
        return -c.members, -(c.latest.timestamp() if c.latest else 0.0), c.first_key

    found = components(session, view, crime_type, max_domain_fanout)
    ranked = sorted((c for c in found.items if kept(c)), key=order)
    page = ranked[:limit]
    rows = _statement_rows(session, view, crime_type, page, found.statement_ends)
    statements = {f"statement:{r.id}": r for node_rows in rows.values() for r in node_rows}
    keyed = [_keys(c, rows) for c in page]
    described = describe(session, view, [node(*k.split(":", 1)) for c in keyed for k in c
                                         if k.startswith(("entity:", "observable:"))])
    return [_cluster(keys, statements, described, c.latest) for keys, c in zip(keyed, page)], len(ranked)


def _cluster(keys: list[str], statements: dict[str, _StatementRow], described: dict[str, NodeOut],
             latest: datetime | None) -> Cluster:
    mine = [statements[k] for k in keys if k in statements]
    by_kind: dict[str, list[NodeOut]] = defaultdict(list)
    for k in keys:
        if k in described:
            by_kind[described[k].kind].append(described[k])
    return Cluster(
        key=hashlib.sha256("|".join(keys).encode()).hexdigest()[:16],
        entities=by_kind["entity"], observables=by_kind["observable"],
        domains=sorted(k.split(":", 1)[1] for k in keys if k.startswith("domain:")),
        statement_ids=sorted(s.id for s in mine),
        organisations=sorted({s.owner for s in mine}),
        crime_types=sorted({s.crime_type for s in mine if s.crime_type}),
        first_seen=min((s.first_seen for s in mine), default=None),
        last_seen=max((s.last_seen for s in mine), default=None),
        changed_at=latest,
    )
