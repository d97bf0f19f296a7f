"""Volumes and trends by crime type, identifier type and reporting country, with monthly series.

GROUP BYs over the product's facts (what every reader may see), each with a small result:

* (month, crime type, identifier type, owner organisation) of the period: a cube of a few thousand
  cells that the monthly series, crime types, identifier types, reporting countries (through the
  owner's country) and the number of organisations are sums over;
* crime type of the previous period of the same length, for the trend;
* distinct observables per identifier type (an observable has one type, so they add up).

What was left out is the count of the period the author may read, less the statements shown.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select

from aspjoc.accounts.models import Organisation
from aspjoc.countries import country_name
from aspjoc.products.content import Count, Series, Volumes
from aspjoc.products.sections import Context

UNSPECIFIED = "unspecified"
NO_COUNTRY = "—"
SERIES = 5


def _ranked(totals: dict[str, int], previous: dict[str, int] | None = None) -> list[tuple[str, int, int | None]]:
    keys = sorted(totals, key=lambda k: (-totals[k], k))
    return [(k, totals[k], previous.get(k, 0) if previous is not None else None) for k in keys if totals[k]]


def _cube(ctx: Context) -> list[tuple[str, str | None, str, int, int]]:
    """(month, crime type, identifier type, owner organisation, statements) of the period: a few thousand rows at most."""
    f = ctx.facts.c
    return [tuple(row) for row in ctx.session.execute(  # type: ignore[misc]
        select(f.month, f.crime_type, f.obs_type, f.owner_org_id, func.count()).where(f.current == 1)
        .group_by(f.month, f.crime_type, f.obs_type, f.owner_org_id)).tuples()]


def _previous(ctx: Context) -> dict[str, int]:
    f = ctx.facts.c
    return {crime or UNSPECIFIED: int(n) for crime, n in ctx.session.execute(
        select(f.crime_type, func.count()).where(f.current == 0).group_by(f.crime_type))}


def _observables_by_type(ctx: Context) -> dict[str, int]:
    f = ctx.facts.c
    query = select(f.obs_type, func.count(func.distinct(f.observable_id))).where(*ctx.facts.shown()).group_by(f.obs_type)
    return {t: int(n) for t, n in ctx.session.execute(query)}


def volumes(ctx: Context) -> tuple[Volumes, int, int]:
    """The volumes section, and (statements the author may read, statements left out) over the period."""
    countries = dict(ctx.session.execute(select(Organisation.id, Organisation.country)).tuples().all())
    monthly: dict[tuple[str, str], int] = defaultdict(int)
    by_crime: dict[str, int] = defaultdict(int)
    by_type: dict[str, int] = defaultdict(int)
    by_country: dict[str, int] = defaultdict(int)
    owners: set[int] = set()
    for month, crime, kind, org, n in _cube(ctx):
        crime = crime or UNSPECIFIED
        monthly[(crime, month)] += n
        by_crime[crime] += n
        by_type[kind] += n
        by_country[countries.get(org) or NO_COUNTRY] += n
        owners.add(org)
    before = _previous(ctx)
    observables = _observables_by_type(ctx)
    months = ctx.scope.months()
    crimes = _ranked(by_crime, before)
    shown = sum(by_crime.values())
    section = Volumes(
        statements=shown, observables=sum(observables.values()), previous_statements=sum(before.values()),
        organisations=len(owners), countries=len([k for k in by_country if k != NO_COUNTRY]),
        months=months, monthly=[sum(monthly[(k, m)] for k in by_crime) for m in months],
        crime_series=[Series(name=k, values=[monthly[(k, m)] for m in months]) for k, _, _ in crimes[:SERIES]],
        by_crime=[Count(key=k, label=k.replace("_", " "), statements=n, previous=p) for k, n, p in crimes],
        by_type=sorted((Count(key=k, label=k.replace("_", " "), statements=n, observables=observables.get(k, 0))
                        for k, n, _ in _ranked(by_type)), key=lambda c: (-c.observables, -c.statements, c.key)),
        by_country=[Count(key=k, label=country_name(k) if k != NO_COUNTRY else "No country (IGOs)", statements=n)
                    for k, n, _ in _ranked(by_country)],
    )
    return section, ctx.facts.readable, ctx.facts.readable - shown
