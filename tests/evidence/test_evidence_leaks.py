"""Leak tests: one country's evidence never reaches another unless its marking allows, nor evidence on hidden subjects."""

from __future__ import annotations

from typing import Any

from evidence_helpers import Casework, upload
from support import Factory, bearer

SECRET = b"Thai case 2026-117: informant statement, compound KK-7"


def _paths(item_id: int) -> list[tuple[str, str, dict[str, Any] | None]]:
    return [("get", f"/api/v1/evidence/{item_id}", None), ("get", f"/api/v1/evidence/{item_id}/content", None),
            ("get", f"/api/v1/evidence/{item_id}/custody", None),
            ("post", f"/api/v1/evidence/{item_id}/transfer", {"to_organisation": "Regional Hub", "purpose": "x"}),
            ("post", "/api/v1/evidence/export", {"evidence_ids": [item_id], "purpose": "MLA"})]


def _call(client: Any, token: str, method: str, path: str, body: dict[str, Any] | None) -> Any:
    if method == "get":
        return client.get(path, headers=bearer(token))
    return client.post(path, json=body, headers=bearer(token))


def test_one_countrys_evidence_is_404_to_another_in_every_channel(client: Any, make: Factory) -> None:
    w = Casework(make)
    strict = upload(client, w.th_token, ("entity", w.th_entity), SECRET, "informant.txt", "text/plain").json()
    red = upload(client, w.th_token, ("entity", w.th_entity), SECRET + b" (red)", "red.txt", "text/plain", tlp="red").json()
    for item in (strict, red):
        for method, path, body in _paths(item["id"]):
            reply = _call(client, w.ph_token, method, path, body)
            assert reply.status_code == 404, (path, reply.text)
            assert "informant" not in reply.text and "KK-7" not in reply.text
    listed = client.get("/api/v1/evidence", params={"subject_type": "entity", "subject_id": w.th_entity},
                        headers=bearer(w.ph_token)).json()
    assert listed == {"items": [], "total": 0, "next": None}
    assert client.get("/api/v1/evidence", headers=bearer(w.ph_token)).json()["total"] == 0
    verified = client.post("/api/v1/evidence/verify", json={}, headers=bearer(w.ph_token)).json()
    assert verified["checked"] == 0
    own = client.get("/api/v1/evidence", headers=bearer(w.th_token)).json()
    assert own["total"] == 2, "the owner still sees both"


def test_evidence_reaches_another_country_only_as_far_as_its_marking_allows(client: Any, make: Factory) -> None:
    w = Casework(make)
    shared = upload(client, w.th_token, ("entity", w.th_entity), b"shared with PH", "shared.txt", "text/plain",
                    tlp="amber+strict", organisations=str(w.ph.id)).json()
    red_named = upload(client, w.th_token, ("entity", w.th_entity), b"red, PH named", "red-ph.txt", "text/plain",
                       tlp="red", organisations=str(w.ph.id)).json()
    assert client.get(f"/api/v1/evidence/{shared['id']}", headers=bearer(w.ph_token)).status_code == 200
    assert client.get(f"/api/v1/evidence/{shared['id']}", headers=bearer(w.kh_token)).status_code == 404
    assert client.get(f"/api/v1/evidence/{red_named['id']}/content", headers=bearer(w.ph_token)).status_code == 200
    # RED may be read by its named recipients but never exported by them.
    export = client.post("/api/v1/evidence/export", json={"evidence_ids": [red_named["id"]], "purpose": "MLA"},
                         headers=bearer(w.ph_token))
    assert export.status_code == 404 and export.json()["field"] == "evidence_ids"
    assert client.post("/api/v1/evidence/export", json={"evidence_ids": [shared["id"]], "purpose": "MLA"},
                       headers=bearer(w.ph_token)).status_code == 200


def test_evidence_on_a_hidden_subject_is_hidden_whatever_its_own_marking(client: Any, make: Factory) -> None:
    w = Casework(make)
    red_statement = w.statement(w.th_user, "+66 81 234 7301", tlp="red", description="Thai case 2026-117")
    green_on_red = upload(client, w.th_token, ("statement", red_statement), b"call recording", "call.txt", "text/plain",
                          tlp="green").json()
    assert client.get(f"/api/v1/evidence/{green_on_red['id']}", headers=bearer(w.th_token)).status_code == 200
    assert client.get(f"/api/v1/evidence/{green_on_red['id']}", headers=bearer(w.ph_token)).status_code == 404
    assert client.get("/api/v1/evidence", headers=bearer(w.ph_token)).json()["total"] == 0
    listed = client.get("/api/v1/evidence", params={"subject_type": "statement", "subject_id": red_statement},
                        headers=bearer(w.ph_token))
    assert listed.status_code == 404 and listed.json()["field"] == "subject_id"
    attach = upload(client, w.ph_token, ("statement", red_statement), b"x", "x.txt", "text/plain", tlp="green")
    assert attach.status_code == 404 and attach.json()["field"] == "subject_id"
    red_entity = w.entity(w.th_user, "Red informant", tlp="red")
    on_red_entity = upload(client, w.ph_token, ("entity", red_entity), b"x", "x.txt", "text/plain")
    assert on_red_entity.status_code == 404


def test_evidence_on_an_operation_follows_the_operations_own_gate(client: Any, make: Factory) -> None:
    w = Casework(make)
    operation = client.post("/api/v1/operations", json={
        "name": "Operation Lotus Wave", "crime_type": "investment_scam", "starts_on": "2026-06-01",
        "ends_on": "2026-07-31", "participants": ["Philippine Cyber Unit"]}, headers=bearer(w.th_token))
    assert operation.status_code == 201, operation.text
    op_id = operation.json()["id"]
    item = upload(client, w.th_token, ("operation", op_id), b"tasking minutes", "minutes.txt", "text/plain",
                  tlp="green").json()
    assert client.get(f"/api/v1/evidence/{item['id']}", headers=bearer(w.ph_token)).status_code == 200
    assert client.get(f"/api/v1/evidence/{item['id']}", headers=bearer(w.kh_token)).status_code == 404, \
        "GREEN evidence on an operation Cambodia does not take part in stays hidden from it"
    refused = upload(client, w.kh_token, ("operation", op_id), b"x", "x.txt", "text/plain")
    assert refused.status_code == 404 and refused.json()["field"] == "subject_id"
