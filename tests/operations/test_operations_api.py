"""The operations REST API: operations, participants, targets, tasks, the action log and outcomes."""

from __future__ import annotations

from typing import Any

from aspjoc.intel.schemas import RecipientsIn
from aspjoc.operations.graph import service as graph
from aspjoc.operations.graph.schemas import EntityIn, RecordMarkingIn
from operations_helpers import World, build_world
from support import Factory, bearer


def _operation(client: Any, w: World, name: str = "Operation Coral Net") -> dict[str, Any]:
    body = {"name": name, "crime_type": "phishing", "starts_on": "2026-06-01", "ends_on": "2026-06-30",
            "participants": ["Thai Cyber Unit", w.ph.id, "Malaysian Cyber Unit"], "status": "active"}
    reply = client.post("/api/v1/operations", json=body, headers=bearer(w.tokens["hub"]))
    assert reply.status_code == 201, reply.text
    return reply.json()  # type: ignore[no-any-return]


def test_operation_gets_participants_group_and_amber_marking(client: Any, make: Factory) -> None:
    w = build_world(make)
    op = _operation(client, w)
    assert op["tlp"] == "amber"
    assert op["lead"]["name"] == "Regional Hub"
    assert {p["name"] for p in op["participants"]} == {"Regional Hub", "Thai Cyber Unit", "Philippine Cyber Unit", "Malaysian Cyber Unit"}
    assert op["countries"] == ["MY", "PH", "SG", "TH"]
    assert client.get(f"/api/v1/operations/{op['id']}", headers=bearer(w.tokens["th"])).status_code == 200
    assert [o["id"] for o in client.get("/api/v1/operations", headers=bearer(w.tokens["ph"])).json()] == [op["id"]]


def test_non_participants_get_404_and_empty_lists(client: Any, make: Factory) -> None:
    w = build_world(make)
    op = _operation(client, w)
    for key in ("bank", "registrar"):
        assert client.get(f"/api/v1/operations/{op['id']}", headers=bearer(w.tokens[key])).status_code == 404
        assert client.get(f"/api/v1/operations/{op['id']}/outcomes", headers=bearer(w.tokens[key])).status_code == 404
        assert client.get("/api/v1/operations", headers=bearer(w.tokens[key])).json() == []


def test_participant_added_later_sees_the_operation(client: Any, make: Factory) -> None:
    w = build_world(make)
    op = _operation(client, w)
    reply = client.post(f"/api/v1/operations/{op['id']}/participants", json={"organisations": ["Coral Bank"]},
                        headers=bearer(w.tokens["hub"]))
    assert reply.status_code == 200
    assert client.get(f"/api/v1/operations/{op['id']}", headers=bearer(w.tokens["bank"])).status_code == 200
    refused = client.post(f"/api/v1/operations/{op['id']}/participants", json={"organisations": ["Example Registry"]},
                          headers=bearer(w.tokens["th"]))
    assert refused.status_code == 403


def test_bad_input_names_the_field(client: Any, make: Factory) -> None:
    w = build_world(make)
    op = _operation(client, w)
    h = bearer(w.tokens["hub"])
    bad_ops = [({"name": "X", "crime_type": "jaywalking", "starts_on": "2026-06-01", "ends_on": "2026-06-30"}, "crime_type"),
               ({"name": "Y", "crime_type": "bec", "starts_on": "2026-06-10", "ends_on": "2026-06-01"}, "ends_on"),
               ({"name": "Operation Coral Net", "crime_type": "bec", "starts_on": "2026-06-01", "ends_on": "2026-06-02"}, "name")]
    for body, field in bad_ops:
        reply = client.post("/api/v1/operations", json=body, headers=h)
        assert 400 <= reply.status_code < 500 and reply.json()["field"] == field, reply.text
    url = f"/api/v1/operations/{op['id']}/targets"
    bad_targets = [({"observable": {"value": "evil.example"}, "country": "VN", "action": "takedown"}, "country"),
                   ({"observable": {"value": "evil.example"}, "country": "TH", "action": "nuke"}, "action"),
                   ({"observable": {"value": "+66 12"}, "country": "TH", "action": "takedown"}, "value"),
                   ({"country": "TH", "action": "takedown"}, "observable"),
                   ({"statement_id": 999, "country": "TH", "action": "takedown"}, "statement_id"),
                   ({"observable": {"value": "evil.example"}, "country": "TH", "action": "takedown",
                     "marking": {"tlp": "amber", "organisations": ["Coral Bank"]}}, "marking.organisations")]
    for body, field in bad_targets:
        reply = client.post(url, json=body, headers=h)
        assert 400 <= reply.status_code < 500 and field in reply.json()["field"], (body, reply.text)
    ok = client.post(url, json={"observable": {"value": "evil.example"}, "country": "th", "action": "takedown"}, headers=h)
    assert ok.status_code == 201
    again = client.post(url, json={"observable": {"value": "EVIL.example"}, "country": "TH", "action": "monitor"}, headers=h)
    assert again.status_code == 409
    target_id = ok.json()["id"]
    actions = f"/api/v1/operations/{op['id']}/actions"
    bad_actions = [({"target_id": target_id, "kind": "funds_held", "amount": "10"}, "amount"),
                   ({"target_id": target_id, "kind": "funds_held", "amount": "10.1234567", "currency": "USD"}, "amount"),
                   ({"target_id": target_id, "kind": "funds_held", "amount": "10", "currency": "DOGECOINS"}, "currency"),
                   ({"target_id": target_id, "kind": "seizure"}, "servers"),
                   ({"target_id": target_id, "kind": "arrest", "quantity": 0}, "quantity"),
                   ({"target_id": target_id, "kind": "party"}, "kind"),
                   ({"target_id": 4242, "kind": "arrest"}, "target")]
    for body, field in bad_actions:
        reply = client.post(actions, json=body, headers=h)
        assert 400 <= reply.status_code < 500 and reply.json()["field"] == field, (body, reply.text)


def test_tasks_are_assigned_to_participants_with_due_dates(client: Any, make: Factory) -> None:
    w = build_world(make)
    op = _operation(client, w)
    url = f"/api/v1/operations/{op['id']}/tasks"
    h = bearer(w.tokens["hub"])
    reply = client.post(url, json={"assignee": "Thai Cyber Unit", "title": "Request takedown of the kit hosts",
                                   "due_at": "2026-06-02T09:00:00Z"}, headers=h)
    assert reply.status_code == 201, reply.text
    task = reply.json()
    assert task["assignee"]["name"] == "Thai Cyber Unit" and task["overdue"] is False
    assert client.post(url, json={"assignee": "Coral Bank", "title": "x"}, headers=h).json()["field"] == "assignee"
    make.clock.advance(days=2)
    listed = client.get(url, headers=bearer(w.tokens["th"])).json()
    assert listed[0]["overdue"] is True
    done = client.patch(f"{url}/{task['id']}", json={"status": "done"}, headers=bearer(w.tokens["th"]))
    assert done.json()["status"] == "done" and done.json()["overdue"] is False and done.json()["completed_at"]


def test_outcomes_are_computed_from_the_action_log(client: Any, make: Factory) -> None:
    w = build_world(make)
    op = _operation(client, w)
    h = bearer(w.tokens["hub"])
    base = f"/api/v1/operations/{op['id']}"
    ids = {}
    for value, country, action in (("kit.evil.example", "TH", "takedown"), ("phish.evil.example", "TH", "takedown"),
                                   ("TH:004:1234567890", "TH", "freeze"), ("cdn.evil.example", "PH", "takedown")):
        ids[value] = client.post(f"{base}/targets", json={"observable": {"value": value}, "country": country, "action": action},
                                 headers=h).json()["id"]
    log = [
        {"target_id": ids["kit.evil.example"], "kind": "takedown_requested"},
        {"target_id": ids["kit.evil.example"], "kind": "takedown_confirmed"},
        {"target_id": ids["phish.evil.example"], "kind": "takedown_requested"},
        {"target_id": ids["phish.evil.example"], "kind": "takedown_refused"},
        {"target_id": ids["cdn.evil.example"], "kind": "takedown_confirmed"},
        {"target_id": ids["TH:004:1234567890"], "kind": "funds_held", "amount": "1000.50", "currency": "thb"},
        {"target_id": ids["TH:004:1234567890"], "kind": "funds_held", "amount": "0.25", "currency": "THB"},
        {"target_id": ids["TH:004:1234567890"], "kind": "funds_recovered", "amount": "999.999999", "currency": "USDT"},
        {"target_id": ids["TH:004:1234567890"], "kind": "arrest", "quantity": 3},
        {"target_id": ids["cdn.evil.example"], "kind": "seizure", "servers": 4, "devices": 2},
        {"target_id": ids["cdn.evil.example"], "kind": "victims_notified", "quantity": 1200},
    ]
    for body in log:
        assert client.post(f"{base}/actions", json=body, headers=bearer(w.tokens["th"])).status_code == 201
    out = client.get(f"{base}/outcomes", headers=h).json()
    th, ph, total = out["by_country"]["TH"], out["by_country"]["PH"], out["total"]
    assert (th["targets"], th["takedowns_requested"], th["takedowns_confirmed"], th["takedown_rate"]) == (3, 2, 1, 0.5)
    assert th["amounts_held"] == {"THB": "1000.75"} and th["amounts_recovered"] == {"USDT": "999.999999"}
    assert th["arrests"] == 3 and th["victims_notified"] == 0
    assert (ph["targets"], ph["takedowns_requested"], ph["takedowns_confirmed"], ph["takedown_rate"]) == (1, 1, 1, 1.0)
    assert (ph["servers_seized"], ph["devices_seized"], ph["victims_notified"]) == (4, 2, 1200)
    assert (total["targets"], total["takedowns_requested"], total["takedowns_confirmed"]) == (4, 3, 2)
    assert total["takedown_rate"] == round(2 / 3, 4) and total["arrests"] == 3
    assert total["amounts_held"] == {"THB": "1000.75"}
    listed = client.get(f"{base}/actions", headers=h).json()
    assert len(listed) == len(log) and {a["country"] for a in listed} == {"TH", "PH"}


def test_openapi_lists_the_operations_endpoints(client: Any) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/v1/operations", "/api/v1/operations/{operation_id}/targets", "/api/v1/operations/{operation_id}/tasks",
                 "/api/v1/operations/{operation_id}/actions", "/api/v1/operations/{operation_id}/outcomes",
                 "/api/v1/operations/{operation_id}/packages", "/api/v1/operations/{operation_id}/takedowns",
                 "/api/v1/takedowns/{takedown_id}/response", "/api/v1/freezes", "/api/v1/freezes/{freeze_id}/status",
                 "/api/v1/legal-clocks"):
        assert path in paths, path


def test_entity_of_link_analysis_can_be_a_target_when_the_author_may_see_it(client: Any, make: Factory) -> None:
    w = build_world(make)
    op = _operation(client, w)
    with make.db.unit_of_work() as s:
        entity = graph.create_entity(s, w.principal("th"), EntityIn(
            kind="person", name="Kit Seller", role="suspect",
            marking=RecordMarkingIn(tlp="red", recipients=RecipientsIn(organisations=[w.th.id]))), make.clock.now())
    body = {"entity_id": entity.id, "country": "TH", "action": "arrest"}
    hidden = client.post(f"/api/v1/operations/{op['id']}/targets", json=body, headers=bearer(w.tokens["hub"]))
    assert hidden.status_code == 404 and hidden.json()["field"] == "entity_id"
    made = client.post(f"/api/v1/operations/{op['id']}/targets", json=body | {"marking": {"tlp": "red"}},
                       headers=bearer(w.tokens["th"]))
    assert made.status_code == 201, made.text
    assert (made.json()["kind"], made.json()["label"], made.json()["observable"]) == ("entity", "person Kit Seller", None)
    page = client.get(f"/operations/{op['id']}/targets/{made.json()['id']}", headers=bearer(w.tokens["th"]))
    assert f'/graph/entities/{entity.id}' in page.text
