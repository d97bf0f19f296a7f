"""Takedown requests: the notice carries only what the provider may see, goes out through a real local SMTP
server (or as .eml), and answers, response times and overdue requests are tracked."""

from __future__ import annotations

from email import message_from_bytes, policy
from typing import Any

from fastapi.testclient import TestClient

from aspjoc.web.app import create_app
from operations_helpers import SmtpSink, World, build_world
from support import Factory, bearer

DOMAIN = "login-coralbank.phish.example"


def _client(app: Any, port: int | None) -> TestClient:
    settings = app.state.settings.model_copy(update={"smtp_host": "127.0.0.1" if port else "", "smtp_port": port or 25,
                                                     "smtp_from": "hub-desk@hub.aspjoc.test", "takedown_response_hours": 24})
    return TestClient(create_app(settings, clock=app.state.clock, db=app.state.db))


def _arrange(w: World, client: TestClient) -> tuple[int, int]:
    op = w.operation()
    w.state("hub", DOMAIN, "clear", "CLEAR: kit hosted here, seen by the public crawler")
    w.state("hub", DOMAIN, "green", "GREEN: community report of the phishing kit")
    w.state("th", DOMAIN, "amber", "AMBER-TH: victims in Bangkok", orgs=[w.th.id, w.hub.id])
    w.state("hub", DOMAIN, "amber", "AMBER-TO-REGISTRAR: registrant paid with a stolen card", orgs=[w.registrar.id])
    w.state("th", DOMAIN, "red", "RED-TH: seized server logs name the registrant", orgs=[w.hub.id])
    reply = client.post(f"/api/v1/operations/{op}/targets", json={"observable": {"value": DOMAIN}, "country": "TH",
                                                                  "action": "takedown"}, headers=bearer(w.tokens["hub"]))
    return op, reply.json()["id"]


def _request(client: TestClient, w: World, op: int, target: int, provider_org: bool,
             marking: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"target_id": target, "provider_kind": "registrar", "provider_name": "Example Registry",
                            "provider_email": "abuse@registry.example", "grounds": "Credential phishing against Coral Bank."}
    if provider_org:
        body["provider_org"] = "Example Registry"
    if marking is not None:
        body["marking"] = marking
    reply = client.post(f"/api/v1/operations/{op}/takedowns", json=body, headers=bearer(w.tokens["hub"]))
    assert reply.status_code == 201, reply.text
    return reply.json()  # type: ignore[no-any-return]


HUB_ONLY = {"tlp": "amber", "organisations": ["Regional Hub"]}


def test_notice_to_a_partner_carries_green_clear_and_what_is_addressed_to_it(app: Any, make: Factory) -> None:
    w = build_world(make)
    with SmtpSink() as sink, _client(app, sink.port) as client:
        op, target = _arrange(w, client)
        td = _request(client, w, op, target, provider_org=True, marking=HUB_ONLY)
        body = td["body"]
        assert "CLEAR: kit hosted" in body and "GREEN: community" in body and "AMBER-TO-REGISTRAR" in body
        assert "AMBER-TH" not in body and "RED-TH" not in body
        assert td["notice_tlp"] == "amber" and td["subject"].startswith("[TLP:AMBER] Takedown request")
        sent = client.post(f"/api/v1/takedowns/{td['id']}/send", headers=bearer(w.tokens["hub"])).json()
        assert sent["status"] == "sent" and sent["channel"] == "smtp"
        assert sent["due_at"] == "2026-06-02T09:00:00Z"
    (sender, rcpts, message), = sink.messages
    assert rcpts == ["abuse@registry.example"] and sender == "hub-desk@hub.aspjoc.test"
    assert str(message["Subject"]).strip() == td["subject"]  # folded after "Subject:", unfolded with a space
    text = message.get_content()
    assert DOMAIN in text and "AMBER-TO-REGISTRAR" in text and "RED-TH" not in text


def test_notice_every_participant_may_read_carries_only_what_all_of_them_may_see(app: Any, make: Factory) -> None:
    w = build_world(make)
    with _client(app, None) as client:
        op, target = _arrange(w, client)
        w.state("th", DOMAIN, "amber+strict", "STRICT-TH: registrar account used from Bangkok",
                orgs=[w.th.id, w.hub.id, w.registrar.id])
        td = _request(client, w, op, target, provider_org=True)
        assert "CLEAR: kit hosted" in td["body"] and "GREEN: community" in td["body"]
        for hidden in ("AMBER-TO-REGISTRAR", "STRICT-TH", "AMBER-TH", "RED-TH"):
            assert hidden not in td["body"], hidden
        for key in ("ph", "my", "registrar"):
            seen = client.get(f"/api/v1/takedowns/{td['id']}", headers=bearer(w.tokens[key])).text
            assert "STRICT-TH" not in seen and "AMBER-TO-REGISTRAR" not in seen, key
        narrow = _request(client, w, op, target, provider_org=True,
                          marking={"tlp": "amber+strict", "organisations": ["Regional Hub", "Thai Cyber Unit"]})
        assert "STRICT-TH" in narrow["body"] and narrow["notice_tlp"] == "amber+strict"
        assert client.get(f"/api/v1/takedowns/{narrow['id']}", headers=bearer(w.tokens["ph"])).status_code == 404


def test_a_request_readable_beyond_its_target_is_refused(app: Any, make: Factory) -> None:
    w = build_world(make)
    with _client(app, None) as client:
        op = w.operation()
        secret = client.post(f"/api/v1/operations/{op}/targets", json={
            "observable": {"value": "mule-wallet.phish.example"}, "country": "TH", "action": "takedown",
            "marking": {"tlp": "red"}}, headers=bearer(w.tokens["th"])).json()["id"]
        body = {"target_id": secret, "provider_kind": "host", "provider_name": "Example Host",
                "provider_email": "abuse@host.example"}
        wide = client.post(f"/api/v1/operations/{op}/takedowns", json=body, headers=bearer(w.tokens["th"]))
        assert wide.status_code == 422 and wide.json()["field"] == "marking"
        narrow = client.post(f"/api/v1/operations/{op}/takedowns", json={**body, "marking": {"tlp": "red"}},
                             headers=bearer(w.tokens["th"]))
        assert narrow.status_code == 201, narrow.text


def test_notice_to_a_provider_outside_the_platform_carries_only_clear(app: Any, make: Factory) -> None:
    w = build_world(make)
    with _client(app, None) as client:
        op, target = _arrange(w, client)
        td = _request(client, w, op, target, provider_org=False)
        assert "CLEAR: kit hosted" in td["body"]
        for hidden in ("GREEN: community", "AMBER-TH", "AMBER-TO-REGISTRAR", "RED-TH"):
            assert hidden not in td["body"]
        assert td["notice_tlp"] == "clear"
        refused = client.post(f"/api/v1/takedowns/{td['id']}/send", headers=bearer(w.tokens["hub"]))
        assert refused.status_code == 422 and refused.json()["field"] == "smtp_host"
        eml = client.get(f"/api/v1/takedowns/{td['id']}/eml", headers=bearer(w.tokens["hub"]))
        assert eml.headers["content-type"] == "message/rfc822"
        parsed = message_from_bytes(eml.content, policy=policy.default)
        assert parsed["To"] == "abuse@registry.example" and DOMAIN in parsed.get_content()
        after = client.get(f"/api/v1/takedowns/{td['id']}", headers=bearer(w.tokens["hub"])).json()
        assert after["status"] == "sent" and after["channel"] == "eml"
        actions = client.get(f"/api/v1/operations/{op}/actions", headers=bearer(w.tokens["hub"])).json()
        assert [a["kind"] for a in actions] == ["takedown_requested"]


def test_refused_delivery_is_a_visible_failed_state(app: Any, make: Factory) -> None:
    w = build_world(make)
    with SmtpSink(refuse=True) as sink, _client(app, sink.port) as client:
        op, target = _arrange(w, client)
        td = _request(client, w, op, target, provider_org=True)
        failed = client.post(f"/api/v1/takedowns/{td['id']}/send", headers=bearer(w.tokens["hub"])).json()
        assert failed["status"] == "failed" and "554" in failed["last_error"]
        assert client.get(f"/api/v1/operations/{op}/actions", headers=bearer(w.tokens["hub"])).json() == []
        sink.refuse = False
        again = client.post(f"/api/v1/takedowns/{td['id']}/send", headers=bearer(w.tokens["hub"])).json()
        assert again["status"] == "sent" and again["last_error"] == ""
        assert client.post(f"/api/v1/takedowns/{td['id']}/send", headers=bearer(w.tokens["hub"])).status_code == 409


def test_provider_answers_response_time_and_outcome_are_tracked(app: Any, make: Factory) -> None:
    w = build_world(make)
    with SmtpSink() as sink, _client(app, sink.port) as client:
        op, target = _arrange(w, client)
        td = _request(client, w, op, target, provider_org=True)
        client.post(f"/api/v1/takedowns/{td['id']}/send", headers=bearer(w.tokens["hub"]))
        inbox = client.get("/api/v1/takedowns", headers=bearer(w.tokens["registrar"])).json()
        assert [r["id"] for r in inbox] == [td["id"]]
        assert client.get(f"/api/v1/operations/{op}", headers=bearer(w.tokens["registrar"])).status_code == 404
        make.clock.advance(hours=30)
        overdue = client.get("/api/v1/takedowns", params={"overdue": True}, headers=bearer(w.tokens["hub"])).json()
        assert [r["id"] for r in overdue] == [td["id"]] and overdue[0]["overdue"] is True
        answer = client.post(f"/api/v1/takedowns/{td['id']}/response", json={"status": "confirmed", "text": "Suspended."},
                             headers=bearer(w.tokens["registrar"])).json()
        assert answer["status"] == "confirmed" and answer["response_hours"] == 30.0 and answer["overdue"] is False
        assert client.get("/api/v1/takedowns", params={"overdue": True}, headers=bearer(w.tokens["hub"])).json() == []
        again = client.post(f"/api/v1/takedowns/{td['id']}/response", json={"status": "refused"},
                            headers=bearer(w.tokens["registrar"]))
        assert again.status_code == 409
        assert client.post(f"/api/v1/takedowns/{td['id']}/response", json={"status": "confirmed"},
                           headers=bearer(w.tokens["bank"])).status_code == 404
        outcomes = client.get(f"/api/v1/operations/{op}/outcomes", headers=bearer(w.tokens["th"])).json()
        assert outcomes["by_country"]["TH"]["takedowns_confirmed"] == 1 and outcomes["total"]["takedown_rate"] == 1.0
