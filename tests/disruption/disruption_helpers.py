"""Helpers for the block-list tests: a small region, statements, subscriptions, and the real validators."""

from __future__ import annotations

import logging
import subprocess
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from aspjoc.accounts.models import Organisation, User
from aspjoc.intel import service
from aspjoc.intel.schemas import MarkingIn, ObservableIn, RecipientsIn, StatementIn
from support import PASSWORD, Factory, bearer

ZONE = "rpz.aspjoc.test"


@dataclass
class Region:
    """Thai and Philippine units, the hub (with an admin), a bank and a telco."""

    make: Factory
    orgs: dict[str, Organisation] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, make: Factory, console: bool = False) -> Region:
        """With ``console``, the hub and Philippine users get a password (slow Argon2) to sign in with."""
        region = cls(make)
        for key, name, country, kind, role in (("th", "Thai Cyber Unit", "TH", "law_enforcement", "analyst"),
                                               ("ph", "Philippine Cyber Unit", "PH", "law_enforcement", "analyst"),
                                               ("hub", "Regional Hub", "SG", "hub", "admin"),
                                               ("bank", "Coral Bank", "FJ", "private", "partner"),
                                               ("telco", "Lagoon Telecom", "FJ", "private", "partner")):
            org = make.org(name, country, kind)
            # No passwords unless asked: Argon2 is slow, and tokens serve every test but the console ones.
            password = PASSWORD if console and key in ("hub", "ph", "bank") else None
            user = make.user(f"{role}@{key}.aspjoc.test", org, role=role, password=password)
            region.orgs[key], region.users[key] = org, user
            region.tokens[key] = make.token(user)
        return region

    def principal(self, key: str) -> Any:
        return self.make.principal(self.users[key])

    def state(self, author: str, value: str, tlp: str = "green", orgs: list[str] | None = None,
              handling: list[str] | None = None, crime_type: str | None = "phishing", kind: str = "indicator",
              confidence: int = 70, valid_until: datetime | None = None, public_use: bool = False,
              source: str = "", retention_until: datetime | None = None) -> int:
        """Store a statement of ``author``'s organisation; returns its id."""
        data = StatementIn(observable=ObservableIn(value=value), kind=kind, crime_type=crime_type, confidence=confidence,
                           valid_until=valid_until, source=source,
                           marking=MarkingIn(tlp=tlp, handling=handling or [], public_use=public_use,
                                             retention_until=retention_until,
                                             recipients=RecipientsIn(organisations=[self.orgs[o].name for o in orgs or []])))
        with self.make.db.unit_of_work() as s:
            statement, _ = service.add_statement(s, self.principal(author), data, self.make.clock.now())
            return statement.id

    def subscribe(self, client: Any, fmt: str, subscriber: str = "bank", manager: str = "hub", name: str | None = None,
                  **selection: Any) -> tuple[int, str]:
        """Create a subscription through the API; returns (id, feed token)."""
        body = {"name": name or f"{fmt} for {subscriber}", "subscriber": self.orgs[subscriber].name, "format": fmt,
                "selection": selection}
        reply = client.post("/api/v1/blocklists", json=body, headers=bearer(self.tokens[manager]))
        assert reply.status_code == 201, reply.text
        return int(reply.json()["id"]), str(reply.json()["token"])

    def refresh(self, client: Any, subscription_id: int, manager: str = "hub") -> dict[str, Any]:
        reply = client.post(f"/api/v1/blocklists/{subscription_id}/refresh", headers=bearer(self.tokens[manager]))
        assert reply.status_code == 200, reply.text
        data: dict[str, Any] = reply.json()
        return data


def fetch(client: Any, subscription_id: int, ext: str, token: str, **headers: str) -> Any:
    return client.get(f"/feeds/{subscription_id}/{ext}", params={"token": token}, headers=headers)


def listed_lines(text: str, comment: str = "#") -> list[str]:
    """The non-banner, non-blank lines of a list."""
    return [line for line in text.splitlines() if line.strip() and not line.startswith(comment)]


def run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)


def check_zone(zone_text: str, folder: Path) -> tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]:
    """Load ``zone_text`` with BIND's named-checkzone and with Unbound (an ``rpz:`` clause, unbound-checkconf)."""
    zone = folder / "blocklist.rpz"
    zone.write_text(zone_text)
    bind = run(["named-checkzone", "-i", "full", "-k", "fail", "-n", "fail", ZONE, str(zone)])
    config = folder / "unbound.conf"
    config.write_text(f'server:\n    chroot: ""\n    username: ""\n    directory: "{folder}"\n    use-syslog: no\n'
                      f'    module-config: "respip validator iterator"\n'
                      f'rpz:\n    name: {ZONE}\n    zonefile: "{zone}"\n')
    unbound = run(["unbound-checkconf", str(config)])
    return bind, unbound


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        # Errors (unparseable or invalid rules) and unknown rule options (a typo Suricata would refuse).
        if record.levelno >= logging.ERROR or "is not recognized" in message and message.startswith("Option "):
            self.messages.append(message)


def suricata_errors(rules_text: str, folder: Path) -> tuple[list[str], int]:
    """Run suricata-check over ``rules_text``; returns (errors, rules it analysed).

    Errors are: issues of severity ERROR or worse (the mandatory msg and sid), rules it could not
    parse or found invalid (logged at ERROR and skipped, so also a shortfall in the analysed count),
    and rule options it does not recognise. Its INFO and WARNING advice (style, metadata, sid
    ranges) is accepted.
    """
    import importlib.util

    from suricata_check import get_checkers, process_rules_file

    # With the standard ``re`` module, suricata-check's S120 pattern backtracks exponentially on a
    # content string without special characters (every domain): minutes per rule. ``regex`` (its
    # own "performance" extra, in our test dependencies) answers at once.
    assert importlib.util.find_spec("regex") is not None, "install the test extras: suricata-check needs 'regex'"
    path = folder / "blocklist.rules"
    path.write_text(rules_text)
    collect = _Collect()
    logger = logging.getLogger("suricata_check")
    logger.addHandler(collect)
    try:
        report = process_rules_file(str(path), evaluate_disabled=False, checkers=get_checkers())
    finally:
        logger.removeHandler(collect)
    errors = list(collect.messages)
    for rule in report.rules:
        errors += [f"{issue.code}: {issue.message}" for issue in rule.issues
                   if issue.severity is not None and issue.severity >= logging.ERROR]
    return errors, len(report.rules)
