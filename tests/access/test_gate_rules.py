"""The visibility rule, one case at a time, through the service layer and the gate."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from aspjoc.access import Principal, Purpose, gate
from aspjoc.intel import service
from aspjoc.intel.models import Notice, Statement
from aspjoc.intel.schemas import MarkingIn, ObservableIn, RecipientsIn, StatementIn
from support import Factory


class World:
    def __init__(self, make: Factory) -> None:
        self.make = make
        self.th = make.org("Thai Cyber Unit", "TH")
        self.ph = make.org("Philippine Cyber Unit", "PH")
        self.hub = make.org("Regional Hub", "SG", "hub")
        self.bank = make.org("Coral Bank", "FJ", "private")
        self.th_a = make.user("a@th.aspjoc.test", self.th)
        self.th_b = make.user("b@th.aspjoc.test", self.th)
        self.ph_a = make.user("a@ph.aspjoc.test", self.ph)
        self.hub_a = make.user("a@hub.aspjoc.test", self.hub)
        self.bank_a = make.user("a@bank.aspjoc.test", self.bank, role="partner")

    def assert_(self, author: Any, value: str, tlp: str, orgs: list[int] | None = None, users: list[int] | None = None,
                groups: list[int] | None = None, handling: list[str] | None = None) -> int:
        data = StatementIn(observable=ObservableIn(value=value), marking=MarkingIn(
            tlp=tlp, handling=handling or [], recipients=RecipientsIn(organisations=orgs or [], users=users or [], groups=groups or [])))
        with self.make.db.unit_of_work() as s:
            statement, _ = service.add_statement(s, self.make.principal(author), data, self.make.clock.now())
            return statement.id

    def sees(self, who: Any | None, statement_id: int, purpose: Purpose = Purpose.READ) -> bool:
        principal = self.make.principal(who) if who is not None else Principal.public()
        with self.make.db.reader() as s:
            found = s.scalar(select(Statement.id).where(Statement.id == statement_id, gate(principal, Statement, purpose)))
        return found is not None


def test_clear_is_seen_by_everyone_including_the_public(make: Factory) -> None:
    w = World(make)
    sid = w.assert_(w.th_a, "192.0.2.1", "clear")
    assert all(w.sees(u, sid) for u in (w.ph_a, w.bank_a, w.hub_a, None))


def test_green_is_seen_by_signed_in_users_only(make: Factory) -> None:
    w = World(make)
    sid = w.assert_(w.th_a, "192.0.2.2", "green")
    assert w.sees(w.bank_a, sid) and w.sees(w.ph_a, sid)
    assert not w.sees(None, sid)


def test_amber_without_recipients_reaches_law_enforcement_and_hub_not_partners(make: Factory) -> None:
    w = World(make)
    sid = w.assert_(w.th_a, "192.0.2.3", "amber")
    assert w.sees(w.ph_a, sid) and w.sees(w.hub_a, sid)
    assert not w.sees(w.bank_a, sid)


def test_amber_with_recipients_reaches_named_organisations_only(make: Factory) -> None:
    w = World(make)
    sid = w.assert_(w.th_a, "192.0.2.4", "amber", orgs=[w.bank.id])
    assert w.sees(w.bank_a, sid)
    assert not w.sees(w.ph_a, sid) and not w.sees(w.hub_a, sid)


def test_amber_strict_to_a_sharing_group_reaches_its_members(make: Factory) -> None:
    w = World(make)
    group = make.group("Mekong task force", w.th, [w.hub])
    sid = w.assert_(w.th_a, "192.0.2.5", "amber+strict", groups=[group])
    assert w.sees(w.hub_a, sid)
    assert not w.sees(w.ph_a, sid) and not w.sees(w.bank_a, sid)


def test_red_to_a_named_user_excludes_that_users_colleagues(make: Factory) -> None:
    w = World(make)
    sid = w.assert_(w.th_a, "192.0.2.6", "red", users=[w.ph_a.id])
    assert w.sees(w.ph_a, sid)
    other_ph = make.user("b@ph.aspjoc.test", w.ph)
    assert not w.sees(other_ph, sid) and not w.sees(w.hub_a, sid)


def test_owner_always_sees_its_own_red(make: Factory) -> None:
    w = World(make)
    sid = w.assert_(w.th_a, "192.0.2.7", "red")
    assert w.sees(w.th_b, sid)
    assert not w.sees(w.ph_a, sid)


def test_export_purpose_drops_red_and_no_export_of_others(make: Factory) -> None:
    w = World(make)
    red = w.assert_(w.th_a, "192.0.2.8", "red", users=[w.ph_a.id])
    no_export = w.assert_(w.th_a, "192.0.2.9", "green", handling=["no_export"])
    plain = w.assert_(w.th_a, "192.0.2.10", "green")
    assert w.sees(w.ph_a, red) and w.sees(w.ph_a, no_export)
    assert not w.sees(w.ph_a, red, Purpose.EXPORT) and not w.sees(w.ph_a, no_export, Purpose.EXPORT)
    assert w.sees(w.ph_a, plain, Purpose.EXPORT)
    assert w.sees(w.th_b, red, Purpose.EXPORT)


def test_public_check_purpose_sees_only_public_use_consent(make: Factory) -> None:
    w = World(make)
    with make.db.unit_of_work() as s:
        data = StatementIn(observable=ObservableIn(value="192.0.2.11"), marking=MarkingIn(tlp="amber", public_use=True))
        consented, _ = service.add_statement(s, make.principal(w.th_a), data, make.clock.now())
    clear = w.assert_(w.th_a, "192.0.2.12", "clear")
    assert w.sees(None, consented.id, Purpose.PUBLIC_CHECK)
    assert not w.sees(None, clear, Purpose.PUBLIC_CHECK)


def test_lookup_tells_owner_who_asked_when_handling_says_so(make: Factory) -> None:
    w = World(make)
    w.assert_(w.th_a, "+66 81 234 5678", "red", handling=["notify_owner"])
    w.assert_(w.ph_a, "+66 81 234 5678", "red")
    with make.db.unit_of_work() as s:
        result = service.lookup(s, make.principal(w.hub_a), "+66812345678", make.clock.now())
    assert result.held_elsewhere and result.statements == []
    with make.db.reader() as s:
        notices = s.scalars(select(Notice).where(Notice.kind == "retrieval")).all()
    assert [(n.org_id, n.actor_org_id) for n in notices] == [(w.th.id, w.hub.id)]
    assert "Regional Hub" in notices[0].message


def test_match_notices_name_the_other_holder_only_where_markings_allow(make: Factory) -> None:
    w = World(make)
    w.assert_(w.th_a, "TH:905:1112223334", "red")
    w.assert_(w.ph_a, "TH:905:1112223334", "green")
    with make.db.reader() as s:
        notices = {n.org_id: n.message for n in s.scalars(select(Notice).where(Notice.kind == "match"))}
    assert "Philippine Cyber Unit also holds" in notices[w.th.id]
    assert "Another organisation holds" in notices[w.ph.id] and "Thai" not in notices[w.ph.id]
