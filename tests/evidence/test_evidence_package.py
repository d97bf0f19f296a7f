"""Evidence packages for MLA requests, and tamper detection by the API, the console's verify and the CLI."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from aspjoc.cli import app as cli
from evidence_helpers import Casework, stored_path, tamper, upload
from support import Factory, bearer

FILES = {"chat-export.txt": b"[10:02] coach: deposit 500 USDT today for the VIP signal\n" * 200,
         "wallet-screenshot.png": b"\x89PNG\r\n\x1a\n" + b"\x00\x10" * 5000,
         "bank-statement.pdf": b"%PDF-1.7\n" + b"0" * 30000 + b"\n%%EOF\n"}


def _attach_all(client: Any, w: Casework) -> dict[str, Any]:
    items = {}
    for name, content in FILES.items():
        kind = {"txt": "text/plain", "png": "image/png", "pdf": "application/pdf"}[name.rsplit(".", 1)[1]]
        reply = upload(client, w.th_token, ("entity", w.th_entity), content, name, kind)
        assert reply.status_code == 201, reply.text
        items[name] = reply.json()
    return items


def test_package_manifest_hashes_match_the_files_and_carry_the_custody_log(client: Any, make: Factory,
                                                                          tmp_path: Path) -> None:
    w = Casework(make)
    items = _attach_all(client, w)
    client.get(f"/api/v1/evidence/{items['chat-export.txt']['id']}/content", headers=bearer(w.th_token))
    reply = client.post("/api/v1/evidence/export", json={
        "subject_type": "entity", "subject_id": str(w.th_entity), "purpose": "Mutual legal assistance request",
        "reference": "MLA-2026-041", "recipient": "Central Authority, Philippines"}, headers=bearer(w.th_token))
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(reply.content))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["package"]["reference"] == "MLA-2026-041"
    assert len(manifest["items"]) == 3
    for entry in manifest["items"]:
        data = archive.read(entry["path"])
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] == items[entry["filename"]]["sha256"]
        assert len(data) == entry["size"] and data == FILES[entry["filename"]]
        assert entry["subject"] == {"type": "entity", "id": str(w.th_entity)} and entry["marking"] == "TLP:AMBER+STRICT"
    archive.extractall(tmp_path)
    checked = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path, capture_output=True, text=True)
    assert checked.returncode == 0 and checked.stdout.count(": OK") == 3, checked.stdout + checked.stderr
    custody = json.loads(archive.read("custody.json"))
    chat = [e["action"] for e in custody if e["evidence_id"] == items["chat-export.txt"]["id"]]
    assert chat == ["intake", "download", "export"]
    assert all(e["intact"] and e["sha256"] for e in custody)
    assert {e["purpose"] for e in custody if e["action"] == "export"} == {"Mutual legal assistance request"}
    html = archive.read("custody.html").decode()
    assert "MLA-2026-041" in html and "Chain of custody" in html and items["bank-statement.pdf"]["sha256"] in html
    log = client.get(f"/api/v1/evidence/{items['bank-statement.pdf']['id']}/custody", headers=bearer(w.th_token)).json()
    assert log[-1]["action"] == "export" and log[-1]["purpose"] == "Mutual legal assistance request"


def test_a_stored_file_changed_on_disk_is_detected_and_named_everywhere(client: Any, make: Factory, settings: Any) -> None:
    w = Casework(make)
    items = _attach_all(client, w)
    changed = items["wallet-screenshot.png"]
    tamper(stored_path(settings, changed["sha256"]))
    verified = client.post("/api/v1/evidence/verify", json={"subject_type": "entity", "subject_id": str(w.th_entity)},
                           headers=bearer(w.th_token)).json()
    assert (verified["checked"], verified["failed"]) == (3, 1)
    bad = [f for f in verified["findings"] if f["status"] != "intact"]
    assert [(f["evidence_id"], f["filename"], f["status"]) for f in bad] == [(changed["id"], "wallet-screenshot.png", "changed")]
    assert bad[0]["actual"] != bad[0]["expected"] == changed["sha256"]
    served = client.get(f"/api/v1/evidence/{changed['id']}/content", headers=bearer(w.th_token))
    assert served.status_code == 409 and "wallet-screenshot.png" in served.json()["reason"]
    package = client.post("/api/v1/evidence/export", json={"evidence_ids": [i["id"] for i in items.values()],
                                                           "purpose": "preservation"}, headers=bearer(w.th_token))
    assert package.status_code == 409 and f"{changed['id']} (wallet-screenshot.png)" in package.json()["reason"]
    log = client.get(f"/api/v1/evidence/{changed['id']}/custody", headers=bearer(w.th_token)).json()
    assert [(e["action"], e["intact"]) for e in log] == [("intake", True), ("verify", False), ("download", False),
                                                        ("export", False)]
    record = client.get(f"/api/v1/evidence/{changed['id']}", headers=bearer(w.th_token)).json()
    assert record["last_verify_ok"] is False


def test_cli_verify_names_changed_and_missing_files(client: Any, make: Factory, settings: Any,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    w = Casework(make)
    items = _attach_all(client, w)
    monkeypatch.setenv("ASPJOC_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ASPJOC_DATA_DIR", str(settings.data_dir))
    clean = CliRunner().invoke(cli, ["evidence", "verify"])
    assert clean.exit_code == 0 and "All 3 evidence files match" in clean.output
    tamper(stored_path(settings, items["chat-export.txt"]["sha256"]))
    stored_path(settings, items["bank-statement.pdf"]["sha256"]).unlink()
    broken = CliRunner().invoke(cli, ["evidence", "verify"])
    assert broken.exit_code == 1
    assert "2 of 3 evidence files fail" in broken.output
    assert f"evidence {items['chat-export.txt']['id']} (chat-export.txt) changed" in broken.output
    assert f"evidence {items['bank-statement.pdf']['id']} (bank-statement.pdf) missing" in broken.output
