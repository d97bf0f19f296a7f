"""Notable matches across countries: identifiers reported in the period by organisations of two or more countries.

Computed here from the product's facts (``aspjoc.intel.correlation`` finds matches as statements
arrive and notifies the owners; it keeps no per-period figures to reuse). One GROUP BY by
observable keeps the matched identifiers in a temporary table; the identifier types, the top
identifiers and the pairs of countries are read from it, so their cost grows with the matched
identifiers, not with all statements (and never with pairs of statements).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Integer, String, Table, func, select

from aspjoc.countries import country_name
from aspjoc.intel.models import Observable
from aspjoc.products.content import Count, Matches, MatchRow
from aspjoc.products.sections import TOP, Context

ITEMS = 15


def _matched_source(ctx: Context) -> Any:
    f = ctx.facts.c
    countries = func.count(func.distinct(f.org_country))
    return (select(f.observable_id, countries, func.count(), func.count(func.distinct(f.owner_org_id)), func.max(f.crime_type))
            .where(*ctx.facts.threats(), f.org_country.is_not(None)).group_by(f.observable_id).having(countries >= 2))


def _pairs(ctx: Context, matched: Table) -> list[Count]:
    f = ctx.facts.c
    held = (select(f.observable_id.label("obs"), f.org_country.label("cc"))
            .where(*ctx.facts.threats(), f.observable_id.in_(select(matched.c.observable_id))).distinct().subquery())
    a, b = held.alias("a"), held.alias("b")
    pairs = (select(a.c.cc, b.c.cc, func.count()).join(b, (b.c.obs == a.c.obs) & (a.c.cc < b.c.cc))
             .group_by(a.c.cc, b.c.cc).order_by(func.count().desc(), a.c.cc, b.c.cc).limit(TOP))
    return [Count(key=f"{one}-{two}", label=f"{country_name(one)} – {country_name(two)}", statements=int(n), observables=int(n))
            for one, two, n in ctx.session.execute(pairs)]


def _items(ctx: Context, matched: Table) -> list[MatchRow]:
    m = matched.c
    rows = ctx.session.execute(select(Observable.id, Observable.type, Observable.value, m.statements, m.organisations, m.crime)
                               .join(matched, m.observable_id == Observable.id)
                               .order_by(m.countries.desc(), m.statements.desc(), Observable.id).limit(ITEMS)).all()
    f = ctx.facts.c
    held: dict[int, list[str]] = {}
    for obs, cc in ctx.session.execute(select(f.observable_id, f.org_country).where(
            *ctx.facts.threats(), f.observable_id.in_([r.id for r in rows]), f.org_country.is_not(None)).distinct()):
        held.setdefault(obs, []).append(cc)
    return [MatchRow(type=r.type, value=r.value, countries=sorted(held.get(r.id, [])), organisations=int(r.organisations),
                     statements=int(r.statements), crime_type=r.crime) for r in rows]


def matches(ctx: Context) -> Matches:
    columns: list[Column[Any]] = [Column("observable_id", Integer), Column("countries", Integer), Column("statements", Integer),
               Column("organisations", Integer), Column("crime", String(32))]
    with ctx.facts.derived(columns, _matched_source(ctx)) as matched:
        types = (select(Observable.type, func.count()).join(matched, matched.c.observable_id == Observable.id)
                 .group_by(Observable.type).order_by(func.count().desc(), Observable.type))
        by_type = [Count(key=t, label=t.replace("_", " "), statements=int(n), observables=int(n))
                   for t, n in ctx.session.execute(types)]
        return Matches(observables=sum(c.observables for c in by_type), by_pair=_pairs(ctx, matched), by_type=by_type,
                       items=_items(ctx, matched))
