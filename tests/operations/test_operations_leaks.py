"""Leak tests: a RED (or AMBER+STRICT) record of one country never reaches another through any operations channel:
target views, statements behind a target, packages, outcomes, the action log, tasks, takedown notices, freezes,
the console pages and the REST API."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from aspjoc.audit import AuditEvent
from aspjoc.operations import packages, targets
from aspjoc.operations.schemas import ObservableIn, OpMarkingIn, TargetIn
from operations_helpers import World, build_world
from support import Factory, bearer

SHARED = "cdn-kit.phish.example"
RED_TEXT = "RED-TH informant says the kit seller is a bank insider"
STRICT_TEXT = "STRICT-MY payment trail to a casino junket"
SECRET_TARGET = "TH:004:5550001111"


def _arrange(client: Any, w: World, with_packages: bool = False) -> dict[str, Any]:
    op = w.operation()
    w.state("hub", SHARED, "green", "GREEN hub note on the kit CDN")
    w.state("th", SHARED, "red", RED_TEXT, orgs=[w.th.id])
    w.state("my", SHARED, "amber+strict", STRICT_TEXT, orgs=[w.my.id])
    with w.make.db.unit_of_work() as s:
        shared = targets.add_target(s, w.principal("hub"), op, TargetIn(
            observable=ObservableIn(value=SHARED), country="PH", action="takedown"), w.make.clock.now()).id
        secret = targets.add_target(s, w.principal("th"), op, TargetIn(
            observable=ObservableIn(value=SECRET_TARGET), country="TH", action="freeze", rationale="RED-TH secret mule",
            marking=OpMarkingIn(tlp="red")), w.make.clock.now()).id
    th, base = bearer(w.tokens["th"]), f"/api/v1/operations/{op}"
    for body in ({"target_id": secret, "kind": "arrest", "quantity": 7},
                 {"target_id": secret, "kind": "funds_held", "amount": "5000", "currency": "THB"}):
        assert client.post(f"{base}/actions", json=body, headers=th).status_code == 201
    assert client.post(f"{base}/actions", json={"target_id": shared, "kind": "victims_notified", "quantity": 9,
                                                "marking": {"tlp": "red"}}, headers=th).status_code == 201
    task = client.post(f"{base}/tasks", json={"assignee": "Thai Cyber Unit", "title": "RED-TH raid the mule herder",
                                              "marking": {"tlp": "red"}}, headers=th)
    assert task.status_code == 201
    freeze = client.post("/api/v1/freezes", json={"account": {"value": SECRET_TARGET}, "acting_org": "Thai Cyber Unit",
                                                   "institution_name": "RED-TH bank", "amount": "1", "currency": "THB",
                                                   "marking": {"tlp": "red"}}, headers=th)
    assert freeze.status_code == 201
    if with_packages:
        with w.make.db.unit_of_work() as s:
            packages.generate_for(s, w.principal("hub"), op, w.make.clock.now())
    return {"op": op, "shared": shared, "secret": secret, "freeze": freeze.json()["id"]}


def _everything(client: Any, token: str, ids: dict[str, Any]) -> str:
    """Every operations channel the token's organisation can read, concatenated."""
    h, op = bearer(token), ids["op"]
    base = f"/api/v1/operations/{op}"
    texts = [client.get(url, headers=h).text for url in (
        base, f"{base}/targets", f"{base}/targets/{ids['shared']}", f"{base}/targets/{ids['shared']}/statements",
        f"{base}/targets/{ids['secret']}", f"{base}/actions", f"{base}/outcomes", f"{base}/tasks", f"{base}/takedowns",
        f"{base}/packages", "/api/v1/freezes", f"/api/v1/freezes/{ids['freeze']}", "/api/v1/takedowns",
        f"/operations/{op}", f"/operations/{op}/targets", f"/operations/{op}/targets/{ids['shared']}",
        f"/operations/{op}/targets/{ids['secret']}", f"/operations/{op}/actions", f"/operations/{op}/outcomes",
        f"/operations/{op}/tasks", f"/operations/{op}/packages", "/operations/freezes", "/operations/overdue",
        f"/operations/freezes/{ids['freeze']}")]
    for package in client.get(f"{base}/packages", headers=h).json():
        texts += [client.get(package[key], headers=h).text for key in ("html_url", "stix_url")]
    return "\n".join(texts)


def test_red_and_strict_records_stay_with_their_country(client: Any, make: Factory) -> None:
    w = build_world(make)
    ids = _arrange(client, w, with_packages=True)
    own = _everything(client, w.tokens["th"], ids)
    assert RED_TEXT in own and "RED-TH raid" in own and SECRET_TARGET in own and "RED-TH bank" in own
    for key in ("ph", "my", "hub"):
        seen = _everything(client, w.tokens[key], ids)
        assert RED_TEXT not in seen, key
        assert SECRET_TARGET not in seen and "RED-TH" not in seen, key
        assert (STRICT_TEXT in seen) is (key == "my"), key
        assert "GREEN hub note" in seen, key


def test_outcomes_count_only_what_the_reader_may_see(client: Any, make: Factory) -> None:
    w = build_world(make)
    ids = _arrange(client, w)
    url = f"/api/v1/operations/{ids['op']}/outcomes"
    th = client.get(url, headers=bearer(w.tokens["th"])).json()
    assert th["total"]["arrests"] == 7 and th["total"]["amounts_held"] == {"THB": "5000.00"}
    assert th["total"]["victims_notified"] == 9 and th["by_country"]["TH"]["targets"] == 1
    for key in ("ph", "my", "hub"):
        other = client.get(url, headers=bearer(w.tokens[key])).json()
        assert "TH" not in other["by_country"], key
        assert other["total"]["arrests"] == 0 and other["total"]["amounts_held"] == {} and other["total"]["victims_notified"] == 0
        assert other["total"]["targets"] == 1


def test_hidden_records_answer_404_not_403(client: Any, make: Factory) -> None:
    w = build_world(make)
    ids = _arrange(client, w)
    h = bearer(w.tokens["ph"])
    for url in (f"/api/v1/operations/{ids['op']}/targets/{ids['secret']}", f"/api/v1/freezes/{ids['freeze']}",
                f"/operations/{ids['op']}/targets/{ids['secret']}", f"/operations/freezes/{ids['freeze']}"):
        assert client.get(url, headers=h).status_code == 404, url
    assert client.post(f"/api/v1/operations/{ids['op']}/actions", json={"target_id": ids["secret"], "kind": "arrest"},
                       headers=h).status_code == 404
    outsider = bearer(w.tokens["bank"])
    for url in (f"/api/v1/operations/{ids['op']}", f"/operations/{ids['op']}", f"/operations/{ids['op']}/outcomes"):
        assert client.get(url, headers=outsider).status_code == 404, url


def test_reading_anothers_restricted_statement_behind_a_target_is_audited(client: Any, make: Factory) -> None:
    w = build_world(make)
    ids = _arrange(client, w)
    w.state("th", SHARED, "amber+strict", "STRICT-TH for the Philippines", orgs=[w.ph.id])
    url = f"/api/v1/operations/{ids['op']}/targets/{ids['shared']}/statements"
    assert "STRICT-TH for the Philippines" in client.get(url, headers=bearer(w.tokens["ph"])).text
    assert "STRICT-TH" not in client.get(url, headers=bearer(w.tokens["hub"])).text
    with make.db.reader() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "operation.target.restricted_read")).all()
    assert [(e.actor_org_id, e.object_id) for e in events] == [(w.ph.id, str(ids["shared"]))]
