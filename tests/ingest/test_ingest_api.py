"""POST /api/v1/ingest (upload or JSON records), the runs and rejections it leaves, and who may see them."""

from __future__ import annotations

from typing import Any

from support import Factory, bearer

FEED = b"# list\n198.51.100.10\nhxxp://phish[.]example/login\nnot an identifier\n8.8.8.8\n"


def _setup(make: Factory) -> tuple[Any, Any, str, str]:
    fj = make.org("Fiji Cyber Unit", "FJ")
    th = make.org("Thai Cyber Unit", "TH")
    return fj, th, make.token(make.user("a@fj.aspjoc.test", fj)), make.token(make.user("b@th.aspjoc.test", th))


def test_upload_answers_the_summary_with_rejections(client: Any, make: Factory) -> None:
    _, _, token, _ = _setup(make)
    reply = client.post("/api/v1/ingest", headers=bearer(token), files={"file": ("feed.txt", FEED, "text/plain")},
                        data={"format": "list", "tlp": "amber+strict", "source": "partner feed"})
    assert reply.status_code == 201, reply.text
    body = reply.json()
    assert (body["read"], body["stored"], body["new"], body["rejected"], body["flagged"]) == (4, 3, 3, 1, 1)
    assert body["status"] == "complete" and body["format"] == "list"
    assert body["rejections"] == [{"index": 4, "field": "value", "reason": body["rejections"][0]["reason"],
                                   "raw": "not an identifier"}]
    statements = client.get("/api/v1/statements", headers=bearer(token)).json()
    assert statements["total"] == 3
    assert {s["marking"]["tlp"] for s in statements["items"]} == {"amber+strict"}
    assert {s["source"] for s in statements["items"]} == {"partner feed"}


def test_json_records_are_ingested_and_bad_fields_named(client: Any, make: Factory) -> None:
    _, _, token, _ = _setup(make)
    body = {"source": "case 17", "tlp": "red", "crime_type": "investment_scam",
            "records": [{"value": "+66 81 234 5678", "confidence": 80}, {"value": "TH:004:1234567890", "type": "bank_account"},
                        {"value": "+66 12", "type": "phone"}]}
    reply = client.post("/api/v1/ingest", headers=bearer(token), json=body)
    assert reply.status_code == 201, reply.text
    assert (reply.json()["stored"], reply.json()["rejected"]) == (2, 1)
    assert reply.json()["rejections"][0]["index"] == 3
    bad = client.post("/api/v1/ingest", headers=bearer(token), json={**body, "tlp": "purple"})
    assert bad.status_code == 422 and bad.json()["field"] == "tlp"
    missing = client.post("/api/v1/ingest", headers=bearer(token), json={"tlp": "red", "records": []})
    assert missing.status_code == 422 and missing.json()["field"] == "source"


def test_upload_errors_name_the_field(client: Any, make: Factory) -> None:
    _, _, token, _ = _setup(make)
    for data, field in [({"format": "nope", "tlp": "amber", "source": "s"}, "format"),
                        ({"format": "list", "tlp": "amber"}, "source"),
                        ({"format": "csv", "tlp": "amber", "source": "s", "map": "value=missing"}, "map")]:
        reply = client.post("/api/v1/ingest", headers=bearer(token), files={"file": ("f.csv", b"a,b\n1,2\n", "text/csv")}, data=data)
        assert reply.status_code == 422, reply.text
        assert reply.json()["field"] == field


def test_viewers_may_not_ingest(client: Any, make: Factory) -> None:
    org = make.org("Tonga Cyber Unit", "TO")
    token = make.token(make.user("v@to.aspjoc.test", org, role="viewer"))
    reply = client.post("/api/v1/ingest", headers=bearer(token), json={"source": "s", "records": [{"value": "198.51.100.1"}]})
    assert reply.status_code == 403


def test_a_run_and_its_rejected_lines_are_invisible_to_another_country(client: Any, make: Factory) -> None:
    _, _, fj_token, th_token = _setup(make)
    secret = b"+679 999 0001\nsecret-informant-line-that-is-not-an-identifier\n"
    reply = client.post("/api/v1/ingest", headers=bearer(fj_token), files={"file": ("red.txt", secret, "text/plain")},
                        data={"format": "list", "tlp": "red", "source": "informant"})
    run_id = reply.json()["run_id"]
    assert client.get(f"/api/v1/ingest/runs/{run_id}", headers=bearer(fj_token)).status_code == 200
    assert client.get(f"/api/v1/ingest/runs/{run_id}", headers=bearer(th_token)).status_code == 404
    assert client.get(f"/api/v1/ingest/runs/{run_id}/rejections", headers=bearer(th_token)).status_code == 404
    assert client.get("/api/v1/ingest/runs", headers=bearer(th_token)).json()["items"] == []
    own = client.get(f"/api/v1/ingest/runs/{run_id}/rejections", headers=bearer(fj_token)).json()
    assert own[0]["raw"].startswith("secret-informant")
    assert "secret-informant" not in client.get("/ingest", headers=bearer(th_token)).text
    assert client.get(f"/ingest/runs/{run_id}", headers=bearer(th_token)).status_code == 404
    statements = client.get("/api/v1/statements", headers=bearer(th_token)).json()
    assert statements["total"] == 0  # the RED statement itself stays behind the gate


def test_the_lookup_page_shows_known_good_flags(client: Any, make: Factory) -> None:
    _, _, token, _ = _setup(make)
    flagged = client.get("/lookup", params={"q": "8.8.8.8"}, headers={**bearer(token), "Accept": "text/html"})
    assert flagged.status_code == 200 and 'id="known-good"' in flagged.text and "DNS resolvers" in flagged.text
    plain = client.get("/lookup", params={"q": "198.51.100.200"}, headers={**bearer(token), "Accept": "text/html"})
    assert plain.status_code == 200 and 'id="known-good"' not in plain.text
