"""Retention: statements past their ``retention_until`` are flagged for their owner to review, then
deleted (once confirmed) with an audit entry, or kept longer.

A statement is "due" as soon as ``retention_until`` lies in the past; no flag is stored, so
nothing can drift. Deleting a statement also deletes the rows that exist only as part of it
(non-null foreign keys to it) and clears references to it from other records (nullable ones).
Its observable is deleted too when nothing else refers to it any more. The audit entry names
the statement and the observable's id and type, not the identifier itself: keeping the value
in the log would defeat the deletion.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Table, and_, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.access import Principal, gate
from aspjoc.accounts.models import Organisation, Role
from aspjoc.errors import AuthenticationFailed, Conflict, InvalidInput, NotFound, PermissionDenied
from aspjoc.intel.models import Notice, Observable, Statement

REVIEWER_ROLES = frozenset({Role.ADMIN.value, Role.ANALYST.value})
CHUNK = 500


def due(now: datetime) -> ColumnElement[bool]:
    """The condition on statements whose retention date has passed at ``now``."""
    return and_(Statement.retention_until.is_not(None), Statement.retention_until < now)


def require_reviewer(principal: Principal) -> None:
    """Only the owner organisation's admins and analysts review retention."""
    if not principal.authenticated:
        raise AuthenticationFailed("Authorization", "sign in first")
    if principal.role not in REVIEWER_ROLES:
        raise PermissionDenied("role", f"the {principal.role} role may not review retention; ask an admin or analyst")


def _own_due(principal: Principal, now: datetime) -> list[ColumnElement[bool]]:
    return [Statement.owner_org_id == principal.org_id, gate(principal, Statement), due(now)]


def due_for_review(session: Session, principal: Principal, now: datetime, limit: int) -> tuple[list[Statement], int]:
    """The principal's organisation's statements past retention, the longest overdue first; (page, total)."""
    require_reviewer(principal)
    total = session.scalar(select(func.count()).select_from(Statement).where(*_own_due(principal, now))) or 0
    rows = session.scalars(select(Statement).where(*_own_due(principal, now))
                           .order_by(Statement.retention_until, Statement.id).limit(limit)).unique().all()
    return list(rows), total


def selected_due(session: Session, principal: Principal, statement_ids: Sequence[int], now: datetime) -> list[Statement]:
    """The chosen statements, each of which must be the principal's organisation's and past retention (else NotFound)."""
    require_reviewer(principal)
    if not statement_ids:
        raise InvalidInput("statement_ids", "select at least one statement")
    rows = list(session.scalars(select(Statement).where(Statement.id.in_(statement_ids), *_own_due(principal, now))).unique())
    missing = sorted(set(statement_ids) - {s.id for s in rows})
    if missing:
        raise NotFound("statement_ids", f"no statement of yours past its retention date with id {missing[0]}")
    return rows


def _referencing(target: str) -> Iterable[tuple[Table, str, bool]]:
    """(table, column, nullable) of every foreign key to ``target``.id the database does not already handle on delete."""
    from aspjoc.tables import metadata  # every capability's tables, loaded on first use

    for table in metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == target and table.name != target and fk.ondelete is None:
                yield table, fk.parent.name, bool(fk.parent.nullable)


def _delete_rows(session: Session, statements: Sequence[Statement]) -> None:
    ids = [s.id for s in statements]
    for table, column, nullable in _referencing("statements"):
        if nullable:
            session.execute(update(table).where(table.c[column].in_(ids)).values({column: None}))
        else:
            session.execute(delete(table).where(table.c[column].in_(ids)))
    for s in statements:
        session.expunge(s)
    session.execute(delete(Statement).where(Statement.id.in_(ids)))


def _drop_orphans(session: Session, observable_ids: set[int]) -> int:
    """Delete the observables among ``observable_ids`` that nothing refers to any more; return how many went."""
    still_used = set(session.scalars(select(Statement.observable_id).where(Statement.observable_id.in_(observable_ids)).distinct()))
    dropped = 0
    for observable_id in sorted(observable_ids - still_used):
        try:
            with session.begin_nested():
                session.execute(delete(Observable).where(Observable.id == observable_id))
            dropped += 1
        except IntegrityError:
            pass  # a notice, a request or another record still points at it: it stays
    return dropped


def delete_statements(session: Session, actor: Principal | None, statements: Sequence[Statement], now: datetime,
                      reason: str) -> int:
    """Delete ``statements`` with one audit entry each, and their observables if nothing else uses them; return the count.

    Raises Conflict when a record that cannot lose its reference still points at one.
    """
    for s in statements:
        audit.record(session, actor, "statement.delete", now, "statement", s.id,
                     {"uuid": s.uuid, "owner_org": s.owner_org_id, "observable_id": s.observable_id,
                      "observable_type": s.observable.type, "retention_until": s.retention_until, "reason": reason})
    observable_ids = {s.observable_id for s in statements}
    try:
        with session.begin_nested():
            _delete_rows(session, statements)
    except IntegrityError as exc:
        raise Conflict("statement_ids", f"another record still depends on one of these statements: {exc.orig}") from exc
    _drop_orphans(session, observable_ids)
    return len(statements)


def confirm_delete(session: Session, principal: Principal, statement_ids: Sequence[int], now: datetime) -> int:
    """The owner confirms deletion of its statements past retention; NotFound if any id is not one of them."""
    return delete_statements(session, principal, selected_due(session, principal, statement_ids, now), now, "retention confirmed")


def extend(session: Session, principal: Principal, statement_ids: Sequence[int], until: datetime, now: datetime) -> int:
    """Keep the owner's statements past retention until ``until`` (which must be in the future); return the count."""
    if until <= now:
        raise InvalidInput("until", "is not in the future")
    rows = selected_due(session, principal, statement_ids, now)
    for s in rows:
        audit.record(session, principal, "statement.retention_extend", now, "statement", s.id,
                     {"from": s.retention_until, "until": until})
        s.retention_until = until
    return len(rows)


@dataclass(frozen=True)
class DueCount:
    org_id: int
    org_name: str
    count: int
    oldest: datetime | None


def review(session: Session, now: datetime, notify: bool = True) -> list[DueCount]:
    """Statements past retention per owner organisation; with ``notify``, each such organisation gets a notice
    (unless an unread one is already waiting)."""
    rows = session.execute(select(Organisation.id, Organisation.name, func.count(Statement.id), func.min(Statement.retention_until))
                           .join(Statement, Statement.owner_org_id == Organisation.id).where(due(now))
                           .group_by(Organisation.id, Organisation.name).order_by(Organisation.name)).all()
    counts = [DueCount(org_id, name, count, oldest) for org_id, name, count, oldest in rows]
    if notify:
        waiting = set(session.scalars(select(Notice.org_id).where(Notice.kind == "retention", Notice.read_at.is_(None))))
        for c in counts:
            if c.org_id not in waiting:
                session.add(Notice(org_id=c.org_id, kind="retention", created_at=now,
                                   message=f"{c.count} of your statements passed their retention date; "
                                           "review them at /retention (delete or keep longer)."))
        session.flush()
    return counts


def purge(session: Session, now: datetime, org_id: int | None = None, actor: Principal | None = None,
          progress: Callable[[int], None] | None = None) -> int:
    """Delete every statement past retention (of ``org_id`` only, when given), in chunks; return the count.

    ``progress`` is called with the number deleted so far after each chunk.
    """
    condition = [due(now)] + ([Statement.owner_org_id == org_id] if org_id is not None else [])
    deleted = 0
    while True:
        chunk = list(session.scalars(select(Statement).where(*condition).order_by(Statement.id).limit(CHUNK)).unique())
        if not chunk:
            return deleted
        deleted += delete_statements(session, actor, chunk, now, "retention purge")
        if progress is not None:
            progress(deleted)
