"""Match notices: both sides told once, named only where the markings allow, fast for a batch of ten thousand."""

from __future__ import annotations

from sqlalchemy import case, func, select, update

from aspjoc.intel.correlation.service import correlate
from aspjoc.intel.models import Notice, Statement
from aspjoc.marking import TLP
from correlation_helpers import Region, bulk_statements
from support import Factory


def _notices(make: Factory) -> list[Notice]:
    with make.db.reader() as s:
        return list(s.scalars(select(Notice).where(Notice.kind == "match").order_by(Notice.id)))


def test_both_holders_are_told_and_named_when_each_may_see_the_other(make: Factory) -> None:
    r = Region(make)
    r.state(r.th_a, "+66 81 234 5678", "green")
    r.state(r.ph_a, "+66 81 234 5678", "amber")
    told = {(n.org_id, n.actor_org_id): n for n in _notices(make)}
    assert set(told) == {(r.th.id, r.ph.id), (r.ph.id, r.th.id)}
    assert told[(r.th.id, r.ph.id)].message == "Philippine Cyber Unit also holds phone +66812345678."
    assert told[(r.ph.id, r.th.id)].message == "Thai Cyber Unit also holds phone +66812345678."
    assert all(n.statement_id is not None for n in told.values())


def test_red_holder_is_never_named_to_the_other_country(make: Factory) -> None:
    r = Region(make)
    secret = r.state(r.th_a, "TH:905:1112223334", "red", description="Operation Kite target account")
    r.state(r.ph_a, "TH:905:1112223334", "green")
    told = {n.org_id: n for n in _notices(make)}
    to_ph = told[r.ph.id]
    assert "Thai" not in to_ph.message and "Kite" not in to_ph.message
    assert to_ph.message.startswith("Another organisation holds information on bank_account TH:905:1112223334")
    assert to_ph.statement_id is None, "the notice must not point at a statement the recipient may not see"
    assert told[r.th.id].message == "Philippine Cyber Unit also holds bank_account TH:905:1112223334."
    assert secret != told[r.th.id].statement_id


def test_amber_strict_for_the_hub_is_anonymous_to_the_philippines_but_named_to_the_hub(make: Factory) -> None:
    r = Region(make)
    r.state(r.th_a, "scam-shop.example", "amber+strict", orgs=[r.hub.id])
    r.state(r.ph_a, "scam-shop.example", "green")
    r.state(r.hub_a, "scam-shop.example", "green")
    messages = {(n.org_id, n.actor_org_id): n.message for n in _notices(make)}
    assert "Thai" not in messages[(r.ph.id, r.th.id)]
    assert messages[(r.hub.id, r.th.id)].startswith("Thai Cyber Unit also holds")


def test_each_pair_is_told_once_however_often_either_side_restates(make: Factory) -> None:
    r = Region(make)
    for _ in range(3):
        r.state(r.th_a, "198.51.100.7", "green")
        r.state(r.ph_a, "198.51.100.7", "green")
    r.state(r.ph_a, "198.51.100.7", "green", source="second feed")
    assert len(_notices(make)) == 2


def test_withdrawn_statements_neither_match_nor_are_matched(make: Factory) -> None:
    r = Region(make)
    old = r.state(r.th_a, "198.51.100.8", "green")
    with make.db.unit_of_work() as s:
        s.execute(update(Statement).where(Statement.id == old).values(withdrawn=True))
    r.state(r.ph_a, "198.51.100.8", "green")
    assert _notices(make) == []


def test_a_single_holder_is_no_match(make: Factory) -> None:
    r = Region(make)
    r.state(r.th_a, "198.51.100.9", "green")
    r.state(r.th_a, "198.51.100.9", "green", source="other source")
    assert _notices(make) == []


def test_correlating_ten_thousand_statements_tells_everyone_once(make: Factory) -> None:
    r = Region(make)
    now = make.clock.now()
    values = [("ipv4", f"10.{i // 65536}.{i // 256 % 256}.{i % 256}") for i in range(10_000)]
    bulk_statements(make, r.th.id, values, TLP.RED, now)
    ph_ids = bulk_statements(make, r.ph.id, values, TLP.GREEN, now)
    with make.db.unit_of_work() as s:
        matches = correlate(s, ph_ids, now)
    assert matches == 10_000
    with make.db.reader() as s:
        told = s.execute(select(Notice.org_id, func.count(), func.count(Notice.statement_id),
                                func.sum(case((Notice.message.like("%Thai%"), 1), else_=0)))
                         .where(Notice.kind == "match").group_by(Notice.org_id)).all()
    assert {org: (n, named, thai) for org, n, named, thai in told} == {r.th.id: (10_000, 10_000, 0), r.ph.id: (10_000, 0, 0)}
    with make.db.unit_of_work() as s:
        assert correlate(s, ph_ids, now) == 10_000
    with make.db.reader() as s:
        assert s.scalar(select(func.count()).select_from(Notice)) == 20_000
