"""The indicators of a scheme or threat: the observables most reported in threat statements of the scope."""

from __future__ import annotations

from sqlalchemy import func, select

from aspjoc.intel.models import Observable, Statement
from aspjoc.products.content import Indicator, Indicators
from aspjoc.products.sections import Context

LIMIT = 30


def indicators(ctx: Context, limit: int = LIMIT) -> Indicators:
    """The ``limit`` observables with most statements (then most organisations), and how many there are in all.

    First and last seen are read for the listed observables only, from their statements the audience may see.
    """
    f = ctx.facts.c
    orgs = func.count(func.distinct(f.owner_org_id))
    grouped = select(f.observable_id, func.count().label("n"), orgs.label("orgs")).where(*ctx.facts.threats()).group_by(f.observable_id)
    total = ctx.session.scalar(select(func.count()).select_from(grouped.subquery())) or 0
    top = {row.observable_id: row for row in ctx.session.execute(
        grouped.order_by(func.count().desc(), orgs.desc(), f.observable_id).limit(limit))}
    if not top:
        return Indicators(total=int(total), items=[])
    seen = ctx.session.execute(
        select(Observable.id, Observable.type, Observable.value, func.min(Statement.first_seen), func.max(Statement.last_seen))
        .join(Statement, Statement.observable_id == Observable.id)
        .where(Observable.id.in_(top), ctx.audience.condition(Statement), Statement.withdrawn.is_(False),
               Statement.first_seen >= ctx.scope.since, Statement.first_seen < ctx.scope.until)
        .group_by(Observable.id, Observable.type, Observable.value)).all()
    items = [Indicator(type=t, value=v, statements=int(top[i].n), organisations=int(top[i].orgs), first_seen=first,
                       last_seen=last) for i, t, v, first, last in seen]
    items.sort(key=lambda item: (-item.statements, -item.organisations, item.type, item.value))
    return Indicators(total=int(total), items=items)
