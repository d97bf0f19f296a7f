"""What goes on a block list: a saved selection, turned into one grouped SQL query per refresh.

A selection picks statements by crime type, identifier type, minimum score, age (last seen within
N days) and owner. Whatever it says, these always apply, in SQL:

* the access gate for the subscriber organisation as a whole, for ``Purpose.EXPORT`` (RED and
  ``no_export`` statements of others never leave; AMBER+STRICT only to named recipients);
* statements whose marking carries ``no_onward_sharing`` or ``no_export`` are left out, even the
  subscriber's own: a block list is passed on to systems outside the platform;
* withdrawn statements (delisting upheld, withdrawn by the owner), statements past ``valid_until``
  and past their retention date are left out;
* only indicators and sightings count: a victim's account or a case target is never blocked;
* identifiers on a MISP warning list (``observable_flags``) are left out, whoever asserts them.

The query groups the remaining statements by observable, so each identifier is one row with the
ids of the statements behind it (the trace), an order-independent bit mask of their crime types,
the earliest first-seen, the latest last-seen and the best score.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, String, case, cast, func, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from aspjoc.access import Principal, Purpose, gate
from aspjoc.errors import InvalidInput
from aspjoc.intel.ingest.flags import not_flagged
from aspjoc.intel.models import CrimeType, Observable, Statement, StatementKind
from aspjoc.intel.scoring import score_expression
from aspjoc.marking import Handling, Marking
from aspjoc.observables import ObservableType

KINDS = (StatementKind.INDICATOR.value, StatementKind.SIGHTING.value)
EXCLUDED_HANDLING = int(Handling.NO_ONWARD_SHARING | Handling.NO_EXPORT)
CRIME_BITS: dict[str, int] = {crime.value: 1 << position for position, crime in enumerate(CrimeType)}
MAX_AGE_DAYS = 3650


@lru_cache(maxsize=4096)
def crime_names(mask: int) -> tuple[str, ...]:
    """The crime types whose bits are set in ``mask``, in the order of ``CrimeType``; () for 0 (cached: few masks occur)."""
    return tuple(name for name, bit in CRIME_BITS.items() if mask & bit)


@lru_cache(maxsize=4096)
def crime_text(mask: int) -> str:
    """``crime_names(mask)`` joined by spaces."""
    return " ".join(crime_names(mask))


@dataclass(frozen=True)
class Selection:
    """A saved selection; empty tuples and None mean "any"."""

    crime_types: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    min_score: int | None = None
    max_age_days: int | None = None
    owners: tuple[int, ...] = ()

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Selection:
        data: dict[str, Any] = json.loads(text or "{}")
        return cls(crime_types=tuple(data.get("crime_types", ())), types=tuple(data.get("types", ())),
                   min_score=data.get("min_score"), max_age_days=data.get("max_age_days"),
                   owners=tuple(data.get("owners", ())))

    def describe(self) -> str:
        """A short human summary, e.g. "phishing; domain; score ≥ 40; seen within 90 days"."""
        parts = [", ".join(c.replace("_", " ") for c in self.crime_types) or "any crime type",
                 ", ".join(t.replace("_", " ") for t in self.types) or "every type the format takes"]
        if self.min_score is not None:
            parts.append(f"score ≥ {self.min_score}")
        if self.max_age_days is not None:
            parts.append(f"seen within {self.max_age_days} days")
        if self.owners:
            parts.append(f"{len(self.owners)} owner organisation{'s' if len(self.owners) > 1 else ''}")
        return "; ".join(parts)


def build_selection(crime_types: list[str], types: list[str], min_score: int | None, max_age_days: int | None,
                    owners: list[int], allowed_types: frozenset[str]) -> Selection:
    """A checked Selection (``owners`` are organisation ids); InvalidInput names the field at fault."""
    for crime in crime_types:
        if crime not in CRIME_BITS:
            raise InvalidInput("crime_types", f"'{crime}' is not one of {', '.join(CRIME_BITS)}")
    known = {t.value for t in ObservableType}
    for kind in types:
        if kind not in known:
            raise InvalidInput("types", f"'{kind}' is not an identifier type")
        if kind not in allowed_types:
            raise InvalidInput("types", f"this format cannot carry {kind}; it takes {', '.join(sorted(allowed_types))}")
    if min_score is not None and not 0 <= min_score <= 100:
        raise InvalidInput("min_score", "must be between 0 and 100")
    if max_age_days is not None and not 1 <= max_age_days <= MAX_AGE_DAYS:
        raise InvalidInput("max_age_days", f"must be between 1 and {MAX_AGE_DAYS}")
    return Selection(tuple(sorted(set(crime_types))), tuple(sorted(set(types))), min_score, max_age_days,
                     tuple(sorted(set(owners))))


class _IdList(FunctionElement[str]):
    """The ids of a group as comma-separated text, ascending where the database can promise it."""

    type = String()
    inherit_cache = True


@compiles(_IdList)
def _id_list_default(element: _IdList, compiler: Any, **kw: Any) -> str:
    column = compiler.process(list(element.clauses)[0], **kw)
    return f"string_agg(CAST({column} AS TEXT), ',' ORDER BY {column})"


@compiles(_IdList, "sqlite")
def _id_list_sqlite(element: _IdList, compiler: Any, **kw: Any) -> str:
    # SQLite before 3.44 has no ORDER BY inside aggregates; the order is then the scan order, which
    # is ascending when the plan walks the observable_id index (the usual plan). The order only
    # matters for display: the trace is the set of ids.
    return f"group_concat({compiler.process(list(element.clauses)[0], **kw)})"


def _crime_mask(crime_types: tuple[str, ...]) -> ColumnElement[int]:
    """The OR of the crime-type bits of a group's statements (only ``crime_types`` can occur when given).

    A sum of per-type maxima rather than ``SUM(DISTINCT bit)``: SQLite builds a b-tree per group for
    DISTINCT, which cost more than the rest of the grouping on a million identifiers.
    """
    names = crime_types or tuple(CRIME_BITS)
    terms = [func.max(case((Statement.crime_type == name, literal(CRIME_BITS[name])), else_=literal(0)))
             for name in names]
    total: ColumnElement[int] = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def statement_conditions(principal: Principal, selection: Selection, types: frozenset[str],
                         now: datetime) -> list[ColumnElement[bool]]:
    """The WHERE conditions on statements joined to observables for ``selection`` as ``principal`` may receive it.

    ``types`` are the identifier types the format carries; the selection can only narrow them.
    """
    wanted = sorted(set(selection.types) & types) if selection.types else sorted(types)
    conditions: list[ColumnElement[bool]] = [
        gate(principal, Statement, Purpose.EXPORT),
        Statement.marking_id.in_(select(Marking.id).where(Marking.handling.op("&")(EXCLUDED_HANDLING) == 0)),
        Statement.withdrawn.is_(False),
        Statement.kind.in_(KINDS),
        or_(Statement.valid_until.is_(None), Statement.valid_until > now),
        or_(Statement.retention_until.is_(None), Statement.retention_until > now),
        Observable.type.in_(wanted),
        not_flagged(Observable.id),  # type: ignore[list-item]
    ]
    if selection.crime_types:
        conditions.append(Statement.crime_type.in_(selection.crime_types))
    if selection.owners:
        conditions.append(Statement.owner_org_id.in_(selection.owners))
    if selection.max_age_days is not None:
        conditions.append(Statement.last_seen >= now - timedelta(days=selection.max_age_days))
    if selection.min_score is not None:
        conditions.append(score_expression(now) >= selection.min_score)
    return conditions


SELECTED = ("observable_id", "type", "value", "country", "crime_mask", "statement_ids", "first_seen", "last_seen", "score")


def grouped(principal: Principal, selection: Selection, types: frozenset[str], now: datetime,
            with_score: bool) -> Select[Any]:
    """One row per identifier on the list, with the columns of ``SELECTED`` in that order.

    ``score`` is the best statement score as of ``now`` when ``with_score``, else 0 (it costs a
    little per statement, and most formats do not show it).
    """
    score: ColumnElement[Any] = (cast(func.max(score_expression(now)), Integer) if with_score
                                 else literal(0, Integer))
    query: Select[Any] = (
        select(Observable.id.label("observable_id"), Observable.type, Observable.value, Observable.country,
               _crime_mask(selection.crime_types).label("crime_mask"),
               _IdList(Statement.id).label("statement_ids"),
               func.min(Statement.first_seen).label("first_seen"), func.max(Statement.last_seen).label("last_seen"),
               score.label("score"))
        .select_from(Statement).join(Observable, Observable.id == Statement.observable_id)
        .where(*statement_conditions(principal, selection, types, now))
        .group_by(Observable.id)
    )
    return query


def behind(principal: Principal, selection: Selection, types: frozenset[str], now: datetime,
           observable_ids: Select[Any]) -> Select[Any]:
    """SELECT of the ids of the statements that put the identifiers in ``observable_ids`` on the list now."""
    return (select(Statement.id).join(Observable, Observable.id == Statement.observable_id)
            .where(Statement.observable_id.in_(observable_ids), *statement_conditions(principal, selection, types, now)))
