"""The demo region: idempotent, in range, canonical, reserved values only, and showing deconfliction."""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aspjoc.access import Principal, Purpose, gate
from aspjoc.accounts import service as accounts
from aspjoc.accounts.models import Organisation, OrgKind, User
from aspjoc.accounts.passwords import check_password
from aspjoc.audit import AuditEvent
from aspjoc.clock import FixedClock
from aspjoc.countries import MEMBER_COUNTRIES
from aspjoc.db import Database
from aspjoc.demo import (
    DEMO_PASSWORD,
    SHOWCASE_MULE_ACCOUNT,
    SHOWCASE_PUBLIC_URL,
    SHOWCASE_RED_PHONE,
    SHOWCASE_SHARED_WALLET,
    DemoResult,
    load_demo,
)
from aspjoc.intel import service as intel
from aspjoc.intel.models import Notice, Observable, Statement
from aspjoc.marking import Handling, Marking, MarkingRecipient, TLP
from aspjoc.observables import canonicalise

RESERVED_NETS = [ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")]
RESERVED_SUFFIXES = (".example", ".test", ".example.com", ".example.net")


@pytest.fixture
def loaded(db: Database, clock: FixedClock) -> DemoResult:
    with db.unit_of_work() as s:
        return load_demo(s, clock.now())


def _holders(s: Session, value: str, type_: str) -> dict[str, tuple[TLP, Marking]]:
    """Owner country (or organisation name) -> (TLP, marking) of each statement on one observable."""
    canonical = canonicalise(value, type_)
    rows = s.execute(
        select(Organisation, Marking).select_from(Statement)
        .join(Observable, Observable.id == Statement.observable_id)
        .join(Organisation, Organisation.id == Statement.owner_org_id)
        .join(Marking, Marking.id == Statement.marking_id)
        .where(Observable.type == canonical.type.value, Observable.value == canonical.value)).all()
    return {(org.country if org.kind == OrgKind.LAW_ENFORCEMENT else org.name): (TLP(m.tlp), m) for org, m in rows}


def _principal(s: Session, email: str) -> Principal:
    return accounts.principal_for(s, accounts.find_user(s, email))


def test_loading_twice_changes_nothing(db: Database, clock: FixedClock, loaded: DemoResult) -> None:
    assert loaded.created
    with db.unit_of_work() as s:
        again = load_demo(s, clock.now())
    assert not again.created
    assert (again.organisations, again.users, again.statements) == (loaded.organisations, loaded.users, loaded.statements)
    assert again.sign_ins == loaded.sign_ins
    with db.reader() as s:
        assert s.scalar(select(func.count()).select_from(Statement)) == loaded.statements
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "demo.load")) == 1


def test_load_leaves_the_commit_to_the_caller_and_repeats_for_a_seed(db: Database, clock: FixedClock) -> None:
    def fingerprint() -> list[tuple[object, ...]]:
        with db.unit_of_work() as s:
            load_demo(s, clock.now(), seed=11)
            rows = s.execute(select(Observable.value, Statement.kind, Statement.source, Statement.uuid,
                                    Statement.first_seen, Marking.tlp)
                             .join(Observable, Observable.id == Statement.observable_id)
                             .join(Marking, Marking.id == Statement.marking_id).order_by(Statement.uuid)).all()
            s.rollback()
        return [tuple(r) for r in rows]

    first = fingerprint()
    with db.reader() as s:
        assert s.scalar(select(func.count()).select_from(Organisation)) == 0
    assert fingerprint() == first


def test_every_member_country_has_a_law_enforcement_unit(db: Database, loaded: DemoResult) -> None:
    with db.reader() as s:
        countries = set(s.scalars(select(Organisation.country).where(Organisation.kind == OrgKind.LAW_ENFORCEMENT)))
        kinds = dict(s.execute(select(Organisation.kind, func.count()).group_by(Organisation.kind)).all())
    assert countries == set(MEMBER_COUNTRIES)
    assert kinds == {"law_enforcement": 19, "hub": 1, "igo": 2, "private": 4}


def test_counts_are_in_range_and_sign_ins_work(db: Database, loaded: DemoResult) -> None:
    assert loaded.organisations == 26
    assert 10 <= loaded.users <= 14
    assert 4_000 <= loaded.statements <= 8_000
    with db.reader() as s:
        assert 2_500 <= (s.scalar(select(func.count()).select_from(Observable)) or 0) <= 4_000
        users = s.scalars(select(User)).unique().all()
    assert {email for email, _ in loaded.sign_ins} == {u.email for u in users}
    assert all(u.email.endswith(".aspjoc.test") for u in users)
    assert check_password(users[0].password_hash, DEMO_PASSWORD)


def test_every_stored_observable_is_canonical_and_reserved(db: Database, loaded: DemoResult) -> None:
    with db.reader() as s:
        observables = s.scalars(select(Observable)).all()
    for o in observables:
        canonical = canonicalise(o.value, o.type)
        assert (canonical.type.value, canonical.value) == (o.type, o.value)
        if o.type in ("ipv4", "ipv6"):
            assert any(ipaddress.ip_address(o.value) in net for net in RESERVED_NETS), o.value
        host = {"domain": o.value, "email": o.value.rpartition("@")[2], "url": urlsplit(o.value).hostname}.get(o.type)
        if host and not host[0].isdigit():
            assert host.endswith(RESERVED_SUFFIXES), o.value
        if o.type == "bank_account":
            assert 900 <= int(o.value.split(":")[1]) <= 999, o.value


def test_showcase_identifiers_carry_their_markings(db: Database, loaded: DemoResult) -> None:
    with db.reader() as s:
        phone = _holders(s, SHOWCASE_RED_PHONE, "phone")
        wallet = _holders(s, SHOWCASE_SHARED_WALLET, "crypto_wallet")
        url = _holders(s, SHOWCASE_PUBLIC_URL, "url")
        mule = _holders(s, SHOWCASE_MULE_ACCOUNT, "bank_account")
        investigator = accounts.find_user(s, "investigator@th.aspjoc.test")
        red_recipients = s.execute(select(MarkingRecipient.user_id, MarkingRecipient.org_id)
                                   .where(MarkingRecipient.marking_id == phone["TH"][1].id)).all()
    assert {k: tlp for k, (tlp, _) in phone.items()} == {"TH": TLP.RED, "PH": TLP.GREEN}
    assert red_recipients == [(investigator.id, None)]
    assert Handling.NOTIFY_OWNER in Handling(phone["TH"][1].handling)
    assert {k: tlp for k, (tlp, _) in wallet.items()} == {"PH": TLP.GREEN, "KH": TLP.GREEN}
    assert [(tlp, m.public_use) for tlp, m in url.values()] == [(TLP.CLEAR, True)]
    assert {k: tlp for k, (tlp, _) in mule.items()} == {"TH": TLP.RED, "MY": TLP.GREEN, "Coral Sea Bank": TLP.AMBER}


def test_red_phone_is_seen_by_the_thai_investigator_and_held_elsewhere_for_the_philippines(
        db: Database, clock: FixedClock, loaded: DemoResult) -> None:
    with db.reader() as s:
        th, ph = _principal(s, "investigator@th.aspjoc.test"), _principal(s, "analyst@ph.aspjoc.test")
        seen_by_th = set(s.scalars(select(Statement.id).where(gate(th, Statement))))
        seen_by_ph = set(s.scalars(select(Statement.id).where(gate(ph, Statement))))
        th_result = intel.lookup(s, th, SHOWCASE_RED_PHONE, clock.now())
        ph_result = intel.lookup(s, ph, SHOWCASE_RED_PHONE, clock.now())
        s.flush()
        told = s.scalars(select(Notice.message).where(Notice.org_id == th.org_id, Notice.actor_org_id == ph.org_id,
                                                      Notice.kind == "retrieval")).all()
    red = next(st.id for st in th_result.statements if st.marking.tlp == TLP.RED)
    assert red in seen_by_th and red not in seen_by_ph
    assert seen_by_th != seen_by_ph
    assert not th_result.held_elsewhere and len(th_result.statements) == 2
    assert ph_result.held_elsewhere
    assert [st.marking.tlp for st in ph_result.statements] == [TLP.GREEN]
    assert len(told) == 1 and "analyst@ph.aspjoc.test" in told[0]


def test_cross_country_overlaps_hide_restricted_statements(db: Database, loaded: DemoResult) -> None:
    with db.reader() as s:
        rows = s.execute(select(Statement.observable_id, Organisation.country, Marking.tlp)
                         .join(Organisation, Organisation.id == Statement.owner_org_id)
                         .join(Marking, Marking.id == Statement.marking_id)).all()
        observables = s.scalar(select(func.count()).select_from(Observable)) or 0
    holders: dict[int, set[str | None]] = defaultdict(set)
    restricted: set[int] = set()
    for observable_id, country, tlp in rows:
        holders[observable_id].add(country)
        if tlp >= TLP.AMBER_STRICT:
            restricted.add(observable_id)
    shared = {o for o, countries in holders.items() if len(countries) >= 2}
    assert 0.10 <= len(shared) / observables <= 0.18
    assert len(shared & restricted) >= 50


def test_marking_mix_and_public_check(db: Database, loaded: DemoResult) -> None:
    with db.reader() as s:
        mix = dict(s.execute(select(Marking.tlp, func.count()).join(Statement, Statement.marking_id == Marking.id)
                             .group_by(Marking.tlp)).all())
        public = set(s.scalars(select(Observable.value).join(Statement, Statement.observable_id == Observable.id)
                               .where(gate(Principal.public(), Statement, Purpose.PUBLIC_CHECK))))
        amber_public = s.scalar(select(func.count()).select_from(Statement).join(Marking, Marking.id == Statement.marking_id)
                                .where(Marking.tlp == int(TLP.AMBER), Marking.public_use.is_(True)))
    total = sum(mix.values())
    shares = {TLP(level): n / total for level, n in mix.items()}
    assert 0.10 <= shares[TLP.CLEAR] <= 0.20 and 0.28 <= shares[TLP.GREEN] <= 0.42
    assert 0.24 <= shares[TLP.AMBER] <= 0.36 and 0.06 <= shares[TLP.AMBER_STRICT] <= 0.14
    assert 0.06 <= shares[TLP.RED] <= 0.14
    assert SHOWCASE_PUBLIC_URL in public and SHOWCASE_RED_PHONE not in public
    assert amber_public
