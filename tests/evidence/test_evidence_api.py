"""Evidence through the REST API: intake hashing, immutable storage, custody of every access, limits and errors."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path
from typing import Any

from sqlalchemy import select

from aspjoc import audit
from aspjoc.audit import AuditEvent
from aspjoc.config import Settings
from aspjoc.web.app import create_app
from evidence_helpers import Casework, stored_path, upload
from support import Factory, bearer

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40


def test_upload_is_hashed_stored_read_only_and_logged_in_custody_and_audit(client: Any, make: Factory, settings: Any) -> None:
    w = Casework(make)
    reply = upload(client, w.th_token, ("entity", w.th_entity), PNG, description="Screenshot of the fake trading app")
    assert reply.status_code == 201, reply.text
    item = reply.json()
    assert item["sha256"] == hashlib.sha256(PNG).hexdigest() and item["size"] == len(PNG)
    assert item["marking"]["tlp"] == "amber+strict" and item["custodian"]["name"] == "Thai Cyber Unit"
    path = stored_path(settings, item["sha256"])
    assert path.read_bytes() == PNG
    assert stat.S_IMODE(os.stat(path).st_mode) & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) == 0
    assert not list((Path(settings.data_dir) / "evidence" / "incoming").iterdir())
    log = client.get(f"/api/v1/evidence/{item['id']}/custody", headers=bearer(w.th_token)).json()
    assert [(e["action"], e["sha256"], e["intact"], e["actor"]) for e in log] == [
        ("intake", item["sha256"], True, "inv@th.aspjoc.test")]
    with make.db.reader() as s:
        event = s.scalar(select(AuditEvent).where(AuditEvent.hash == log[0]["audit_hash"]))
        assert event is not None and event.action == "evidence.intake"
        assert audit.verify(s)[1] is None


def test_every_view_and_download_is_a_custody_event_with_the_hash_at_that_moment(client: Any, make: Factory) -> None:
    w = Casework(make)
    item = upload(client, w.th_token, ("entity", w.th_entity), PNG).json()
    make.clock.advance(hours=2)
    downloaded = client.get(f"/api/v1/evidence/{item['id']}/content", params={"purpose": "case review"},
                            headers=bearer(w.th_token))
    assert downloaded.status_code == 200 and downloaded.content == PNG
    assert downloaded.headers["content-disposition"].startswith("attachment")
    assert downloaded.headers["x-evidence-sha256"] == item["sha256"]
    viewed = client.get(f"/api/v1/evidence/{item['id']}/content", params={"inline": "true"}, headers=bearer(w.th_token))
    assert viewed.headers["content-disposition"].startswith("inline") and viewed.headers["content-type"] == "image/png"
    log = client.get(f"/api/v1/evidence/{item['id']}/custody", headers=bearer(w.th_token)).json()
    assert [e["action"] for e in log] == ["intake", "download", "view"]
    assert log[1]["purpose"] == "case review" and log[1]["at"].startswith("2026-06-01T11:00")
    assert all(e["sha256"] == item["sha256"] and e["intact"] for e in log)


def test_active_content_is_never_served_inline(client: Any, make: Factory) -> None:
    w = Casework(make)
    kit = b"<html><script>alert(document.cookie)</script></html>"
    item = upload(client, w.th_token, ("entity", w.th_entity), kit, "kit.html", "text/html").json()
    reply = client.get(f"/api/v1/evidence/{item['id']}/content", params={"inline": "true"}, headers=bearer(w.th_token))
    assert reply.headers["content-disposition"].startswith("attachment")
    assert reply.headers["content-type"] == "application/octet-stream"
    assert "sandbox" in reply.headers["content-security-policy"] and reply.headers["x-content-type-options"] == "nosniff"


def test_upload_over_the_limit_is_refused_while_streaming_and_leaves_nothing(make: Factory, db: Any, clock: Any,
                                                                            tmp_path: Path, database_url: str) -> None:
    from fastapi.testclient import TestClient

    small = Settings(database_url=database_url, data_dir=tmp_path / "small", evidence_max_upload_mb=1)
    w = Casework(make)
    with TestClient(create_app(small, clock=clock, db=db)) as client:
        big = upload(client, w.th_token, ("entity", w.th_entity), b"x" * (3 << 20), "dump.bin", "application/octet-stream")
        assert big.status_code == 413 and big.json()["field"] == "file"
        fits = upload(client, w.th_token, ("entity", w.th_entity), b"y" * (1 << 20), "ok.bin", "application/octet-stream")
        assert fits.status_code == 201, fits.text
    leftovers = [p for p in (tmp_path / "small" / "evidence").rglob("*") if p.is_file()]
    assert leftovers == [stored_path(small, fits.json()["sha256"])]


def test_bad_uploads_name_the_field(client: Any, make: Factory) -> None:
    w = Casework(make)
    cases = [
        (upload(client, w.th_token, ("planet", 1), PNG), 422, "subject_type"),
        (upload(client, w.th_token, ("entity", ""), PNG), 422, "subject_id"),
        (upload(client, w.th_token, ("entity", 9999), PNG), 404, "subject_id"),
        (upload(client, w.th_token, ("entity", w.th_entity), PNG, tlp="purple"), 422, "marking.tlp"),
        (upload(client, w.th_token, ("entity", w.th_entity), PNG, organisations="Nobody"), 404, "organisation"),
        (client.post("/api/v1/evidence", data={"subject_type": "entity", "subject_id": str(w.th_entity)},
                     headers=bearer(w.th_token)), 422, "content-type"),
        (client.post("/api/v1/evidence", json={"subject_type": "entity"}, headers=bearer(w.th_token)), 422, "content-type"),
        (client.post("/api/v1/evidence", content=b"--b\r\nbroken", headers={**bearer(w.th_token),
                     "content-type": "multipart/form-data; boundary=b"}), 422, "file"),
    ]
    for reply, status, field in cases:
        assert (reply.status_code, reply.json()["field"]) == (status, field), reply.text
    viewer = make.token(make.user("viewer@th.aspjoc.test", w.th, role="viewer", password=None))
    refused = upload(client, viewer, ("entity", w.th_entity), PNG)
    assert refused.status_code == 403 and refused.json()["field"] == "role"
    assert client.get("/api/v1/evidence").status_code == 401


def test_transfer_hands_custody_over_and_opens_the_item_to_the_receiver(client: Any, make: Factory) -> None:
    w = Casework(make)
    item = upload(client, w.th_token, ("entity", w.th_entity), PNG).json()
    assert client.get(f"/api/v1/evidence/{item['id']}", headers=bearer(w.ph_token)).status_code == 404
    moved = client.post(f"/api/v1/evidence/{item['id']}/transfer", json={"to_organisation": "Philippine Cyber Unit",
                                                                        "purpose": "MLA request PH-2026-77"},
                        headers=bearer(w.th_token))
    assert moved.status_code == 200, moved.text
    assert (moved.json()["from_organisation"], moved.json()["to_organisation"]) == ("Thai Cyber Unit", "Philippine Cyber Unit")
    seen = client.get(f"/api/v1/evidence/{item['id']}", headers=bearer(w.ph_token))
    assert seen.status_code == 200 and seen.json()["custodian"]["name"] == "Philippine Cyber Unit"
    again = client.post(f"/api/v1/evidence/{item['id']}/transfer", json={"to_organisation": "Philippine Cyber Unit",
                                                                        "purpose": "again"}, headers=bearer(w.th_token))
    assert again.status_code == 422 and again.json()["field"] == "to_organisation"
    no_reason = client.post(f"/api/v1/evidence/{item['id']}/transfer", json={"to_organisation": "Regional Hub",
                                                                            "purpose": " "}, headers=bearer(w.ph_token))
    assert no_reason.status_code == 422 and no_reason.json()["field"] == "purpose"
    widen = client.post(f"/api/v1/evidence/{item['id']}/transfer", json={"to_organisation": "Cambodian Cyber Unit",
                                                                        "purpose": "onward"}, headers=bearer(w.ph_token))
    assert widen.status_code == 403, "the custodian may not open the owner's marking to a third country"


def test_evidence_routes_are_in_the_openapi_document(client: Any) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "multipart/form-data" in paths["/api/v1/evidence"]["post"]["requestBody"]["content"]
    for path in ("/api/v1/evidence/{evidence_id}", "/api/v1/evidence/{evidence_id}/content",
                 "/api/v1/evidence/{evidence_id}/custody", "/api/v1/evidence/{evidence_id}/transfer",
                 "/api/v1/evidence/export", "/api/v1/evidence/verify"):
        assert path in paths, path
