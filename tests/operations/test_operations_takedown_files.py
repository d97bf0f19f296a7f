"""Takedown notices carry their evidence files: MIME attachments by SMTP (a real local server) and in the .eml
export, the SHA-256 of each in the text, every transfer in the custody log, and only files that the sender,
the provider and every reader of the request may see."""

from __future__ import annotations

import hashlib
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from aspjoc.intel.models import Observable
from aspjoc.web.app import create_app
from evidence.evidence_helpers import stored_path, tamper
from operations_helpers import SmtpSink, World, build_world
from support import Factory, bearer

DOMAIN = "login-coralbank.phish.example"
PAGE = b"\x89PNG\r\n\x1a\n screenshot of the fake Coral Bank login page"
KIT = b"PK\x03\x04 phishing kit as seized from the host"
STRICT = b"STRICT-TH registrar account logins from Bangkok"
RED = b"RED-TH informant notes"


def _client(app: Any, port: int | None) -> TestClient:
    settings = app.state.settings.model_copy(update={"smtp_host": "127.0.0.1" if port else "", "smtp_port": port or 25,
                                                     "smtp_from": "hub-desk@hub.aspjoc.test", "takedown_response_hours": 24})
    return TestClient(create_app(settings, clock=app.state.clock, db=app.state.db))


def _upload(client: TestClient, token: str, subject: tuple[str, int], content: bytes, filename: str,
            content_type: str, tlp: str, organisations: list[str] | None = None) -> int:
    reply = client.post("/api/v1/evidence", headers=bearer(token), files={"file": (filename, content, content_type)},
                        data={"subject_type": subject[0], "subject_id": str(subject[1]), "tlp": tlp,
                              "organisations": organisations or [], "description": f"{filename} for the takedown"})
    assert reply.status_code == 201, reply.text
    return int(reply.json()["id"])


def _arrange(client: TestClient, w: World) -> dict[str, Any]:
    """A target with a GREEN screenshot, a CLEAR kit on its identifier, and TH's AMBER+STRICT and RED files."""
    op = w.operation()
    w.state("hub", DOMAIN, "clear", "CLEAR: kit hosted here")
    target = client.post(f"/api/v1/operations/{op}/targets", json={"observable": {"value": DOMAIN}, "country": "TH",
                                                                    "action": "takedown"}, headers=bearer(w.tokens["hub"])).json()
    hub, th = w.tokens["hub"], w.tokens["th"]
    with w.make.db.reader() as s:
        observable = s.scalar(select(Observable.id).where(Observable.value == DOMAIN))
    assert observable is not None
    ids = {"op": op, "target": target["id"],
           "page": _upload(client, hub, ("target", target["id"]), PAGE, "page.png", "image/png", "green"),
           "kit": _upload(client, hub, ("observable", observable), KIT, "kit.zip", "application/zip",
                          "clear"),
           "strict": _upload(client, th, ("target", target["id"]), STRICT, "strict-th.txt", "text/plain", "amber+strict",
                             ["Thai Cyber Unit", "Regional Hub", "Example Registry"]),
           "red": _upload(client, th, ("target", target["id"]), RED, "red-th.txt", "text/plain", "red", ["Regional Hub"])}
    return ids


def _draft(client: TestClient, w: World, ids: dict[str, Any], provider_org: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"target_id": ids["target"], "provider_kind": "registrar", "provider_name": "Example Registry",
                            "provider_email": "abuse@registry.example"}
    if provider_org:
        body["provider_org"] = "Example Registry"
    reply = client.post(f"/api/v1/operations/{ids['op']}/takedowns", json=body, headers=bearer(w.tokens["hub"]))
    assert reply.status_code == 201, reply.text
    return reply.json()  # type: ignore[no-any-return]


def _attachments(message: Message) -> dict[str, bytes]:
    assert isinstance(message, EmailMessage)
    return {part.get_filename() or "": part.get_payload(decode=True) for part in message.iter_attachments()}  # type: ignore[misc]


def _custody(client: TestClient, token: str, item: int) -> list[dict[str, Any]]:
    return client.get(f"/api/v1/evidence/{item}/custody", headers=bearer(token)).json()  # type: ignore[no-any-return]


def test_files_go_as_attachments_with_their_hashes_and_each_transfer_is_logged(app: Any, make: Factory) -> None:
    w = build_world(make)
    with SmtpSink() as sink, _client(app, sink.port) as client:
        ids = _arrange(client, w)
        td = _draft(client, w, ids, provider_org=True)
        links = [f'href="/evidence/{ids[key]}"' for key in ("page", "kit")]
        draft_page = client.get(f"/operations/takedowns/{td['id']}", headers=bearer(w.tokens["hub"])).text
        assert "Files it attaches" in draft_page and all(link in draft_page for link in links)
        sent = client.post(f"/api/v1/takedowns/{td['id']}/send", headers=bearer(w.tokens["hub"])).json()
        assert sent["status"] == "sent", sent
        for who in ("hub", "ph"):  # the sender, and a unit that reads the request
            sent_page = client.get(f"/operations/takedowns/{td['id']}", headers=bearer(w.tokens[who])).text
            assert "Files sent" in sent_page and all(link in sent_page for link in links), who
        (_, _, message), = sink.messages
        files = _attachments(message)
        assert files == {"page.png": PAGE, "kit.zip": KIT}
        text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert text.replace("\r\n", "\n").rstrip("\n") == sent["body"]
        for content in (PAGE, KIT):
            assert f"SHA-256 {hashlib.sha256(content).hexdigest()}" in sent["body"]
        for hidden in ("strict-th.txt", "red-th.txt", hashlib.sha256(STRICT).hexdigest(), hashlib.sha256(RED).hexdigest()):
            assert hidden not in sent["body"]
        send, = [e for e in _custody(client, w.tokens["hub"], ids["page"]) if e["action"] == "send"]
        assert send["purpose"] == f"takedown request TD-{td['id']}" and send["to_organisation"] == "Example Registry"
        assert send["sha256"] == hashlib.sha256(PAGE).hexdigest() and send["intact"] is True
        assert [e["action"] for e in _custody(client, w.tokens["th"], ids["strict"])] == ["intake"]

        eml = client.get(f"/api/v1/takedowns/{td['id']}/eml", headers=bearer(w.tokens["ph"]))
        assert eml.status_code == 200
        again = message_from_bytes(eml.content, policy=policy.default)
        assert _attachments(again) == {"kit.zip": KIT, "page.png": PAGE} and again["Message-ID"] == message["Message-ID"]
        exports = [e for e in _custody(client, w.tokens["hub"], ids["kit"]) if e["action"] == "export"]
        assert [(e["actor_organisation"], e["purpose"]) for e in exports] == [("Philippine Cyber Unit",
                                                                             f"takedown request TD-{td['id']}")]


def test_restricted_files_reach_no_reader_of_the_request(app: Any, make: Factory) -> None:
    w = build_world(make)
    with _client(app, None) as client:
        ids = _arrange(client, w)
        td = _draft(client, w, ids, provider_org=True)
        eml = client.get(f"/api/v1/takedowns/{td['id']}/eml", headers=bearer(w.tokens["hub"]))
        assert set(_attachments(message_from_bytes(eml.content, policy=policy.default))) == {"page.png", "kit.zip"}
        for key in ("hub", "ph", "my", "registrar"):
            h = bearer(w.tokens[key])
            seen = client.get(f"/api/v1/takedowns/{td['id']}", headers=h).text + client.get(
                f"/operations/takedowns/{td['id']}", headers=h).text
            if key != "registrar":
                seen += client.get(f"/api/v1/takedowns/{td['id']}/eml", headers=h).text
            assert "strict-th" not in seen and "STRICT-TH" not in seen and "red-th" not in seen and "RED-TH" not in seen, key
        for item in ("strict", "red"):
            assert [e["action"] for e in _custody(client, w.tokens["th"], ids[item])] == ["intake"]


def test_a_provider_outside_the_platform_gets_only_clear_files(app: Any, make: Factory) -> None:
    w = build_world(make)
    with _client(app, None) as client:
        ids = _arrange(client, w)
        td = _draft(client, w, ids, provider_org=False)
        assert "kit.zip" in td["body"] and "page.png" not in td["body"] and td["notice_tlp"] == "clear"
        eml = client.get(f"/api/v1/takedowns/{td['id']}/eml", headers=bearer(w.tokens["hub"]))
        parsed = message_from_bytes(eml.content, policy=policy.default)
        assert _attachments(parsed) == {"kit.zip": KIT}
        export, = [e for e in _custody(client, w.tokens["hub"], ids["kit"]) if e["action"] == "export"]
        assert export["to_organisation"] == "" and export["purpose"] == f"takedown request TD-{td['id']}"


def test_a_changed_file_stops_the_notice_and_is_logged(app: Any, make: Factory) -> None:
    w = build_world(make)
    with SmtpSink() as sink, _client(app, sink.port) as client:
        ids = _arrange(client, w)
        td = _draft(client, w, ids, provider_org=True)
        tamper(stored_path(client.app.state.settings, hashlib.sha256(PAGE).hexdigest()))  # type: ignore[attr-defined]
        failed = client.post(f"/api/v1/takedowns/{td['id']}/send", headers=bearer(w.tokens["hub"])).json()
        assert failed["status"] == "failed" and f"evidence {ids['page']} (page.png) no longer matches" in failed["last_error"]
        assert sink.messages == []
        eml = client.get(f"/api/v1/takedowns/{td['id']}/eml", headers=bearer(w.tokens["hub"]))
        assert eml.status_code == 409 and eml.json()["field"] == "evidence"
        checks = [e for e in _custody(client, w.tokens["hub"], ids["page"]) if e["action"] == "verify"]
        assert len(checks) == 2 and not any(e["intact"] for e in checks)
        assert client.get(f"/api/v1/operations/{ids['op']}/actions", headers=bearer(w.tokens["hub"])).json() == []
