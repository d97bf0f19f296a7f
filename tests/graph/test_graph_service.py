"""Link analysis through the services: neighbourhoods, paths, clusters of shared infrastructure, victims kept apart."""

from __future__ import annotations

from datetime import timedelta

import pytest

from aspjoc.errors import InvalidInput, NotFound
from aspjoc.operations.graph import service
from graph_helpers import Region
from support import Factory


def _keys(answer: object) -> set[str]:
    return {n.id for n in answer.nodes}  # type: ignore[attr-defined]


def test_neighbourhood_follows_relationships_statements_and_domains_by_depth(make: Factory) -> None:
    r = Region(make)
    group = r.entity(r.th_user, "Golden Lotus crew", kind="group")
    boss = r.entity(r.th_user, "Somchai K.")
    r.link(r.th_user, "member_of", ("entity", boss), ("entity", group))
    r.link(r.th_user, "uses", ("entity", group), ("observable", "https://lotus-invest.test/login"))
    ph_statement = r.statement(r.ph_user, "https://lotus-invest.test/login", crime_type="investment_scam")
    other_page = r.statement(r.kh_user, "https://promo.lotus-invest.test/", crime_type="investment_scam")
    ph = r.principal(r.ph_user)
    with make.db.reader() as s:
        one = service.neighbourhood(s, ph, f"entity:{group}", make.clock.now(), depth=1)
        three = service.neighbourhood(s, ph, f"entity:{group}", make.clock.now(), depth=3)
    assert _keys(one) >= {f"entity:{group}", f"entity:{boss}"}
    url_node = next(n for n in one.nodes if n.kind == "observable")
    assert url_node.label == "https://lotus-invest.test/login"
    assert {e.kind for e in one.edges} == {"member_of", "uses"}
    assert f"statement:{ph_statement}" in _keys(three)
    assert "domain:lotus-invest.test" in _keys(three)
    assert f"statement:{other_page}" not in _keys(three), "the second page is four steps away"
    depths = {n.id: n.depth for n in three.nodes}
    assert depths[f"entity:{group}"] == 0 and depths["domain:lotus-invest.test"] == 2


def test_neighbourhood_of_an_identifier_value_starts_at_its_observable(make: Factory) -> None:
    r = Region(make)
    first = r.statement(r.ph_user, "+63 917 555 0101", crime_type="romance_scam")
    second = r.statement(r.kh_user, "+63 917 555 0101", crime_type="romance_scam")
    with make.db.reader() as s:
        answer = service.neighbourhood(s, r.principal(r.hub_user), "+639175550101", make.clock.now())
    assert answer.focus[0].startswith("observable:")
    assert {f"statement:{first}", f"statement:{second}"} <= _keys(answer)
    owners = {n.owner for n in answer.nodes if n.kind == "statement"}
    assert owners == {"Philippine Cyber Unit", "Cambodian Cyber Unit"}


def test_two_scam_pages_on_one_registered_domain_form_a_cluster(make: Factory) -> None:
    r = Region(make)
    a = r.statement(r.ph_user, "https://pay.fastloan-help.test/a", crime_type="phishing")
    b = r.statement(r.kh_user, "https://fastloan-help.test/b", crime_type="phishing")
    r.statement(r.th_user, "https://unrelated.test/x", crime_type="phishing")
    with make.db.reader() as s:
        found, total = service.clusters(s, r.principal(r.hub_user))
    assert total == 1
    cluster = found[0]
    assert cluster.statement_ids == sorted([a, b])
    assert cluster.domains == ["fastloan-help.test"]
    assert cluster.organisations == ["Cambodian Cyber Unit", "Philippine Cyber Unit"]
    assert cluster.crime_types == ["phishing"]
    assert len(cluster.observables) == 2


def test_one_mule_account_held_by_two_units_and_linked_entities_cluster_together(make: Factory) -> None:
    r = Region(make)
    r.statement(r.th_user, "MY:951:520384661730", crime_type="money_mule")
    r.statement(r.ph_user, "MY:951:520384661730", crime_type="money_mule")
    mule = r.entity(r.ph_user, "Account holder A.", kind="person")
    r.link(r.ph_user, "controls", ("entity", mule), ("observable", "MY:951:520384661730"))
    lone = r.entity(r.ph_user, "Unlinked person")
    with make.db.reader() as s:
        found, _ = service.clusters(s, r.principal(r.ph_user), crime_type="money_mule")
        recent, _ = service.clusters(s, r.principal(r.ph_user), since=make.clock.now() + timedelta(days=1))
        big, _ = service.clusters(s, r.principal(r.ph_user), min_members=4)
    assert len(found) == 1
    assert [e.id for e in found[0].entities] == [f"entity:{mule}"]
    assert found[0].members == 3
    assert f"entity:{lone}" not in {e.id for c in found for e in c.entities}
    assert recent == [] and big == []


def test_shortest_path_runs_through_a_shared_wallet(make: Factory) -> None:
    r = Region(make)
    recruiter = r.entity(r.ph_user, "Recruiter 'Mike'")
    cashier = r.entity(r.kh_user, "Compound cashier")
    boss = r.entity(r.kh_user, "Compound boss")
    wallet = "tron:TTn1QSCYXYSZteYU2AyRLFuwN7fU4SjoiA"
    r.link(r.ph_user, "uses", ("entity", recruiter), ("observable", wallet))
    r.link(r.kh_user, "controls", ("entity", cashier), ("observable", wallet))
    r.link(r.kh_user, "employs", ("entity", boss), ("entity", cashier))
    with make.db.reader() as s:
        path = service.shortest_path(s, r.principal(r.hub_user), f"entity:{recruiter}", f"entity:{boss}", make.clock.now())
    assert path.found and path.length == 3
    assert [n.kind for n in path.nodes] == ["entity", "observable", "entity", "entity"]
    assert [n.id for n in path.nodes][0] == f"entity:{recruiter}" and path.nodes[-1].id == f"entity:{boss}"
    assert len(path.edges) == 3


def test_victims_are_left_out_of_neighbourhoods_paths_and_clusters_unless_asked(make: Factory) -> None:
    r = Region(make)
    compound = r.entity(r.th_user, "Compound KK-7", kind="group")
    boss = r.entity(r.th_user, "Compound manager")
    victim = r.entity(r.th_user, "Trafficked worker (case 41)", role="victim")
    r.link(r.th_user, "employs", ("entity", compound), ("entity", boss))
    r.link(r.th_user, "controls", ("entity", compound), ("entity", victim))
    th = r.principal(r.th_user)
    now = make.clock.now()
    with make.db.reader() as s:
        default = service.neighbourhood(s, th, f"entity:{compound}", now)
        asked = service.neighbourhood(s, th, f"entity:{compound}", now, include_victims=True)
        centred = service.neighbourhood(s, th, f"entity:{victim}", now)
        found, _ = service.clusters(s, th)
        with pytest.raises(InvalidInput) as refused:
            service.shortest_path(s, th, f"entity:{boss}", f"entity:{victim}", now)
    assert f"entity:{victim}" not in _keys(default)
    assert f"entity:{victim}" in _keys(asked)
    assert next(n for n in centred.nodes if n.id == f"entity:{victim}").victim_data
    assert all(f"entity:{victim}" not in {e.id for e in c.entities} for c in found)
    assert refused.value.field == "target"


def test_node_limit_cuts_the_view_and_says_so(make: Factory) -> None:
    r = Region(make)
    hub_entity = r.entity(r.th_user, "Call-centre group", kind="group")
    for i in range(12):
        r.link(r.th_user, "uses", ("entity", hub_entity), ("observable", f"+66 81 234 56{i:02d}"))
    with make.db.reader() as s:
        answer = service.neighbourhood(s, r.principal(r.th_user), f"entity:{hub_entity}", make.clock.now(), max_nodes=10)
    assert answer.truncated and len(answer.nodes) == 10
    assert all(e.source in _keys(answer) and e.target in _keys(answer) for e in answer.edges)


def test_bad_input_names_the_field(make: Factory) -> None:
    r = Region(make)
    th = r.principal(r.th_user)
    with make.db.reader() as s:
        for call, field in [
            (lambda: service.neighbourhood(s, th, "entity:1", make.clock.now(), depth=4), "depth"),
            (lambda: service.neighbourhood(s, th, "entity:abc", make.clock.now()), "focus"),
            (lambda: service.neighbourhood(s, th, "not an identifier at all", make.clock.now()), "value"),
            (lambda: service.clusters(s, th, crime_type="jaywalking"), "crime_type"),
        ]:
            with pytest.raises((InvalidInput, NotFound)) as caught:
                call()
            assert caught.value.field == field
    with pytest.raises(InvalidInput) as bad_kind:
        r.link(r.th_user, "likes", ("observable", "192.0.2.1"), ("observable", "192.0.2.2"))
    assert bad_kind.value.field == "kind"
    with pytest.raises(InvalidInput) as loop:
        r.link(r.th_user, "related_to", ("observable", "192.0.2.1"), ("observable", "192.0.2.1"))
    assert loop.value.field == "target"


def test_a_crowded_domain_links_nothing_and_a_linked_statement_joins_its_cluster(make: Factory) -> None:
    r = Region(make)
    urls = [f"https://p{i}.cheap-hosting.test/login" for i in range(3)]
    pages = [r.statement(author, url, crime_type="phishing") for url in urls for author in (r.ph_user, r.kh_user)]
    seller = r.entity(r.ph_user, "Kit seller")
    mule = r.statement(r.th_user, "+66 81 234 5678", crime_type="money_mule")
    r.link(r.ph_user, "uses", ("entity", seller), ("statement", mule))
    r.link(r.ph_user, "uses", ("entity", seller), ("observable", urls[0]))
    hub = r.principal(r.hub_user)
    with make.db.reader() as s:
        joined, joined_total = service.clusters(s, hub, max_domain_fanout=3)
        split, split_total = service.clusters(s, hub, max_domain_fanout=2)
        phishing, _ = service.clusters(s, hub, max_domain_fanout=3, crime_type="phishing")
    assert joined_total == 1 and joined[0].domains == ["cheap-hosting.test"]
    assert joined[0].statement_ids == sorted([*pages, mule]) and joined[0].members == 8
    assert [e.id for e in joined[0].entities] == [f"entity:{seller}"]
    assert split_total == 3 and all(c.domains == [] for c in split), "three pages are more than the fan-out of two"
    assert split[0].statement_ids == sorted([*pages[:2], mule]) and split[0].members == 4
    assert sorted(c.statement_ids for c in split[1:]) == [sorted(pages[2:4]), sorted(pages[4:])]
    assert phishing[0].statement_ids == sorted(pages) and phishing[0].crime_types == ["phishing"]
