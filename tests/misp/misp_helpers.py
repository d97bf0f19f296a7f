"""Helpers for the MISP tests: a small community, PyMISP clients, a second aspjoc instance as the "remote MISP"."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pymisp import MISPEvent, PyMISP

from aspjoc.clock import FixedClock
from aspjoc.config import Settings
from aspjoc.db import Database
from aspjoc.migrate import upgrade
from aspjoc.web.app import create_app
from support import Factory, LiveServer


@dataclass
class Community:
    """Fiji and Thailand units, the hub, a bank partner; an analyst and token in each."""

    fj: Any
    th: Any
    hub: Any
    bank: Any
    fj_user: Any
    th_user: Any
    hub_user: Any
    fj_token: str
    th_token: str
    hub_token: str


def community(make: Factory) -> Community:
    fj = make.org("Fiji Police Cybercrime Unit", "FJ")
    th = make.org("Royal Thai Police Cyber Unit", "TH")
    hub = make.org("Regional Hub", "SG", kind="hub")
    bank = make.org("Pacific Bank", "FJ", kind="private")
    # Token-only users: no password to hash, so each test sets up in milliseconds.
    fj_user = make.user("analyst@fj.aspjoc.test", fj, password=None)
    th_user = make.user("analyst@th.aspjoc.test", th, password=None)
    hub_user = make.user("analyst@hub.aspjoc.test", hub, password=None)
    return Community(fj, th, hub, bank, fj_user, th_user, hub_user,
                     make.token(fj_user), make.token(th_user), make.token(hub_user))


def client(base_url: str, token: str) -> PyMISP:
    """PyMISP against aspjoc's /misp/, exactly as an analyst would build it."""
    return PyMISP(base_url + "/misp/", token, ssl=False)


def event(info: str, attributes: list[tuple[str, str]], tags: list[str] = (), distribution: int = 1,  # type: ignore[assignment]
          **extra: Any) -> MISPEvent:
    made = MISPEvent()
    made.info = info
    made.distribution = distribution
    for key, value in extra.items():
        setattr(made, key, value)
    for kind, value in attributes:
        made.add_attribute(kind, value)
    for tag in tags:
        made.add_tag(tag)
    return made


def values(reply: dict[str, Any]) -> list[str]:
    """Attribute values of an ``{"Event": ...}`` reply."""
    return [a["value"] for a in reply["Event"].get("Attribute", [])]


def all_values(events: list[dict[str, Any]]) -> set[str]:
    return {v for e in events for v in values(e)}


@dataclass
class Instance:
    """Another aspjoc with its own database, served on loopback: the "remote MISP" of sync tests."""

    db: Database
    make: Factory
    server: LiveServer

    @property
    def misp_url(self) -> str:
        return self.server.url + "/misp/"


@contextmanager
def second_instance(template: str, folder: Path, clock: FixedClock) -> Iterator[Instance]:
    """A second instance on a copy of the migrated template database (a fresh migration on PostgreSQL runs)."""
    path = folder / "remote.db"
    if Path(template).is_file():
        shutil.copyfile(template, path)
    else:
        upgrade(f"sqlite:///{path}")
    url = f"sqlite:///{path}"
    db = Database(url)
    app = create_app(Settings(database_url=url, data_dir=folder / "remote-var"), clock=clock, db=db)
    try:
        with LiveServer(app) as server:
            yield Instance(db, Factory(db, clock), server)
    finally:
        db.dispose()
