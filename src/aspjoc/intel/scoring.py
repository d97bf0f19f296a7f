"""How much to trust a statement now: a score 0–100 that decays with age.

    score = confidence × quality × corroboration × 0.5 ^ (age / half-life of the type)

* quality: the mean of the Admiralty source-reliability weight (A–F) and information-
  credibility weight (1–6); "cannot be judged" (F, 6) and a missing grade weigh 0.75, between
  "fairly reliable" (C) and "not usually reliable" (D);
* corroboration: 0.8 for one sighting, rising towards 1.0 as sightings grow (s−1)/(s+1);
* age: days since the statement was last seen (never negative); the half-life depends on the
  observable type, because infrastructure moves faster than money: an IP address is re-used
  within weeks, a bank account or wallet stays useful to criminals for years.

The same formula exists twice: ``score`` in Python for one statement, and
``score_expression(now)`` in SQL for filtering and sorting a million statements without
loading them (a value computed at query time, so it never goes stale and needs no refresh
job). Both round half up, so they agree to the unit.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Float, case, cast, func, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from aspjoc.clock import as_utc
from aspjoc.intel.models import Observable, Statement

HALF_LIFE_DAYS: dict[str, float] = {
    "ipv4": 30, "ipv6": 30, "cidr": 45,
    "url": 60, "domain": 120, "email": 180, "social_handle": 180,
    "phone": 365, "app": 365,
    "md5": 730, "sha1": 730, "sha256": 730,
    "bank_account": 730, "iban": 730, "crypto_wallet": 730,
}
DEFAULT_HALF_LIFE = 180.0
RELIABILITY_WEIGHT: dict[str, float] = {"A": 1.0, "B": 0.9, "C": 0.8, "D": 0.6, "E": 0.4, "F": 0.75}
CREDIBILITY_WEIGHT: dict[int, float] = {1: 1.0, 2: 0.9, 3: 0.8, 4: 0.6, 5: 0.4, 6: 0.75}
UNGRADED = 0.75
SECONDS_PER_DAY = 86400.0


def half_life(observable_type: str) -> float:
    """Days after which a statement on ``observable_type`` counts half; DEFAULT_HALF_LIFE for unknown types."""
    return HALF_LIFE_DAYS.get(observable_type, DEFAULT_HALF_LIFE)


def raw_score(confidence: int, reliability: str | None, credibility: int | None, sightings: int,
              age_days: float, observable_type: str) -> float:
    """The unrounded score in [0, 100]; a negative age (seen "in the future") counts as 0, sightings below 1 as 1."""
    quality = (RELIABILITY_WEIGHT.get((reliability or "").upper(), UNGRADED)
               + CREDIBILITY_WEIGHT.get(credibility or 0, UNGRADED)) / 2
    seen = max(sightings, 1)
    corroboration = 0.8 + 0.2 * (seen - 1) / (seen + 1)
    decay = 0.5 ** (max(age_days, 0.0) / half_life(observable_type))
    return min(max(confidence, 0), 100) * quality * corroboration * decay


def score(confidence: int, reliability: str | None, credibility: int | None, sightings: int,
          last_seen: datetime, now: datetime, observable_type: str) -> int:
    """The score 0–100 of a statement with these grades, last seen at ``last_seen``, as of ``now`` (rounded half up)."""
    age = (as_utc(now) - as_utc(last_seen)).total_seconds() / SECONDS_PER_DAY
    return math.floor(raw_score(confidence, reliability, credibility, sightings, age, observable_type) + 0.5)


def statement_score(statement: Statement, now: datetime) -> int:
    """``score`` of a loaded statement (its observable is joined-loaded with it)."""
    return score(statement.confidence, statement.reliability, statement.credibility, statement.sightings,
                 statement.last_seen, now, statement.observable.type)


class _DaysSince(FunctionElement[float]):
    """Days from a timestamp column to a fixed moment, as a float, per dialect."""

    type = Float()
    inherit_cache = True


@compiles(_DaysSince)
def _days_since_default(element: _DaysSince, compiler: Any, **kw: Any) -> str:
    moment, column = list(element.clauses)
    return (f"(EXTRACT(EPOCH FROM (CAST({compiler.process(moment, **kw)} AS TIMESTAMP WITH TIME ZONE) "
            f"- {compiler.process(column, **kw)})) / {SECONDS_PER_DAY})")


@compiles(_DaysSince, "sqlite")
def _days_since_sqlite(element: _DaysSince, compiler: Any, **kw: Any) -> str:
    moment, column = list(element.clauses)
    return f"(julianday({compiler.process(moment, **kw)}) - julianday({compiler.process(column, **kw)}))"


def _weight(column: Any, weights: dict[Any, float]) -> ColumnElement[float]:
    return case({key: literal(value) for key, value in weights.items()}, value=column, else_=literal(UNGRADED))


def score_expression(now: datetime) -> ColumnElement[float]:
    """The score as of ``now`` as a SQL expression over ``statements`` joined to ``observables``.

    The query must join ``Observable`` on ``Statement.observable_id`` (the half-life depends on
    the type). Example: ``select(Statement.id).join(Observable, Observable.id == Statement.observable_id)
    .where(score_expression(now) >= 60)``. Works on SQLite (with its math functions, built in
    since 3.35) and PostgreSQL; the value equals ``score`` for every row.
    """
    moment = literal(as_utc(now).strftime("%Y-%m-%d %H:%M:%S.%f+00:00"))
    days = _DaysSince(moment, Statement.last_seen)
    age = case((days < 0, literal(0.0)), else_=days)
    halves = case({k: literal(v) for k, v in HALF_LIFE_DAYS.items()}, value=Observable.type,
                  else_=literal(DEFAULT_HALF_LIFE))
    quality = (_weight(Statement.reliability, RELIABILITY_WEIGHT) + _weight(Statement.credibility, CREDIBILITY_WEIGHT)) / 2.0
    seen = case((Statement.sightings < 1, literal(1)), else_=Statement.sightings)
    corroboration = 0.8 + 0.2 * (cast(seen, Float) - 1.0) / (cast(seen, Float) + 1.0)
    confidence = case((Statement.confidence > 100, literal(100)), (Statement.confidence < 0, literal(0)),
                      else_=Statement.confidence)
    raw = cast(confidence, Float) * quality * corroboration * func.power(0.5, age / halves)
    return func.floor(raw + 0.5)

