"""Helpers for the private-matching tests: a few units, statements under given markings, HMACs as a node computes them."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from aspjoc.intel import service
from aspjoc.intel.schemas import MarkingIn, ObservableIn, StatementIn
from support import Factory


@dataclass
class Units:
    fj: Any
    th: Any
    ph: Any
    fj_user: Any
    th_user: Any
    ph_user: Any
    fj_token: str
    th_token: str
    ph_token: str


def units(make: Factory) -> Units:
    fj, th, ph = make.org("Fiji Police Cybercrime Unit", "FJ"), make.org("Royal Thai Police Cyber Unit", "TH"), \
        make.org("Philippine National Police Cyber Unit", "PH")
    fj_user = make.user("analyst@fj.aspjoc.test", fj, password=None)
    th_user = make.user("analyst@th.aspjoc.test", th, password=None)
    ph_user = make.user("analyst@ph.aspjoc.test", ph, password=None)
    return Units(fj, th, ph, fj_user, th_user, ph_user, make.token(fj_user), make.token(th_user), make.token(ph_user))


def hold(make: Factory, user: Any, value: str, tlp: str = "red", handling: list[str] | None = None) -> int:
    """Store ``user``'s statement on ``value`` under ``tlp``; returns its id."""
    with make.db.unit_of_work() as s:
        data = StatementIn(observable=ObservableIn(value=value), crime_type="money_mule", description="case notes",
                           marking=MarkingIn(tlp=tlp, handling=handling or []))
        statement, _ = service.add_statement(s, make.principal(user), data, make.clock.now())
        return statement.id


def node_hmac(key_hex: str, observable_type: str, canonical_value: str) -> str:
    """The digest a node computes, following the recipe GET /api/v1/match/key documents."""
    return hmac.new(bytes.fromhex(key_hex), f"{observable_type}:{canonical_value}".encode(), hashlib.sha256).hexdigest()
