"""Scam reports: routed to the reporter's national unit, AMBER victim statements for that unit only, correlated, triaged."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from aspjoc.audit import AuditEvent
from aspjoc.intel import service
from aspjoc.intel.models import Notice, Statement
from aspjoc.marking import TLP, Marking, MarkingRecipient
from aspjoc.public.models import PublicReport
from public_helpers import HTML, Region, csrf, form_token, sign_in
from support import Factory

REPORT = {
    "narrative": "Someone on Line offered a part-time job, then asked me to pay a deposit to "
                 "https://jobs-th-deposit.example.com/pay and to call +66 81 234 5678.",
    "identifiers": "081 999 1234\nTTn1QSCYXYSZteYU2AyRLFuwN7fU4SjoiA\nnot an identifier at all",
    "bank_code": "004", "account_number": "123-4-56789-0",
    "crime_type": "online_fraud", "occurred_on": "2026-05-30", "amount": "15000", "currency": "THB", "country": "TH",
    "contact_name": "Somchai", "contact_email": "somchai@example.org", "contact_phone": "",
}


def _send(client: TestClient, **changes: str) -> Any:
    return client.post("/public/report", data={"form_token": form_token(client, "/public/report"), **REPORT, **changes})


def test_report_goes_to_the_reporters_national_unit_as_amber_victim_statements_for_it_alone(client: Any, make: Factory) -> None:
    w = Region(make)
    reply = _send(client)
    assert reply.status_code == 201, reply.text
    reference = re.search(r'id="reference">([^<]+)<', reply.text).group(1)  # type: ignore[union-attr]
    assert re.fullmatch(r"SR-2026-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}", reference)
    with make.db.reader() as s:
        report = s.scalars(select(PublicReport)).one()
        assert (report.reference, report.org_id, report.amount_micros, report.currency) == (reference, w.th.id, 15_000_000_000, "THB")
        statements = s.scalars(select(Statement).where(Statement.source == f"public report {reference}")).unique().all()
        values = sorted(st.observable.value for st in statements)
        assert values == sorted(["+66812345678", "+66819991234", "https://jobs-th-deposit.example.com/pay",
                                 "tron:TTn1QSCYXYSZteYU2AyRLFuwN7fU4SjoiA", "TH:004:1234567890"])
        assert {(st.kind, st.owner_org_id, st.crime_type) for st in statements} == {("victim", w.th.id, "online_fraud")}
        marking = s.get(Marking, statements[0].marking_id)
        recipients = s.scalars(select(MarkingRecipient.org_id).where(MarkingRecipient.marking_id == marking.id)).all()  # type: ignore[union-attr]
        assert (TLP(marking.tlp), marking.public_use, marking.owner_org_id, recipients) == (TLP.AMBER, False, w.th.id, [w.th.id])  # type: ignore[union-attr]
        assert all("somchai" not in st.description.lower() for st in statements)
        assert s.scalar(select(AuditEvent.id).where(AuditEvent.action == "public_report.create")) is not None


def test_report_correlates_and_the_other_holder_hears_of_a_match_without_details(client: Any, make: Factory) -> None:
    w = Region(make)
    ph_statement = w.state(w.ph_user, "+66 81 234 5678", tlp="green", crime_type="investment_scam")
    assert _send(client).status_code == 201
    with make.db.reader() as s:
        ph_notice = s.scalars(select(Notice).where(Notice.org_id == w.ph.id, Notice.kind == "match")).one()
        assert "Royal Thai Police" not in ph_notice.message and "Another organisation" in ph_notice.message
        th_notice = s.scalars(select(Notice).where(Notice.org_id == w.th.id, Notice.kind == "match")).one()
        assert th_notice.statement_id == ph_statement and "Philippine" in th_notice.message
        ph = make.principal(w.ph_user)
        result = service.lookup(s, ph, "https://jobs-th-deposit.example.com/pay", make.clock.now())
        assert result.statements == [] and result.held_elsewhere is True


def test_report_from_a_country_without_a_unit_goes_to_the_hub(client: Any, make: Factory) -> None:
    w = Region(make)
    assert _send(client, country="FJ", bank_code="", account_number="").status_code == 201
    assert _send(client, country="", bank_code="", account_number="").status_code == 201
    with make.db.reader() as s:
        assert set(s.scalars(select(PublicReport.org_id))) == {w.hub.id}


def test_bad_fields_are_named_and_the_form_keeps_what_was_typed(client: Any, make: Factory) -> None:
    Region(make)
    cases = {"narrative": {"narrative": ""}, "amount": {"amount": "lots"}, "occurred_on": {"occurred_on": "2099-01-01"},
             "bank_code": {"bank_code": ""}, "contact_email": {"contact_email": "not-an-address"}}
    for field, change in cases.items():
        reply = _send(client, **change)
        assert reply.status_code == 422, (field, reply.text)
        assert 'id="form-error"' in reply.text and 'value="Somchai"' in reply.text, field
    for forged in ("forged", "forgé"):
        missing_token = client.post("/public/report", data={**REPORT, "form_token": forged})
        assert missing_token.status_code == 400 and "expired" in missing_token.text
    with make.db.reader() as s:
        assert s.scalars(select(PublicReport)).all() == []


def test_queue_shows_reports_to_the_receiving_unit_only_and_triage_is_audited(client: Any, make: Factory) -> None:
    Region(make, can_sign_in=("th", "ph"))
    _send(client)
    with make.db.reader() as s:
        report_id = s.scalars(select(PublicReport.id)).one()
    sign_in(client, "analyst@ph.aspjoc.test")
    assert "No public reports" in client.get("/public-reports", headers=HTML).text
    assert client.get(f"/public-reports/{report_id}", headers=HTML).status_code == 404
    sign_in(client, "analyst@th.aspjoc.test")
    queue = client.get("/public-reports", headers=HTML)
    assert "SR-2026-" in queue.text and "TLP:AMBER" in queue.text
    detail = client.get(f"/public-reports/{report_id}", headers=HTML)
    assert detail.status_code == 200 and "/lookup?q=%2B66812345678&amp;type=phone" in detail.text
    token = csrf(detail.text)
    skip = client.post(f"/public-reports/{report_id}/status", data={"csrf_token": token, "status": "linked"}, headers=HTML)
    assert skip.status_code == 409
    for status in ("triaged", "linked"):
        moved = client.post(f"/public-reports/{report_id}/status", data={"csrf_token": token, "status": status,
                                                                         "note": f"now {status}"}, follow_redirects=False)
        assert moved.status_code == 303
    with make.db.reader() as s:
        assert s.get(PublicReport, report_id).status == "linked"  # type: ignore[union-attr]
        moves = s.scalars(select(AuditEvent.detail).where(AuditEvent.action == "public_report.status")).all()
        assert len(moves) == 2 and '"to":"linked"' in moves[1]
