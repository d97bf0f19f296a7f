"""Builders for the public portal's tests: a small region, statements with or without public-use consent, sign-in."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update

from aspjoc.clock import FixedClock
from aspjoc.config import Settings
from aspjoc.db import Database
from aspjoc.intel import service
from aspjoc.intel.models import Statement
from aspjoc.intel.schemas import MarkingIn, ObservableIn, RecipientsIn, StatementIn
from aspjoc.web.app import create_app
from support import PASSWORD, Factory

HTML = {"accept": "text/html"}


class Region:
    """Two national units, the hub and a private partner, one analyst each.

    Only the users named in ``can_sign_in`` get a password: hashing one with argon2 takes a second
    on a busy test machine.
    """

    def __init__(self, make: Factory, can_sign_in: tuple[str, ...] = ()) -> None:
        self.make = make
        self.th = make.org("Royal Thai Police Cyber Unit", "TH")
        self.ph = make.org("Philippine National Police Cyber Unit", "PH")
        self.hub = make.org("Regional Hub", "SG", "hub")
        self.vendor = make.org("Coral Threat Labs", "SG", "private")

        def user(name: str, org: Any, role: str = "analyst") -> Any:
            return make.user(f"analyst@{name}.aspjoc.test", org, role=role, password=PASSWORD if name in can_sign_in else None)

        self.th_user = user("th", self.th)
        self.ph_user = user("ph", self.ph)
        self.hub_user = user("hub", self.hub)
        self.vendor_user = user("vendor", self.vendor, role="partner")

    def state(self, author: Any, value: str, tlp: str = "amber", public_use: bool = False, crime_type: str | None = None,
              first_seen: datetime | None = None, description: str = "", source: str = "", orgs: list[int] | None = None,
              kind: str = "indicator") -> int:
        data = StatementIn(observable=ObservableIn(value=value), kind=kind, crime_type=crime_type, first_seen=first_seen,
                           description=description, source=source,
                           marking=MarkingIn(tlp=tlp, public_use=public_use, recipients=RecipientsIn(organisations=orgs or [])))
        with self.make.db.unit_of_work() as s:
            statement, _ = service.add_statement(s, self.make.principal(author), data, self.make.clock.now())
            return statement.id

    def withdraw(self, statement_id: int) -> None:
        with self.make.db.unit_of_work() as s:
            s.execute(update(Statement).where(Statement.id == statement_id).values(withdrawn=True))


def portal_app(settings: Settings, clock: FixedClock, db: Database, **overrides: Any) -> Any:
    """The whole app with some settings changed (rate limits, cache)."""
    return create_app(settings.model_copy(update=overrides), clock=clock, db=db)


def form_token(client: TestClient, path: str) -> str:
    """Open a public form (which sets the form cookie) and return its token."""
    page = client.get(path)
    match = re.search(r'name="form_token" value="([^"]+)"', page.text)
    assert match, page.text
    return match.group(1)


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def sign_in(client: TestClient, email: str) -> None:
    token = csrf(client.get("/signin").text)
    reply = client.post("/signin", data={"email": email, "password": PASSWORD, "csrf_token": token}, follow_redirects=False)
    assert reply.status_code == 303, reply.text


def sign_out(client: TestClient) -> None:
    client.cookies.clear()
