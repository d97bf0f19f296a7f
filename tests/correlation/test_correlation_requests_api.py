"""Requests for information through the REST API: routed to anonymous holders, disclosed on answer, audited, leak-free."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from aspjoc.audit import AuditEvent
from aspjoc.intel.models import Notice
from correlation_helpers import Region
from support import Factory, bearer

MULE = "TH:905:1112223334"


def _ask(client: Any, token: str, **body: Any) -> Any:
    body.setdefault("question", "Do you hold a case on this account? We see victims in Manila.")
    return client.post("/api/v1/requests", json=body, headers=bearer(token))


def test_request_to_an_anonymous_red_holder_stays_anonymous_until_it_answers(client: Any, make: Factory) -> None:
    r = Region(make)
    r.state(r.th_a, MULE, "red", description="Operation Kite: mule account of the compound")
    r.state(r.ph_a, MULE, "green")
    ph, th = r.token(r.ph_a), r.token(r.th_a)

    created = _ask(client, ph, observable={"value": MULE}, deadline="2026-06-08T00:00:00Z")
    assert created.status_code == 201, created.text
    [req] = created.json()
    assert req["target"] is None and req["status"] == "open" and req["direction"] == "outgoing"
    assert "Thai" not in created.text and "Kite" not in created.text

    inbox = client.get("/api/v1/requests", params={"box": "inbox"}, headers=bearer(th)).json()
    assert inbox["total"] == 1
    incoming = inbox["items"][0]
    assert incoming["requester"]["name"] == "Philippine Cyber Unit" and incoming["direction"] == "incoming"

    outbox = client.get("/api/v1/requests", params={"box": "outbox"}, headers=bearer(ph)).json()
    assert outbox["items"][0]["target"] is None and "Thai" not in str(outbox)

    answered = client.post(f"/api/v1/requests/{req['id']}/answer", json={"body": "Yes: open case, contact Lt. Somchai."},
                           headers=bearer(th))
    assert answered.status_code == 200, answered.text
    seen = client.get(f"/api/v1/requests/{req['id']}", headers=bearer(ph)).json()
    assert seen["status"] == "answered"
    assert seen["target"]["name"] == "Thai Cyber Unit"
    assert seen["messages"][0]["kind"] == "answer" and seen["messages"][0]["author"]["name"] == "Thai Cyber Unit"


def test_decline_keeps_the_holder_anonymous(client: Any, make: Factory) -> None:
    r = Region(make)
    r.state(r.th_a, MULE, "red")
    r.state(r.ph_a, MULE, "green")
    [req] = _ask(client, r.token(r.ph_a), observable={"value": MULE}).json()
    declined = client.post(f"/api/v1/requests/{req['id']}/decline", json={"body": "Cannot share at this stage."},
                           headers=bearer(r.token(r.th_a)))
    assert declined.status_code == 200
    seen = client.get(f"/api/v1/requests/{req['id']}", headers=bearer(r.token(r.ph_a)))
    data = seen.json()
    assert data["status"] == "declined" and data["target"] is None
    assert data["messages"][0]["author"] is None and "Thai" not in seen.text
    with make.db.reader() as s:
        to_ph = s.scalars(select(Notice).where(Notice.org_id == r.ph.id, Notice.kind == "request")).all()
    assert to_ph and all("Thai" not in n.message and n.actor_org_id is None for n in to_ph)


def test_request_goes_to_every_holder_each_named_as_far_as_visible(client: Any, make: Factory) -> None:
    r = Region(make)
    r.state(r.th_a, "+66 81 234 5678", "red")
    r.state(r.hub_a, "+66 81 234 5678", "amber")
    r.state(r.ph_a, "+66 81 234 5678", "green")
    created = _ask(client, r.token(r.ph_a), observable={"value": "+66 81 234 5678"}).json()
    targets = sorted(str(x["target"]["name"]) if x["target"] else "?" for x in created)
    assert targets == ["?", "Regional Hub"]
    again = _ask(client, r.token(r.ph_a), observable={"value": "+66 81 234 5678"})
    assert again.status_code == 409 and again.json()["field"] == "observable"


def test_naming_a_holder_the_requester_may_not_see_cannot_probe_it(client: Any, make: Factory) -> None:
    r = Region(make)
    r.state(r.th_a, MULE, "red")
    r.state(r.ph_a, MULE, "green")
    probe = _ask(client, r.token(r.ph_a), observable={"value": MULE}, target="Thai Cyber Unit")
    nobody = _ask(client, r.token(r.ph_a), observable={"value": MULE}, target="Regional Hub")
    assert probe.status_code == nobody.status_code == 404
    assert probe.json() == nobody.json()


def test_only_the_two_organisations_see_a_request(client: Any, make: Factory) -> None:
    r = Region(make)
    r.state(r.th_a, MULE, "red")
    r.state(r.ph_a, MULE, "green")
    [req] = _ask(client, r.token(r.ph_a), observable={"value": MULE}).json()
    for outsider in (r.hub_a, r.bank_a):
        token = r.token(outsider)
        assert client.get(f"/api/v1/requests/{req['id']}", headers=bearer(token)).status_code == 404
        assert client.post(f"/api/v1/requests/{req['id']}/answer", json={"body": "x"}, headers=bearer(token)).status_code == 404
        for box in ("inbox", "outbox"):
            assert client.get("/api/v1/requests", params={"box": box}, headers=bearer(token)).json()["total"] == 0


def test_roles_and_bad_input_are_refused_with_the_field(client: Any, make: Factory) -> None:
    r = Region(make)
    r.state(r.th_a, MULE, "green")
    viewer = make.user("v@ph.aspjoc.test", r.ph, role="viewer")
    assert _ask(client, make.token(viewer), observable={"value": MULE}).status_code == 403
    ph = r.token(r.ph_a)
    past = _ask(client, ph, observable={"value": MULE}, deadline="2020-01-01T00:00:00Z")
    assert past.status_code == 422 and past.json()["field"] == "deadline"
    blank = _ask(client, ph, observable={"value": MULE}, question="   ")
    assert blank.status_code == 422 and blank.json()["field"] == "question"
    unknown = _ask(client, ph, observable={"value": "TH:905:9999999999"})
    assert unknown.status_code == 404 and unknown.json()["field"] == "observable"
    garbage = _ask(client, ph, observable={"value": "not an identifier !!"})
    assert garbage.status_code == 422 and garbage.json()["field"] == "value"
    assert client.get("/api/v1/requests", params={"box": "sideways"}, headers=bearer(ph)).json()["field"] == "box"


def test_thread_answer_message_close_and_audit(client: Any, make: Factory) -> None:
    r = Region(make)
    r.state(r.th_a, MULE, "green")
    ph, th = r.token(r.ph_a), r.token(r.th_a)
    [req] = _ask(client, ph, observable={"value": MULE}, target="Thai Cyber Unit").json()
    assert req["target"]["name"] == "Thai Cyber Unit", "a holder the requester may see is named from the start"
    rid = req["id"]
    assert client.post(f"/api/v1/requests/{rid}/answer", json={"body": "x"}, headers=bearer(ph)).status_code == 403
    client.post(f"/api/v1/requests/{rid}/answer", json={"body": "Frozen on 1 June."}, headers=bearer(th))
    client.post(f"/api/v1/requests/{rid}/messages", json={"body": "Thanks; who is the contact?"}, headers=bearer(ph))
    assert client.post(f"/api/v1/requests/{rid}/close", json={"body": ""}, headers=bearer(th)).status_code == 403
    closed = client.post(f"/api/v1/requests/{rid}/close", json={"body": "Done."}, headers=bearer(ph)).json()
    assert closed["status"] == "closed"
    assert [m["kind"] for m in closed["messages"]] == ["answer", "message", "close"]
    late = client.post(f"/api/v1/requests/{rid}/messages", json={"body": "one more"}, headers=bearer(th))
    assert late.status_code == 409 and late.json()["field"] == "status"
    with make.db.reader() as s:
        actions = s.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "request").order_by(AuditEvent.id)).all()
    assert actions == ["request.open", "request.answer", "request.message", "request.close"]


def test_matches_api_names_only_visible_holders_and_a_match_can_be_asked(client: Any, make: Factory) -> None:
    r = Region(make)
    r.state(r.th_a, MULE, "red", description="Operation Kite")
    r.state(r.hub_a, MULE, "green")
    r.state(r.ph_a, MULE, "green")
    reply = client.get("/api/v1/matches", headers=bearer(r.token(r.ph_a)))
    items = reply.json()["items"]
    assert sorted(m["other"] for m in items) == ["Regional Hub", "another organisation"]
    assert "Thai" not in reply.text and "Kite" not in reply.text
    anonymous = next(m for m in items if not m["named"])
    created = _ask(client, r.token(r.ph_a), match=anonymous["id"])
    assert created.status_code == 201 and created.json()[0]["target"] is None
    assert client.get("/api/v1/matches", headers=bearer(r.token(r.ph_a))).json()["items"][-1]["request_id"] is not None
    theirs = client.get("/api/v1/matches", headers=bearer(r.token(r.th_a))).json()["items"]
    other = _ask(client, r.token(r.ph_a), match=theirs[0]["id"])
    assert other.status_code == 404 and other.json()["field"] == "match"
