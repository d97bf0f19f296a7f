"""The generated sections of a product, each a function of a ``Context`` returning a content model.

Sections read the temporary facts table (``products.facts``): the scope's statements as the author
may read them, with ``visible`` set where every reader of the product may see them, so a section
can hold nothing that a reader may not see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from aspjoc.products.audience import Audience
from aspjoc.products.content import Count
from aspjoc.products.facts import Facts
from aspjoc.products.scope import Dialect, Scope

TOP = 10


@dataclass(frozen=True)
class Context:
    session: Session
    scope: Scope
    audience: Audience
    dialect: Dialect
    now: datetime
    facts: Facts


def top_counts(ctx: Context, key: Any, *where: ColumnElement[bool], limit: int = TOP) -> list[tuple[Any, int, int]]:
    """(key, statements, distinct observables) of the ``limit`` keys with most observables, over threat statements."""
    f = ctx.facts.c
    observables = func.count(func.distinct(f.observable_id))
    query: Select[Any] = (select(key.label("key"), func.count().label("n"), observables.label("o"))
                          .where(*ctx.facts.threats(), key.is_not(None), *where)
                          .group_by(key).order_by(observables.desc(), func.count().desc(), key).limit(limit))
    return [(row.key, int(row.n), int(row.o)) for row in ctx.session.execute(query)]


def counts(rows: list[tuple[Any, int, int]], label: Any = str) -> list[Count]:
    return [Count(key=str(k), label=label(k), statements=n, observables=o) for k, n, o in rows]
