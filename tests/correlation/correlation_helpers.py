"""A small region for correlation tests: four organisations in three countries, one analyst each."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from aspjoc.intel import service
from aspjoc.intel.models import Observable, Statement
from aspjoc.intel.schemas import MarkingIn, ObservableIn, RecipientsIn, StatementIn
from aspjoc.marking import MarkingSpec, TLP, marking_id_for
from support import PASSWORD, Factory


class Region:
    """Thailand and the Philippines (law enforcement), the hub, and a bank; an analyst and a token each.

    Users get a password (a slow Argon2 hash each) only when a test signs in through the console.
    """

    def __init__(self, make: Factory, console: bool = False) -> None:
        self.make = make
        password = PASSWORD if console else None
        self.th = make.org("Thai Cyber Unit", "TH")
        self.ph = make.org("Philippine Cyber Unit", "PH")
        self.hub = make.org("Regional Hub", "SG", "hub")
        self.bank = make.org("Coral Bank", "FJ", "private")
        self.th_a = make.user("a@th.aspjoc.test", self.th, password=password)
        self.ph_a = make.user("a@ph.aspjoc.test", self.ph, password=password)
        self.hub_a = make.user("a@hub.aspjoc.test", self.hub, password=password)
        self.bank_a = make.user("a@bank.aspjoc.test", self.bank, role="partner", password=password)
        self._tokens: dict[int, str] = {}

    def token(self, user: Any) -> str:
        if user.id not in self._tokens:
            self._tokens[user.id] = self.make.token(user)
        return self._tokens[user.id]

    def state(self, author: Any, value: str, tlp: str = "green", orgs: list[int] | None = None,
              description: str = "", source: str = "", retention_until: datetime | None = None,
              reliability: str | None = None, credibility: int | None = None, confidence: int = 50,
              last_seen: datetime | None = None) -> int:
        """Store a statement by ``author`` through the service (so correlation runs) and return its id."""
        data = StatementIn(observable=ObservableIn(value=value), description=description, source=source, confidence=confidence,
                           last_seen=last_seen, first_seen=last_seen,
                           marking=MarkingIn(tlp=tlp, recipients=RecipientsIn(organisations=orgs or []),
                                             retention_until=retention_until, reliability=reliability, credibility=credibility))
        with self.make.db.unit_of_work() as s:
            statement, _ = service.add_statement(s, self.make.principal(author), data, self.make.clock.now())
            return statement.id


def bulk_statements(make: Factory, org_id: int, values: list[tuple[str, str]], tlp: TLP, now: datetime) -> list[int]:
    """Insert observables (type, canonical value) and one statement each for ``org_id``, bypassing correlation; return the ids."""
    with make.db.unit_of_work() as s:
        marking = marking_id_for(s, MarkingSpec(org_id, tlp))
        known = dict(s.execute(select(Observable.value, Observable.id).where(Observable.value.in_([v for _, v in values]))).tuples().all())
        fresh = [{"type": t, "value": v, "created_at": now} for t, v in values if v not in known]
        if fresh:
            s.execute(insert(Observable), fresh)
        ids = dict(s.execute(select(Observable.value, Observable.id).where(Observable.value.in_([v for _, v in values]))).tuples().all())
        s.execute(insert(Statement), [
            {"uuid": f"{org_id}-{v}", "observable_id": ids[v], "owner_org_id": org_id, "marking_id": marking, "kind": "indicator",
             "confidence": 50, "first_seen": now, "last_seen": now, "sightings": 1, "source": "bulk", "description": "",
             "withdrawn": False, "created_at": now, "updated_at": now} for _, v in values])
        return list(s.scalars(select(Statement.id).where(Statement.owner_org_id == org_id, Statement.source == "bulk")
                              .order_by(Statement.id)))
