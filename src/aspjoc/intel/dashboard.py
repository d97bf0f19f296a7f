"""Figures for the console's dashboard, counted over what the principal may see."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aspjoc.access import Principal, gate
from aspjoc.accounts.models import Organisation
from aspjoc.intel.models import Notice, Observable, Statement


@dataclass(frozen=True)
class Dashboard:
    statements: int
    observables: int
    by_crime_type: list[tuple[str, int]]
    by_country: list[tuple[str, int]]
    by_type: list[tuple[str, int]]
    unread_notices: int



def dashboard(session: Session, principal: Principal) -> Dashboard:
    """Counts of visible, current statements by crime type, owner country and identifier type."""
    visible = (gate(principal, Statement), Statement.withdrawn.is_(False))
    statements = session.scalar(select(func.count()).select_from(Statement).where(*visible)) or 0
    observables = session.scalar(select(func.count(func.distinct(Statement.observable_id))).where(*visible)) or 0
    crime = session.execute(select(func.coalesce(Statement.crime_type, "unspecified"), func.count())
                            .select_from(Statement).where(*visible).group_by(Statement.crime_type).order_by(func.count().desc())).all()
    country = session.execute(select(func.coalesce(Organisation.country, "—"), func.count())
                              .select_from(Statement).join(Organisation, Organisation.id == Statement.owner_org_id)
                              .where(*visible).group_by(Organisation.country).order_by(func.count().desc())).all()
    types = session.execute(select(Observable.type, func.count()).select_from(Statement).join(Observable, Observable.id == Statement.observable_id)
                            .where(*visible).group_by(Observable.type).order_by(func.count().desc())).all()
    unread = session.scalar(select(func.count()).select_from(Notice)
                            .where(Notice.org_id == principal.org_id, Notice.read_at.is_(None))) or 0
    return Dashboard(statements, observables, [tuple(r) for r in crime], [tuple(r) for r in country],  # type: ignore[misc]
                     [tuple(r) for r in types], unread)  # type: ignore[misc]
