"""Outcomes of an operation, computed in SQL (GROUP BY) from the visible targets and action log, never typed in.

Definitions:
- ``takedowns_requested``: targets with a takedown requested, confirmed or refused (an answer implies a request);
- ``takedowns_confirmed`` / ``takedowns_refused``: targets with such an entry;
- ``takedown_rate``: confirmed ÷ requested, None when nothing was requested;
- ``arrests``, ``searches``, ``accounts_frozen``, ``victims_notified``: sums of the entries' quantities;
- ``servers_seized``, ``devices_seized``: sums over seizures;
- ``amounts_held`` / ``amounts_recovered``: sums by currency, exact.
Each reader gets the figures of what it may see: the gate applies to targets and actions alike.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import Session

from aspjoc.access import Principal, gate
from aspjoc.operations import scope
from aspjoc.operations.actions import visible_action
from aspjoc.operations.models import Action, ActionKind, Target
from aspjoc.operations.money import from_micros

K = ActionKind
TAKEDOWN = (K.TAKEDOWN_REQUESTED.value, K.TAKEDOWN_CONFIRMED.value, K.TAKEDOWN_REFUSED.value)


@dataclass
class Figures:
    targets: int = 0
    takedowns_requested: int = 0
    takedowns_confirmed: int = 0
    takedowns_refused: int = 0
    accounts_frozen: int = 0
    arrests: int = 0
    searches: int = 0
    servers_seized: int = 0
    devices_seized: int = 0
    victims_notified: int = 0
    amounts_held: dict[str, Decimal] = field(default_factory=dict)
    amounts_recovered: dict[str, Decimal] = field(default_factory=dict)

    @property
    def takedown_rate(self) -> float | None:
        return round(self.takedowns_confirmed / self.takedowns_requested, 4) if self.takedowns_requested else None

    def as_dict(self) -> dict[str, Any]:
        return {**{k: v for k, v in self.__dict__.items()}, "takedown_rate": self.takedown_rate}


@dataclass(frozen=True)
class Outcomes:
    operation_id: int
    total: Figures
    by_country: dict[str, Figures]


def _any_of(kinds: tuple[str, ...]) -> ColumnElement[Any]:
    return func.max(case((Action.kind.in_(kinds), 1), else_=0))


def _sum_where(column: Any, kind: ActionKind) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((Action.kind == kind.value, column), else_=0)), 0)


# Per target first (whether it had a takedown requested, confirmed, refused; its sums), then per country:
# counting targets becomes a sum of 0/1 flags, cheaper than three COUNT(DISTINCT ...) over the whole log.
PER_TARGET = (
    _any_of(TAKEDOWN).label("takedowns_requested"),
    _any_of((K.TAKEDOWN_CONFIRMED.value,)).label("takedowns_confirmed"),
    _any_of((K.TAKEDOWN_REFUSED.value,)).label("takedowns_refused"),
    _sum_where(Action.quantity, K.ACCOUNT_FROZEN).label("accounts_frozen"),
    _sum_where(Action.quantity, K.ARREST).label("arrests"),
    _sum_where(Action.quantity, K.SEARCH).label("searches"),
    _sum_where(Action.servers, K.SEIZURE).label("servers_seized"),
    _sum_where(Action.devices, K.SEIZURE).label("devices_seized"),
    _sum_where(Action.quantity, K.VICTIMS_NOTIFIED).label("victims_notified"),
)


def _actions(principal: Principal, operation_id: int, *columns: Any) -> Select[Any]:
    return (select(*columns).select_from(Action).join(Target, Target.id == Action.target_id)
            .where(Action.operation_id == operation_id, visible_action(principal)))


COUNTS = ("targets", "takedowns_requested", "takedowns_confirmed", "takedowns_refused", "accounts_frozen", "arrests",
          "searches", "servers_seized", "devices_seized", "victims_notified")


def _fill(figures: Figures, row: Any) -> None:
    for name in COUNTS[1:]:
        setattr(figures, name, int(getattr(row, name) or 0))


def _add(total: Figures, part: Figures) -> None:
    for name in COUNTS:
        setattr(total, name, getattr(total, name) + getattr(part, name))
    for mine, theirs in ((total.amounts_held, part.amounts_held), (total.amounts_recovered, part.amounts_recovered)):
        for currency, amount in theirs.items():
            mine[currency] = mine.get(currency, Decimal(0)) + amount


def outcomes(session: Session, principal: Principal, operation_id: int) -> Outcomes:
    """Per-country and total figures of a visible operation, as far as ``principal`` may see.

    The total is the sum of the per-country rows (each from SQL): a target has exactly one acting country,
    so even the distinct-target counts add up; this halves the work against a second GROUP BY pass.
    """
    operation = scope.visible_operation(session, principal, operation_id)
    by_country: dict[str, Figures] = defaultdict(Figures)
    country = Target.acting_country
    visible_targets = (Target.operation_id == operation.id, gate(principal, Target))
    for code, count in session.execute(select(country, func.count(Target.id)).where(*visible_targets).group_by(country)):
        by_country[code].targets = int(count)
    per_target = _actions(principal, operation.id, country.label("country"), *PER_TARGET).group_by(
        Action.target_id, country).subquery()
    per_country = select(per_target.c.country, *(func.sum(per_target.c[name]).label(name) for name in COUNTS[1:]))
    for row in session.execute(per_country.group_by(per_target.c.country)):
        _fill(by_country[row.country], row)
    funds = (K.FUNDS_HELD.value, K.FUNDS_RECOVERED.value)
    amounts = _actions(principal, operation.id, country, Action.kind, Action.currency,
                       func.sum(Action.amount_micros)).where(Action.kind.in_(funds))
    for code, kind, currency, micros in session.execute(amounts.group_by(country, Action.kind, Action.currency)):
        _bucket(by_country[code], kind)[currency] = from_micros(micros)
    total = Figures()
    for figures in by_country.values():
        _add(total, figures)
    return Outcomes(operation.id, total, dict(sorted(by_country.items())))


def _bucket(figures: Figures, kind: str) -> dict[str, Decimal]:
    return figures.amounts_held if kind == K.FUNDS_HELD.value else figures.amounts_recovered
