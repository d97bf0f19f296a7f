"""A small region for link-analysis tests: three national units, a hub, entities, relationships and statements."""

from __future__ import annotations

import re
from typing import Any

from aspjoc.intel import service as intel
from aspjoc.intel.schemas import MarkingIn, ObservableIn, RecipientsIn, StatementIn
from aspjoc.operations.graph import service
from aspjoc.operations.graph.schemas import EndIn, EntityIn, RecordMarkingIn, RelationshipIn
from support import PASSWORD, Factory


def marking(tlp: str, orgs: list[int] | None = None) -> RecordMarkingIn:
    return RecordMarkingIn(tlp=tlp, recipients=RecipientsIn(organisations=orgs or []))


class Region:
    """TH, PH and KH units and the hub, one investigator each, and helpers that write through the services."""

    def __init__(self, make: Factory, passwords: bool = False) -> None:
        """``passwords`` gives the TH and PH investigators a password (slow: argon2) for tests that sign in."""
        self.make = make
        pw = PASSWORD if passwords else None
        self.th = make.org("Thai Cyber Unit", "TH")
        self.ph = make.org("Philippine Cyber Unit", "PH")
        self.kh = make.org("Cambodian Cyber Unit", "KH")
        self.hub = make.org("Regional Hub", "SG", "hub")
        self.th_user = make.user("inv@th.aspjoc.test", self.th, role="investigator", password=pw)
        self.ph_user = make.user("inv@ph.aspjoc.test", self.ph, role="investigator", password=pw)
        self.kh_user = make.user("inv@kh.aspjoc.test", self.kh, role="investigator", password=None)
        self.hub_user = make.user("analyst@hub.aspjoc.test", self.hub, password=None)

    def principal(self, user: Any) -> Any:
        return self.make.principal(user)

    def statement(self, author: Any, value: str, tlp: str = "green", crime_type: str = "investment_scam",
                  kind: str = "indicator", description: str = "") -> int:
        data = StatementIn(observable=ObservableIn(value=value), kind=kind, crime_type=crime_type,
                           description=description, marking=MarkingIn(tlp=tlp))
        with self.make.db.unit_of_work() as s:
            statement, _ = intel.add_statement(s, self.principal(author), data, self.make.clock.now())
            return statement.id

    def entity(self, author: Any, name: str, kind: str = "person", role: str = "suspect", tlp: str = "green",
               orgs: list[int] | None = None) -> int:
        with self.make.db.unit_of_work() as s:
            entity = service.create_entity(s, self.principal(author), EntityIn(kind=kind, name=name, role=role,
                                                                               marking=marking(tlp, orgs)),
                                           self.make.clock.now())
            return entity.id

    def link(self, author: Any, kind: str, source: tuple[str, int | str], target: tuple[str, int | str],
             tlp: str = "green", orgs: list[int] | None = None) -> int:
        def end(ref: tuple[str, int | str]) -> EndIn:
            kind_, key = ref
            return EndIn(type=kind_, value=key) if isinstance(key, str) else EndIn(type=kind_, id=key)

        with self.make.db.unit_of_work() as s:
            rel = service.create_relationship(s, self.principal(author), RelationshipIn(
                kind=kind, source=end(source), target=end(target), marking=marking(tlp, orgs)), self.make.clock.now())
            return rel.id


def console_sign_in(client: Any, email: str) -> None:
    """Sign ``client`` in to the console (the user needs a password: ``Region(make, passwords=True)``)."""
    form = client.get("/signin").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    reply = client.post("/signin", data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)},
                        follow_redirects=False)
    assert reply.status_code == 303, reply.text


def csrf_of(html: str) -> str:
    """The CSRF token a console page carries in its forms."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)
