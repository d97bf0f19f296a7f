"""The statements a product is computed from, gathered once into a temporary table.

One INSERT … SELECT walks the statements of the scope (the period and the period before it, for
trends) that every reader of the product may see (``Audience.condition``: the audience's gates
and the author's), joined to their observable and owner, and keeps the few columns the sections
group by. Every section then runs its GROUP BY on this narrow table instead of joining and gating
a million statements again. One more pass, without grouping, counts the statements of the period
the author may read, so the product can say how many were left out.

The tables live in the session's connection (``TEMPORARY``) and are dropped when the generation ends.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Integer,
    MetaData,
    Select,
    SmallInteger,
    String,
    Table,
    case,
    func,
    insert,
    select,
)
from sqlalchemy.orm import Session

from aspjoc.access import gate
from aspjoc.accounts.models import Organisation
from aspjoc.intel.models import Observable, Statement, StatementKind
from aspjoc.observables import ObservableType as T
from aspjoc.products.audience import Audience
from aspjoc.products.scope import Dialect, Scope, scope_conditions, statements_joined

_names = itertools.count(1)


class Scanned:
    """``Statement`` as the gate reads it here, its ``marking_id`` wrapped in ``+ 0``.

    Most statements are in an author's view (GREEN is everyone's), so one pass over the table in
    order beats SQLite's choice of the marking index, whose row-by-row lookups cost about ten
    times more per statement. The gate's condition is unchanged; only the index is not used.
    """

    marking_id = Statement.marking_id + 0


class Facts:
    """The temporary table of statements every reader may see, the count the author may read, and helpers."""

    def __init__(self, session: Session, table: Table, readable: int) -> None:
        self.session = session
        self.table = table
        self.c = table.c
        self.readable = readable

    def shown(self) -> list[ColumnElement[bool]]:
        """Rows of the period (the facts also hold the previous period's)."""
        return [self.c.current == 1]

    def threats(self) -> list[ColumnElement[bool]]:
        """As ``shown``, less statements about victims (a victim's phone is not criminal infrastructure)."""
        return [*self.shown(), self.c.kind != StatementKind.VICTIM.value]

    @contextmanager
    def derived(self, columns: list[Column[Any]], source: Select[Any]) -> Iterator[Table]:
        """A further temporary table filled from ``source`` (a grouped result several queries read), dropped on exit."""
        with temporary(self.session, columns, source) as table:
            yield table


def _columns() -> list[Column[Any]]:
    return [Column("observable_id", Integer), Column("owner_org_id", Integer), Column("org_country", String(2)),
            Column("obs_type", String(16)), Column("obs_country", String(2)), Column("domain", String(253)),
            Column("net24", Integer), Column("chain", String(16)), Column("crime_type", String(32)),
            Column("kind", String(16)), Column("month", String(7)), Column("current", SmallInteger)]


def _values(scope: Scope, dialect: Dialect) -> list[Any]:
    return [
        Statement.observable_id, Statement.owner_org_id, Organisation.country, Observable.type, Observable.country,
        Observable.domain,
        case((Observable.type == T.ipv4.value, dialect.network24(Observable.num_lo)), else_=None),
        case((Observable.type == T.crypto_wallet.value, dialect.before_first_colon(Observable.value)), else_=None),
        Statement.crime_type, Statement.kind, dialect.month(Statement.first_seen),
        case((Statement.first_seen >= scope.since, 1), else_=0),
    ]


@contextmanager
def temporary(session: Session, columns: list[Column[Any]], source: Select[Any]) -> Iterator[Table]:
    """A ``TEMPORARY`` table with ``columns``, filled by INSERT … SELECT ``source``, dropped when the block ends."""
    table = Table(f"product_tmp_{next(_names)}", MetaData(), *columns, prefixes=["TEMPORARY"])
    connection = session.connection()
    table.create(connection)
    session.execute(insert(table).from_select([c.name for c in table.c], source))
    yield table
    # Dropped on success only: after an error the unit of work rolls back, which undoes the CREATE too, and on
    # PostgreSQL a DROP in an aborted transaction would hide the original error. Names never repeat in a process.
    table.drop(connection)


def _readable(session: Session, scope: Scope, audience: Audience) -> int:
    """Statements of the period the author may read (the figure "left out" is taken from)."""
    query = select(func.count()).select_from(Statement)
    if scope.countries:
        query = statements_joined(func.count())
    return session.scalar(query.where(gate(audience.author, Scanned), *scope_conditions(scope))) or 0


@contextmanager
def gathered(session: Session, scope: Scope, audience: Audience, dialect: Dialect) -> Iterator[Facts]:
    """The facts of ``scope`` (and the period before it) that every reader of the product may see."""
    source = (statements_joined(*_values(scope, dialect))
              .where(audience.condition(Scanned), *scope_conditions(scope, scope.previous().since)))
    readable = _readable(session, scope, audience)
    with temporary(session, _columns(), source) as table:
        yield Facts(session, table, readable)
