"""An organisation's matches: identifiers it holds that another organisation holds too.

Each match is the match notice ``correlate`` sent the organisation. Who the other holder is,
is decided when the page is read, through the access gate: named when the reader may see one
of that holder's statements on the identifier, "another organisation" otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row, Select, select
from sqlalchemy.orm import Session

from aspjoc.access import Principal, gate
from aspjoc.accounts.models import Organisation
from aspjoc.errors import NotFound
from aspjoc.intel.correlation.models import RequestForInformation, RequestStatus
from aspjoc.intel.correlation.service import MATCH
from aspjoc.intel.models import Notice, Observable, Statement


@dataclass(frozen=True)
class Match:
    """One match: the identifier, the other holder's name (None when the reader may not know it), when, and a request already open about it."""

    id: int
    type: str
    value: str
    other: str | None
    at: datetime
    request_id: int | None


_Row = Row[int, int | None, int | None, datetime, str, str]


def _base() -> Select[int, int | None, int | None, datetime, str, str]:
    return (select(Notice.id, Notice.observable_id, Notice.actor_org_id, Notice.created_at, Observable.type, Observable.value)
            .join(Observable, Observable.id == Notice.observable_id).where(Notice.kind == MATCH))


def _matches(session: Session, principal: Principal, rows: Sequence[_Row]) -> list[Match]:
    """Matches for notice rows of the principal's organisation, each holder named only as far as the gate allows."""
    observable_ids = sorted({r.observable_id for r in rows})
    named = set(session.execute(select(Statement.observable_id, Statement.owner_org_id).where(
        Statement.observable_id.in_(observable_ids), Statement.withdrawn.is_(False), gate(principal, Statement)).distinct()).tuples())
    names = dict(session.execute(select(Organisation.id, Organisation.name).where(
        Organisation.id.in_({org for _, org in named}))).tuples().all())
    asked = {(obs, target): rid for rid, obs, target in session.execute(
        select(RequestForInformation.id, RequestForInformation.observable_id, RequestForInformation.target_org_id).where(
            RequestForInformation.requester_org_id == principal.org_id, RequestForInformation.observable_id.in_(observable_ids),
            RequestForInformation.status == RequestStatus.OPEN.value, gate(principal, RequestForInformation)))}
    return [Match(r.id, r.type, r.value, names.get(r.actor_org_id) if (r.observable_id, r.actor_org_id) in named else None,
                  r.created_at, asked.get((r.observable_id, r.actor_org_id))) for r in rows]


def list_matches(session: Session, principal: Principal, limit: int, before: int | None = None) -> list[Match]:
    """The newest ``limit`` matches of the principal's organisation (older than match id ``before``, when given)."""
    query = _base().where(Notice.org_id == principal.org_id)
    if before is not None:
        query = query.where(Notice.id < before)
    return _matches(session, principal, session.execute(query.order_by(Notice.id.desc()).limit(limit)).all())


def get_match(session: Session, principal: Principal, match_id: int) -> Match:
    """One match of the principal's organisation; NotFound for anyone else's."""
    rows = session.execute(_base().where(Notice.org_id == principal.org_id, Notice.id == match_id)).all()
    if not rows:
        raise NotFound("match", f"no match {match_id}")
    return _matches(session, principal, rows)[0]
