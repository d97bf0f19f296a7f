"""Helpers for the sharing tests: a small region with statements under every marking, and a second instance."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import update
from stix2validator import ValidationOptions, validate_string
from support import Factory

from aspjoc.accounts.models import Organisation, User
from aspjoc.clock import FixedClock
from aspjoc.config import Settings
from aspjoc.db import Database
from aspjoc.intel import service
from aspjoc.intel.models import Statement
from aspjoc.intel.schemas import MarkingIn, ObservableIn, RecipientsIn, StatementIn
from aspjoc.migrate import upgrade
from aspjoc.web.app import create_app


@dataclass
class Region:
    """Thai and Philippine units, a Fijian unit, the hub and a bank, each with an analyst and a token."""

    make: Factory
    orgs: dict[str, Organisation] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, make: Factory) -> Region:
        region = cls(make)
        for key, name, country, kind in (("th", "Thai Cyber Unit", "TH", "law_enforcement"),
                                         ("ph", "Philippine Cyber Unit", "PH", "law_enforcement"),
                                         ("fj", "Fiji Cyber Unit", "FJ", "law_enforcement"),
                                         ("hub", "Regional Hub", "SG", "hub"),
                                         ("bank", "Coral Bank", "FJ", "private")):
            org = make.org(name, country, kind)
            # No passwords: argon2 hashing is slow, and tokens serve every test but the one about passwords.
            user = make.user(f"analyst@{key}.aspjoc.test", org, role="partner" if kind == "private" else "analyst",
                             password=None)
            region.orgs[key], region.users[key] = org, user
            region.tokens[key] = make.token(user)
        return region

    def principal(self, key: str) -> Any:
        return self.make.principal(self.users[key])

    def state(self, author: str, value: str, tlp: str = "green", orgs: list[str] | None = None,
              groups: list[str] | None = None, handling: list[str] | None = None, kind: str = "indicator",
              crime_type: str | None = "investment_scam", description: str = "", source: str = "") -> str:
        """Store a statement of ``author``'s organisation; returns its uuid."""
        data = StatementIn(observable=ObservableIn(value=value), kind=kind, crime_type=crime_type, source=source,
                           description=description, marking=MarkingIn(
                               tlp=tlp, handling=handling or [],
                               recipients=RecipientsIn(organisations=[self.orgs[o].name for o in orgs or []],
                                                       groups=groups or [])))
        with self.make.db.unit_of_work() as s:
            statement, _ = service.add_statement(s, self.principal(author), data, self.make.clock.now())
            return statement.uuid

    def tag(self, statement_uuid: str, *tags: str) -> None:
        """Give a statement source tags, as bulk ingest stores them (a JSON array)."""
        with self.make.db.unit_of_work() as s:
            s.execute(update(Statement).where(Statement.uuid == statement_uuid).values(tags=json.dumps(list(tags))))


def assert_valid(bundle: dict[str, Any], interop: bool = False) -> None:
    """``bundle`` passes stix2-validator (STIX 2.1, with the interoperability profile when ``interop``)."""
    result = validate_string(json.dumps(bundle), ValidationOptions(version="2.1", interop=interop))
    assert result.is_valid, [str(e) for e in result.errors]


def copy_database(template: str, target: Path) -> str:
    """A fresh migrated SQLite database at ``target``: a copy of the test template, or migrated anew."""
    if Path(template).is_file():
        shutil.copyfile(template, target)
    else:
        upgrade(f"sqlite:///{target}")
    return f"sqlite:///{target}"


@dataclass
class Instance:
    """A second aspjoc instance (its own SQLite database, app and clock) for federation tests."""

    db: Database
    app: Any
    clock: FixedClock
    make: Factory


def second_instance(template: str, folder: Path, clock: FixedClock) -> Instance:
    folder.mkdir(parents=True, exist_ok=True)
    url = copy_database(template, folder / "aspjoc.db")
    db = Database(url)
    settings = Settings(database_url=url, data_dir=folder / "var")
    return Instance(db, create_app(settings, clock=clock, db=db), clock, Factory(db, clock))
