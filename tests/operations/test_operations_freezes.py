"""Freeze and stop-payment requests: the acting country's legal clock, countdown, alerts before expiry and
expiry under a controlled clock, status through to held and recovered, and the outcomes they imply."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from aspjoc.intel.models import Notice
from aspjoc.operations.clock_alerts import check_clocks
from operations_helpers import World, build_world
from support import Factory, bearer

ACCOUNT = "TH:004:1234567890"


def _freeze(client: Any, w: World, **extra: Any) -> dict[str, Any]:
    body = {"kind": "freeze", "account": {"value": ACCOUNT}, "acting_org": "Thai Cyber Unit",
            "institution_name": "Kasikorn-like Example Bank", "amount": "125000.50", "currency": "USD",
            "transaction_refs": ["SWIFT-REF-0001", "SWIFT-REF-0002"], **extra}
    reply = client.post("/api/v1/freezes", json=body, headers=bearer(w.tokens["ph"]))
    assert reply.status_code == 201, reply.text
    return reply.json()  # type: ignore[no-any-return]


def _notices(w: World, org_id: int) -> list[str]:
    with w.make.db.reader() as s:
        return list(s.scalars(select(Notice.message).where(Notice.org_id == org_id, Notice.kind == "freeze_clock")
                              .order_by(Notice.id)))


def test_request_runs_on_the_acting_countrys_clock(client: Any, make: Factory) -> None:
    w = build_world(make)
    fr = _freeze(client, w)
    assert fr["clock"] == "TH: freeze 72 h, then hold up to 7 days"
    assert fr["expires_at"] == "2026-06-04T09:00:00Z" and fr["seconds_left"] == 72 * 3600
    assert fr["account"] == {"type": "bank_account", "value": ACCOUNT, "country": "TH"}
    assert fr["amount"] == "125000.50" and fr["transaction_refs"] == ["SWIFT-REF-0001", "SWIFT-REF-0002"]
    assert fr["tlp"] == "amber+strict"
    make.clock.advance(hours=70, minutes=30)
    listed = client.get("/api/v1/freezes", headers=bearer(w.tokens["th"])).json()
    assert [f["seconds_left"] for f in listed] == [90 * 60]
    assert client.get(f"/api/v1/freezes/{fr['id']}", headers=bearer(w.tokens["my"])).status_code == 404


def test_alerts_before_expiry_and_expiry_with_a_controlled_clock(client: Any, make: Factory) -> None:
    w = build_world(make)
    fr = _freeze(client, w)
    with make.db.unit_of_work() as s:
        assert check_clocks(s, make.clock.now()) == []
    make.clock.advance(hours=59, minutes=59)
    with make.db.unit_of_work() as s:
        assert check_clocks(s, make.clock.now()) == []
    make.clock.advance(minutes=2)  # 11 h 59 min left
    with make.db.unit_of_work() as s:
        alerts = check_clocks(s, make.clock.now())
        assert [(a.freeze_id, a.stage, a.threshold_minutes, a.expired) for a in alerts] == [(fr["id"], "freeze", 720, False)]
        assert check_clocks(s, make.clock.now()) == [], "an alert goes out once"
    assert _notices(w, w.th.id) == _notices(w, w.ph.id)
    assert "11 h 59 min left" in _notices(w, w.th.id)[0]
    make.clock.advance(hours=10, minutes=30)  # 1 h 29 min left
    with make.db.unit_of_work() as s:
        assert [a.threshold_minutes for a in check_clocks(s, make.clock.now())] == [120]
    assert "1 h 29 min left" in _notices(w, w.ph.id)[-1]
    make.clock.advance(hours=1, minutes=30)
    with make.db.unit_of_work() as s:
        alerts = check_clocks(s, make.clock.now())
        assert [(a.threshold_minutes, a.expired) for a in alerts] == [(0, True)]
    assert "has expired" in _notices(w, w.th.id)[-1] and len(_notices(w, w.bank.id)) == 0
    after = client.get(f"/api/v1/freezes/{fr['id']}", headers=bearer(w.tokens["ph"])).json()
    assert after["status"] == "expired" and after["seconds_left"] is None
    assert client.get("/api/v1/freezes", headers=bearer(w.tokens["ph"])).json() == []
    late = client.post(f"/api/v1/freezes/{fr['id']}/status", json={"status": "frozen"}, headers=bearer(w.tokens["th"]))
    assert late.status_code == 409


def test_a_late_check_sends_one_alert_for_the_tightest_threshold(client: Any, make: Factory) -> None:
    w = build_world(make)
    _freeze(client, w)
    make.clock.advance(hours=71)
    with make.db.unit_of_work() as s:
        assert [a.threshold_minutes for a in check_clocks(s, make.clock.now(), (12, 2))] == [120]
        assert check_clocks(s, make.clock.now(), (12, 2)) == []
    assert len(_notices(w, w.ph.id)) == 1


def test_holding_restarts_the_clock_and_recovery_feeds_the_outcomes(client: Any, make: Factory) -> None:
    w = build_world(make)
    op = w.operation()
    h = bearer(w.tokens["hub"])
    target = client.post(f"/api/v1/operations/{op}/targets", json={"observable": {"value": ACCOUNT}, "country": "TH",
                                                                   "action": "freeze"}, headers=h).json()
    fr = _freeze(client, w, operation_id=op, target_id=target["id"], institution_org="Coral Bank")
    assert fr["tlp"] == "amber"
    th = bearer(w.tokens["th"])
    assert client.post(f"/api/v1/freezes/{fr['id']}/status", json={"status": "recovered"}, headers=th).status_code == 409
    ack = {"status": "acknowledged"}
    assert client.post(f"/api/v1/freezes/{fr['id']}/status", json=ack, headers=bearer(w.tokens["my"])).status_code == 403
    assert client.post(f"/api/v1/freezes/{fr['id']}/status", json=ack, headers=bearer(w.tokens["registrar"])).status_code == 404
    client.post(f"/api/v1/freezes/{fr['id']}/status", json={"status": "acknowledged"}, headers=th)
    make.clock.advance(hours=2)
    frozen = client.post(f"/api/v1/freezes/{fr['id']}/status", json={"status": "frozen", "amount": "98000"},
                         headers=bearer(w.tokens["bank"])).json()
    assert frozen["status"] == "frozen" and frozen["held"] == "98000.00" and frozen["seconds_left"] == 70 * 3600
    make.clock.advance(hours=20)
    held = client.post(f"/api/v1/freezes/{fr['id']}/status", json={"status": "held"}, headers=th).json()
    assert held["expires_at"] == "2026-06-09T07:00:00Z" and held["seconds_left"] == 7 * 24 * 3600
    make.clock.advance(days=3)
    client.post(f"/api/v1/freezes/{fr['id']}/status", json={"status": "recovered", "amount": "97500.25"}, headers=th)
    out = client.get(f"/api/v1/operations/{op}/outcomes", headers=h).json()["by_country"]["TH"]
    assert out["accounts_frozen"] == 1
    assert out["amounts_held"] == {"USD": "98000.00"} and out["amounts_recovered"] == {"USD": "97500.25"}
    kinds = [a["kind"] for a in client.get(f"/api/v1/operations/{op}/actions", headers=h).json()]
    assert sorted(kinds) == ["account_frozen", "funds_held", "funds_recovered"]


def test_bad_requests_name_the_field(client: Any, make: Factory) -> None:
    w = build_world(make)
    cases = [({"account": {"value": "evil.example"}}, "account.type"),
             ({"acting_org": "Coral Bank"}, "acting_org"),
             ({"amount": "-5"}, "amount"),
             ({"currency": "XYZ1"}, "currency"),
             ({"target_id": 3}, "operation_id")]
    for change, field in cases:
        body = {"kind": "freeze", "account": {"value": ACCOUNT}, "acting_org": "Thai Cyber Unit",
                "institution_name": "Example Bank", "amount": "10", "currency": "USD", **change}
        reply = client.post("/api/v1/freezes", json=body, headers=bearer(w.tokens["ph"]))
        assert reply.status_code == 422 and reply.json()["field"] == field, (change, reply.text)


def test_only_admins_change_a_legal_clock_and_new_requests_use_it(client: Any, make: Factory) -> None:
    w = build_world(make)
    clocks = client.get("/api/v1/legal-clocks", headers=bearer(w.tokens["th"])).json()
    th = next(c for c in clocks if (c["country"], c["kind"]) == ("TH", "freeze"))
    assert (th["freeze_hours"], th["hold_days"], th["illustrative"]) == (72, 7, True)
    body = {"freeze_hours": 48, "hold_days": 10, "basis": "Example statute, section 4."}
    assert client.put("/api/v1/legal-clocks/TH/freeze", json=body, headers=bearer(w.tokens["th"])).status_code == 403
    admin = make.user("admin@hub.aspjoc.test", w.hub, role="admin", password=None)
    changed = client.put("/api/v1/legal-clocks/TH/freeze", json=body, headers=bearer(make.token(admin))).json()
    assert changed["illustrative"] is False and changed["freeze_hours"] == 48
    assert _freeze(client, w)["seconds_left"] == 48 * 3600
