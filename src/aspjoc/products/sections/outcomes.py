"""Operation outcomes: for each operation that overlaps the period, what its actions achieved.

The figures come from ``aspjoc.operations.outcomes.outcomes(session, principal, operation_id)``,
which computes them (in SQL, from the actions recorded) for one principal. A product has several
audience principals, so the function runs once for each, and an operation's figures go into the
product only when **every** audience principal gets the same figures: then each reader is told
exactly what it could compute from its own view, and nothing more. An operation whose figures
differ between readers (some targets or actions are marked narrower) is withheld and counted.
With countries in the scope, only the figures of targets acted on by those countries count.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from aspjoc.access import Principal
from aspjoc.errors import NotFound
from aspjoc.operations.models import Operation
from aspjoc.operations.outcomes import Figures
from aspjoc.operations.outcomes import outcomes as operation_outcomes
from aspjoc.products.content import OutcomeRow, Outcomes
from aspjoc.products.sections import Context

SOURCE = "aspjoc.operations.outcomes, identical for every audience principal"
COUNTED = ("targets", "takedowns_requested", "takedowns_confirmed", "arrests", "accounts_frozen", "servers_seized",
           "victims_notified")


def _figures(ctx: Context, principal: Principal, operation_id: int) -> dict[str, Any] | None:
    """The operation's figures as ``principal`` sees them (scope countries only), or None when it may not see the operation."""
    try:
        found = operation_outcomes(ctx.session, principal, operation_id)
    except NotFound:
        return None
    parts: list[Figures] = ([found.by_country[c] for c in ctx.scope.countries if c in found.by_country]
                            if ctx.scope.countries else [found.total])
    held: dict[str, Decimal] = {}
    for part in parts:
        for currency, amount in part.amounts_held.items():
            held[currency] = held.get(currency, Decimal(0)) + amount
    return {**{name: sum(getattr(p, name) for p in parts) for name in COUNTED},
            "amounts_held": {c: str(a) for c, a in sorted(held.items())}}


def _row(name: str, crime_type: str, starts: Any, ends: Any, figures: dict[str, Any]) -> OutcomeRow:
    return OutcomeRow(operation=name, crime_type=crime_type, starts_on=starts, ends_on=ends, **figures)


def outcomes(ctx: Context) -> Outcomes:
    scope, audience = ctx.scope, ctx.audience
    where = [audience.condition(Operation), Operation.starts_on <= scope.end, Operation.ends_on >= scope.start]
    if scope.crime_type:
        where.append(Operation.crime_type == scope.crime_type)
    items: list[OutcomeRow] = []
    withheld = 0
    for op in ctx.session.scalars(select(Operation).where(*where).order_by(Operation.starts_on, Operation.id)):
        seen = [_figures(ctx, p, op.id) for p in audience.principals]
        if any(f is None or f != seen[0] for f in seen) or seen[0] is None:
            withheld += 1
            continue
        items.append(_row(op.name, op.crime_type, op.starts_on, op.ends_on, seen[0]))
    return Outcomes(items=items, totals=_total(items) if items else None, withheld=withheld, source=SOURCE)


def _total(items: list[OutcomeRow]) -> OutcomeRow:
    held: dict[str, Decimal] = {}
    for item in items:
        for currency, amount in item.amounts_held.items():
            held[currency] = held.get(currency, Decimal(0)) + Decimal(amount)
    sums = {name: sum(getattr(i, name) for i in items) for name in COUNTED}
    return _row("All operations", "", min(i.starts_on for i in items), max(i.ends_on for i in items),
                {**sums, "amounts_held": {c: str(a) for c, a in sorted(held.items())}})
