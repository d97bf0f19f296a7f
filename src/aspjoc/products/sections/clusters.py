"""New clusters of shared infrastructure: registered domains and IPv4 /24 networks that tie separate reports together.

A *cluster* is a registered domain or a /24 network on which at least ``MIN_IDENTIFIERS``
distinct identifiers were reported in the period by at least two organisations; it is *new* when
none of its identifiers was reported in the previous period of the same length. Computed by
GROUP BY over the product's facts, as the audience sees them.

The link-analysis engine (``aspjoc.operations.graph.clusters``) finds richer clusters (entities
and recorded relationships too) for one principal, with networkx over the whole visible graph:
seven seconds for 130,000 statements on the benchmark machine, too slow for an assessment over
a million, and bound to one principal where a product answers to several. This section keeps to
what SQL can group; the graph view remains where an analyst explores a cluster.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from aspjoc.intel.models import StatementKind
from aspjoc.products.content import ClusterRow, Clusters
from aspjoc.products.sections import Context
from aspjoc.products.sections.infrastructure import network_label

SOURCE = "registered domains and IPv4 /24 networks shared by reports of two or more organisations (SQL over the facts)"
SHOWN = 10
MIN_IDENTIFIERS = 3


def _grouped(ctx: Context, key: Any) -> tuple[list[Any], int]:
    """The top clusters on ``key`` and how many there are."""
    f = ctx.facts.c
    identifiers = func.count(func.distinct(f.observable_id))
    organisations = func.count(func.distinct(f.owner_org_id))
    query = (select(key.label("key"), identifiers.label("obs"), func.count().label("n"), organisations.label("orgs"),
                    func.min(f.month).label("first"))
             .where(f.kind != StatementKind.VICTIM.value, key.is_not(None))
             .group_by(key)
             .having(func.min(f.current) == 1, identifiers >= MIN_IDENTIFIERS, organisations >= 2))
    total = ctx.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = ctx.session.execute(query.order_by(identifiers.desc(), func.count().desc(), key).limit(SHOWN)).all()
    return list(rows), int(total)


def _crime_types(ctx: Context, key: Any, keys: list[Any]) -> dict[Any, list[str]]:
    f = ctx.facts.c
    found: dict[Any, list[str]] = {}
    for k, crime in ctx.session.execute(select(key, f.crime_type).where(*ctx.facts.threats(), key.in_(keys),
                                                                        f.crime_type.is_not(None)).distinct()):
        found.setdefault(k, []).append(crime)
    return found


def clusters(ctx: Context) -> Clusters:
    f = ctx.facts.c
    items: list[ClusterRow] = []
    total = 0
    for key, kind, label in ((f.domain, "domain", str), (f.net24, "network", network_label)):
        rows, count = _grouped(ctx, key)
        total += count
        crimes = _crime_types(ctx, key, [r.key for r in rows]) if rows else {}
        items += [ClusterRow(label=label(r.key), kind=kind, observables=int(r.obs), statements=int(r.n),
                             organisations=int(r.orgs), crime_types=sorted(crimes.get(r.key, [])), first_month=r.first)
                  for r in rows]
    items.sort(key=lambda c: (-c.observables, -c.statements, c.label))
    return Clusters(total=total, items=items[:SHOWN], source=SOURCE)
