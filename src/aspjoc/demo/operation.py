"""The demo's operation: an investment-scam and phishing wave led by the hub across four national units.

Everything is made through the operations services, as the people of the demo region would have made it
over three weeks: the hub opens the operation and picks targets from the units' statements, links the
crew behind them in the graph, generates each country's package and tasks the units; the units and the
partners then act (``operation_requests.py``). Times are set relative to ``now``, so the freeze clock is
still running and one takedown answer is overdue when the demo is opened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from aspjoc.access import Principal, gate
from aspjoc.accounts import service as accounts
from aspjoc.demo.region import Region
from aspjoc.demo.showcase import SHOWCASE_MULE_ACCOUNT, SHOWCASE_SHARED_WALLET
from aspjoc.intel.models import Observable, Statement
from aspjoc.intel.schemas import ObservableIn, RecipientsIn
from aspjoc.marking import TLP, Marking
from aspjoc.operations import packages, service, targets, tasks
from aspjoc.operations.graph import service as graph
from aspjoc.operations.graph.schemas import EndIn, EntityIn, RecordMarkingIn, RelationshipIn
from aspjoc.operations.schemas import OperationIn, TargetIn, TaskIn

DEMO_OPERATION = "Coral Tide"
COUNTRIES = ("TH", "PH", "MY", "KH")
PER_COUNTRY = 5
HUB_ANALYST = "analyst@hub.aspjoc.test"
UNIT_USERS = {"TH": "investigator@th.aspjoc.test", "PH": "analyst@ph.aspjoc.test", "MY": "investigator@my.aspjoc.test",
              "KH": "analyst@kh.aspjoc.test"}
ACTIONS = {"url": "takedown", "domain": "takedown", "phone": "takedown", "social_handle": "takedown", "app": "takedown",
           "email": "takedown", "bank_account": "freeze", "crypto_wallet": "freeze"}
WHY = {"takedown": "Lure infrastructure of the wave; taking it down stops new victims.",
       "freeze": "Receives victims' deposits; freeze before the funds move on."}


@dataclass
class Wave:
    """The operation as it is built: who acts, and the targets by country and role."""

    operation_id: int
    group_id: int
    started: datetime
    hub: Principal
    units: dict[str, Principal]
    targets: dict[str, list[tuple[int, str, str]]] = field(default_factory=dict)  # country -> (id, type, value)
    entities: dict[str, int] = field(default_factory=dict)
    entity_targets: dict[str, int] = field(default_factory=dict)

    def of(self, country: str, *types: str) -> list[tuple[int, str, str]]:
        return [t for t in self.targets.get(country, []) if t[1] in types]


def _principal(session: Session, email: str) -> Principal:
    return accounts.principal_for(session, accounts.find_user(session, email))


def open_operation(session: Session, region: Region, now: datetime) -> Wave:
    """The operation, led by the hub, with the four units as participants; principals read after the group exists."""
    started = (now - timedelta(days=20)).replace(hour=1, minute=0, second=0, microsecond=0)
    hub = _principal(session, HUB_ANALYST)
    data = OperationIn(
        name=DEMO_OPERATION, crime_type="investment_scam", starts_on=started.date(),
        ends_on=date.fromordinal(now.date().toordinal() + 10), status="active",
        participants=[region.org_id(c) for c in COUNTRIES],
        description="Time-boxed wave against the fake trading platforms and bank-phishing kits that target victims "
                    "in Thailand, the Philippines, Malaysia and Cambodia: take down the lure infrastructure, freeze "
                    "the mule accounts and deposit wallets, arrest the operators and notify the victims.")
    operation = service.create_operation(session, hub, data, started)
    return Wave(operation.id, operation.group_id, started, _principal(session, HUB_ANALYST),
                {c: _principal(session, email) for c, email in UNIT_USERS.items()})


def _candidates(session: Session, region: Region, hub: Principal, skip: set[str]) -> dict[str, list[tuple[int, str, str]]]:
    """Per country, statements of its unit the hub may see (CLEAR to AMBER: no RED or AMBER+STRICT case file becomes
    a target readable by every participant), one per identifier, two at most of each type."""
    units = {region.org_id(c): c for c in COUNTRIES}
    rows = session.execute(
        select(Statement.id, Statement.owner_org_id, Observable.type, Observable.value)
        .join(Observable, Observable.id == Statement.observable_id).join(Marking, Marking.id == Statement.marking_id)
        .where(Statement.owner_org_id.in_(units), Statement.crime_type.in_(("investment_scam", "phishing")),
               Statement.kind.in_(("indicator", "target")), Marking.tlp <= int(TLP.AMBER),
               Observable.type.in_(ACTIONS), gate(hub, Statement), Statement.withdrawn.is_(False))
        .order_by(Statement.id))
    picked: dict[str, list[tuple[int, str, str]]] = {c: [] for c in COUNTRIES}
    seen = set(skip)
    for statement_id, owner, type_, value in rows:
        country = units[owner]
        mine = picked[country]
        if value in seen or len(mine) >= PER_COUNTRY or sum(1 for t in mine if t[1] == type_) >= 2:
            continue
        seen.add(value)
        mine.append((statement_id, type_, value))
    return picked


def add_targets(session: Session, region: Region, wave: Wave, now: datetime) -> None:
    """The showcase wallet and mule account, then five statements per country, each with its recommended action
    and a deadline within the wave's last days."""
    at = wave.started + timedelta(days=1)
    due = now.replace(hour=12, minute=0, second=0, microsecond=0)
    showcase = (("KH", SHOWCASE_SHARED_WALLET, "crypto_wallet", "USDT deposit wallet of the fake platform, held at a "
                 "Cambodian exchange; reported by the Philippines and Cambodia."),
                ("MY", SHOWCASE_MULE_ACCOUNT, "bank_account", "Malaysian mule account receiving Thai victims' transfers."))
    for country, value, type_, why in showcase:
        target = targets.add_target(session, wave.hub, wave.operation_id, TargetIn(
            observable=ObservableIn(value=value, type=type_), country=country, action="freeze", priority="high",
            deadline=due + timedelta(days=1), rationale=why), at)
        wave.targets.setdefault(country, []).append((target.id, type_, value))
    for country, rows in _candidates(session, region, wave.hub, {SHOWCASE_SHARED_WALLET, SHOWCASE_MULE_ACCOUNT}).items():
        for i, (statement_id, type_, value) in enumerate(rows):
            action = ACTIONS[type_]
            target = targets.add_target(session, wave.hub, wave.operation_id, TargetIn(
                statement_id=statement_id, country=country, action=action, priority="high" if i == 0 else "medium",
                deadline=due + timedelta(days=2 + i), rationale=WHY[action]), at)
            wave.targets.setdefault(country, []).append((target.id, type_, value))


def _op_marking(wave: Wave) -> RecordMarkingIn:
    return RecordMarkingIn(tlp="amber", recipients=RecipientsIn(groups=[wave.group_id]))


def link_the_crew(session: Session, wave: Wave) -> None:
    """Thailand's picture of the crew: a group, its manager, a trafficked worker kept apart as a victim, and the
    wallet, mule account and a lure they use; the manager and the crew become arrest targets."""
    th, at, marking = wave.units["TH"], wave.started + timedelta(days=2), _op_marking(wave)
    people = {
        "crew": EntityIn(kind="group", name="Golden Lotus crew", role="suspect", country="KH", marking=marking,
                         description="Runs the fake 'Lotus Markets' trading platform from a compound near the border."),
        "manager": EntityIn(kind="person", name="Somchai K.", role="suspect", country="TH", aliases=["Coach Sam"],
                            marking=marking, description="Recruits 'investment coaches' and manages the mule accounts."),
        "worker": EntityIn(kind="person", name="Trafficked worker (case TH-41)", role="victim", marking=marking,
                           description="Recruited with a fake job offer and forced to work the scripts."),
    }
    for key, data in people.items():
        wave.entities[key] = graph.create_entity(session, th, data, at).id
    def entity(key: str) -> EndIn:
        return EndIn(type="entity", id=wave.entities[key])

    links = [("member_of", entity("manager"), entity("crew")),
             ("controls", entity("crew"), EndIn(type="observable", value=SHOWCASE_SHARED_WALLET)),
             ("controls", entity("manager"), EndIn(type="observable", value=SHOWCASE_MULE_ACCOUNT)),
             ("employs", entity("crew"), entity("worker"))]
    lure = next(iter(wave.of("TH", "url", "domain", "social_handle", "phone")), None)
    if lure is not None:
        links.append(("uses", entity("crew"), EndIn(type="observable", value=lure[2])))
    for kind, source, target in links:
        graph.create_relationship(session, th, RelationshipIn(kind=kind, source=source, target=target, confidence=70,
                                                              marking=marking), at)
    for key, country in (("manager", "TH"), ("crew", "KH")):
        wave.entity_targets[key] = targets.add_target(session, th, wave.operation_id, TargetIn(
            entity_id=wave.entities[key], country=country, action="arrest", priority="high",
            rationale="Identified from seized chat logs and the wallet's cash-out pattern."), at).id


def task_the_units(session: Session, wave: Wave, now: datetime) -> None:
    """One task per unit (one done, one in progress, one overdue) and the hub's own roll-up."""
    at = wave.started + timedelta(days=2)
    plan = [("TH", "Send the takedown requests for the Thai lure sites", now + timedelta(days=2), "in_progress"),
            ("PH", "Notify the victims listed in the Philippine package", now - timedelta(days=1), "open"),
            ("MY", "Ask the bank to freeze the mule account", now - timedelta(days=2), "done"),
            ("KH", "Search the compound office and seize its devices", now + timedelta(days=4), "open")]
    for country, title, due, status in plan:
        task = tasks.add_task(session, wave.hub, wave.operation_id, TaskIn(
            assignee=wave.units[country].org_name, title=title, due_at=due), at)
        if status != "open":
            tasks.set_task_status(session, wave.units[country], wave.operation_id, task.id, status, now - timedelta(days=1))
    tasks.add_task(session, wave.hub, wave.operation_id, TaskIn(
        assignee=wave.hub.org_name, title="Roll up the wave's results for the programme report",
        due_at=now + timedelta(days=10)), at)


def generate_packages(session: Session, wave: Wave) -> None:
    packages.generate_for(session, wave.hub, wave.operation_id, wave.started + timedelta(days=2))
