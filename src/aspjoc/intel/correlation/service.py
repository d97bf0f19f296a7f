"""Matches found by index lookup on the observable, at the moment a statement is stored.

No table of pairs is ever built: a new statement's observable id is looked up in the
statements index, and each owner is told as far as the markings allow.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from aspjoc.access import gate
from aspjoc.accounts.models import Organisation
from aspjoc.accounts.service import principal_for_org
from aspjoc.intel.models import Notice, Observable, Statement


def _already_told(session: Session, org_id: int, observable_id: int, other_org_id: int) -> bool:
    return bool(session.scalar(select(exists().where(
        Notice.org_id == org_id, Notice.kind == "match", Notice.observable_id == observable_id,
        Notice.actor_org_id == other_org_id))))


def _tell(session: Session, org: Organisation, other: Organisation, statement: Statement, observable: Observable,
          now: datetime) -> None:
    """Notice to ``org`` that ``other`` holds ``observable``: named when ``org`` may see that statement, anonymous otherwise."""
    if _already_told(session, org.id, observable.id, other.id):
        return
    visible = session.scalar(select(Statement.id).where(Statement.id == statement.id,
                                                        gate(principal_for_org(session, org), Statement)))
    if visible is not None:
        message = f"{other.name} also holds {observable.type} {observable.value}."
    else:
        message = (f"Another organisation holds information on {observable.type} {observable.value}; "
                   "ask through a request for information.")
    session.add(Notice(org_id=org.id, kind="match", observable_id=observable.id,
                       statement_id=statement.id if visible is not None else None,
                       actor_org_id=other.id, message=message, created_at=now))


def correlate(session: Session, statement_ids: Sequence[int], now: datetime) -> int:
    """Find other organisations' statements on the observables of ``statement_ids`` and notify both sides once.

    Returns the number of (statement, other statement) matches seen.
    """
    matches = 0
    for statement in session.scalars(select(Statement).where(Statement.id.in_(statement_ids))).unique():
        others = session.scalars(select(Statement).where(
            Statement.observable_id == statement.observable_id, Statement.owner_org_id != statement.owner_org_id,
            Statement.withdrawn.is_(False))).unique().all()
        for other in others:
            matches += 1
            _tell(session, statement.owner, other.owner, other, statement.observable, now)
            _tell(session, other.owner, statement.owner, statement, statement.observable, now)
    return matches
