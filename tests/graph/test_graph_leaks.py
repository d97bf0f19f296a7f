"""Leak tests: one country's RED statements, entities and relationships never reach another country's graph."""

from __future__ import annotations

from typing import Any

import pytest

from aspjoc.errors import NotFound
from aspjoc.operations.graph import service
from graph_helpers import Region
from support import Factory, bearer

MULE = "MY:951:520384661730"
PHONE = "+66 81 234 7301"


class Secrets:
    """Thailand's RED case around a mule account the Philippines also holds (GREEN)."""

    def __init__(self, make: Factory, passwords: bool = False) -> None:
        r = self.r = Region(make, passwords)
        self.red_statement = r.statement(r.th_user, MULE, tlp="red", crime_type="money_mule",
                                         description="Thai case 2026-117: handler in compound KK-7")
        self.green_statement = r.statement(r.ph_user, MULE, tlp="green", crime_type="money_mule")
        self.red_phone = r.statement(r.th_user, PHONE, tlp="red", crime_type="investment_scam")
        self.red_boss = r.entity(r.th_user, "Red Boss Chanarong", tlp="red")
        self.green_crew = r.entity(r.th_user, "Green crew", kind="group", tlp="green")
        self.red_link = r.link(r.th_user, "controls", ("entity", self.red_boss), ("observable", MULE), tlp="red")
        # GREEN itself, but its end is RED: hidden as a whole.
        self.green_to_red = r.link(r.th_user, "member_of", ("entity", self.red_boss), ("entity", self.green_crew))
        self.red_crew_link = r.link(r.th_user, "uses", ("entity", self.green_crew), ("observable", PHONE), tlp="red")
        self.ph_person = r.entity(r.ph_user, "PH recruiter", tlp="green")
        r.link(r.ph_user, "uses", ("entity", self.ph_person), ("observable", MULE))
        self.secret_words = ("Red Boss", "Chanarong", "2026-117", "KK-7", "+66812347301")

    def hidden_keys(self) -> set[str]:
        return {f"statement:{self.red_statement}", f"statement:{self.red_phone}", f"entity:{self.red_boss}",
                f"relationship:{self.red_link}", f"relationship:{self.green_to_red}", f"relationship:{self.red_crew_link}"}


def _all_keys(answer: Any) -> set[str]:
    return {n.id for n in answer.nodes} | {e.id for e in answer.edges}


def test_red_records_of_one_country_never_appear_in_anothers_views(make: Factory) -> None:
    w = Secrets(make)
    r = w.r
    now = make.clock.now()
    ph = r.principal(r.ph_user)
    th = r.principal(r.th_user)
    with make.db.reader() as s:
        th_view = service.neighbourhood(s, th, f"entity:{w.green_crew}", now, depth=3)
        assert {f"entity:{w.red_boss}", f"relationship:{w.red_crew_link}"} <= _all_keys(th_view), "the owner sees its own"
        for focus in (MULE, f"entity:{w.ph_person}", f"entity:{w.green_crew}", f"statement:{w.green_statement}"):
            for depth in (1, 2, 3):
                answer = service.neighbourhood(s, ph, focus, now, depth=depth)
                assert not _all_keys(answer) & w.hidden_keys(), (focus, depth)
                assert not any(word in answer.model_dump_json() for word in w.secret_words)
        path = service.shortest_path(s, ph, f"entity:{w.ph_person}", f"entity:{w.green_crew}", now)
        assert not path.found and path.nodes == []
        found, _ = service.clusters(s, ph, include_victims=True)
        assert all(f"statement:{w.red_statement}" not in c.statement_ids for c in found)
        assert not any(word in repr(found) for word in w.secret_words)
        assert w.red_statement not in {sid for c in found for sid in c.statement_ids}
        for call in (lambda: service.get_entity(s, ph, w.red_boss), lambda: service.get_relationship(s, ph, w.red_link),
                     lambda: service.get_relationship(s, ph, w.green_to_red),
                     lambda: service.neighbourhood(s, ph, f"entity:{w.red_boss}", now),
                     lambda: service.neighbourhood(s, ph, f"statement:{w.red_statement}", now)):
            with pytest.raises(NotFound):
                call()
        rels, total, _ = service.list_relationships(s, ph, 100)
        assert {x.id for x in rels}.isdisjoint({w.red_link, w.green_to_red, w.red_crew_link}) and total == len(rels)


def test_an_identifier_held_only_under_red_answers_like_one_never_stored(make: Factory) -> None:
    w = Secrets(make)
    ph = w.r.principal(w.r.ph_user)
    with make.db.reader() as s:
        held = service.neighbourhood(s, ph, PHONE, make.clock.now())
        never = service.neighbourhood(s, ph, "+66 81 234 9999", make.clock.now())
    assert held.model_dump() == never.model_dump() == {"focus": [], "nodes": [], "edges": [], "truncated": False}


def test_nobody_can_link_to_or_through_what_they_cannot_see(make: Factory) -> None:
    w = Secrets(make)
    r = w.r
    with pytest.raises(NotFound) as to_entity:
        r.link(r.ph_user, "related_to", ("entity", w.ph_person), ("entity", w.red_boss))
    assert to_entity.value.field == "target.id"
    with pytest.raises(NotFound) as to_statement:
        r.link(r.ph_user, "related_to", ("entity", w.ph_person), ("statement", w.red_statement))
    assert to_statement.value.field == "target.id"
    with make.db.reader() as s:
        phone_id = service.neighbourhood(s, r.principal(r.th_user), PHONE, make.clock.now()).focus[0].split(":")[1]
    with pytest.raises(NotFound):
        r.link(r.ph_user, "uses", ("entity", w.ph_person), ("observable", int(phone_id)))


def test_rest_graph_endpoints_keep_red_records_at_home(client: Any, make: Factory) -> None:
    w = Secrets(make)
    token = make.token(w.r.ph_user)
    replies = [
        client.get("/api/v1/graph/neighbourhood", params={"focus": MULE, "depth": 3}, headers=bearer(token)),
        client.get("/api/v1/graph/neighbourhood", params={"focus": f"entity:{w.green_crew}", "depth": 3}, headers=bearer(token)),
        client.get("/api/v1/graph/path", params={"source": f"entity:{w.ph_person}", "target": f"entity:{w.green_crew}"},
                   headers=bearer(token)),
        client.get("/api/v1/graph/clusters", headers=bearer(token)),
        client.get("/api/v1/entities", headers=bearer(token)),
        client.get("/api/v1/relationships", headers=bearer(token)),
    ]
    for reply in replies:
        assert reply.status_code == 200, reply.text
        assert not any(word in reply.text for word in w.secret_words), reply.text
        assert f'"statement:{w.red_statement}"' not in reply.text
    assert client.get(f"/api/v1/entities/{w.red_boss}", headers=bearer(token)).status_code == 404
    assert client.get(f"/api/v1/relationships/{w.green_to_red}", headers=bearer(token)).status_code == 404
    hidden = client.get("/api/v1/graph/neighbourhood", params={"focus": f"entity:{w.red_boss}"}, headers=bearer(token))
    assert hidden.status_code == 404 and hidden.json()["field"] == "focus"
