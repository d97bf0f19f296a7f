"""Delisting: a request reaches the owners behind the verdict, with a deadline; upholding withdraws their public statements."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from aspjoc.audit import AuditEvent
from aspjoc.intel.models import Statement
from aspjoc.public.models import DelistingRequest
from public_helpers import HTML, Region, csrf, form_token, sign_in
from support import T0, Factory

SHOP = "https://bargain-phones.example.com/shop"


def _ask(client: TestClient, q: str = SHOP, **changes: str) -> Any:
    data = {"form_token": form_token(client, "/public/delist"), "q": q, "country": "",
            "reason": "This is my shop; the scam site copied its name.", "contact": "owner@bargain-phones.example.com"}
    return client.post("/public/delist", data={**data, **changes})


def _arrange(make: Factory) -> tuple[Region, int, int, int]:
    w = Region(make, can_sign_in=("vendor", "th", "ph"))
    vendor = w.state(w.vendor_user, SHOP, tlp="clear", public_use=True, crime_type="online_fraud")
    th_public = w.state(w.th_user, SHOP, tlp="amber", public_use=True, crime_type="online_fraud")
    th_private = w.state(w.th_user, SHOP, tlp="red", crime_type="online_fraud", source="case file")
    w.state(w.ph_user, SHOP, tlp="green", crime_type="online_fraud")
    return w, vendor, th_public, th_private


def test_request_reaches_each_owner_behind_the_verdict_with_a_deadline(client: Any, make: Factory) -> None:
    w, *_ = _arrange(make)
    reply = _ask(client)
    assert reply.status_code == 201
    reference = re.search(r'id="reference">([^<]+)<', reply.text).group(1)  # type: ignore[union-attr]
    with make.db.reader() as s:
        rows = s.scalars(select(DelistingRequest).order_by(DelistingRequest.owner_org_id)).unique().all()
    assert {r.owner_org_id for r in rows} == {w.vendor.id, w.th.id}
    assert {(r.reference, r.status, r.deadline) for r in rows} == {(reference, "open", T0 + timedelta(days=14))}
    sign_in(client, "analyst@ph.aspjoc.test")
    assert "No delisting requests" in client.get("/delisting", headers=HTML).text
    assert client.get(f"/delisting/{rows[0].id}", headers=HTML).status_code == 404
    sign_in(client, "analyst@vendor.aspjoc.test")
    queue = client.get("/delisting", headers=HTML).text
    assert reference in queue and SHOP in queue


def test_a_value_that_is_not_reported_has_nothing_to_review(client: Any, make: Factory) -> None:
    w = Region(make)
    w.state(w.th_user, "+66 81 234 5678", tlp="red")
    reply = _ask(client, q="+66812345678")
    assert reply.status_code == 200 and 'id="not-listed"' in reply.text
    assert 'id="reference"' not in reply.text
    with make.db.reader() as s:
        assert s.scalars(select(DelistingRequest)).all() == []


def test_upholding_withdraws_only_the_owners_public_statements_and_clears_the_verdict(client: Any, make: Factory) -> None:
    w, vendor, th_public, th_private = _arrange(make)
    _ask(client)
    sign_in(client, "analyst@th.aspjoc.test")
    with make.db.reader() as s:
        th_request = s.scalars(select(DelistingRequest).where(DelistingRequest.owner_org_id == w.th.id)).unique().one()
    page = client.get(f"/delisting/{th_request.id}", headers=HTML)
    assert "This is my shop" in page.text and "owner@bargain-phones.example.com" in page.text
    decided = client.post(f"/delisting/{th_request.id}/decide", data={"csrf_token": csrf(page.text), "decision": "uphold",
                                                                      "note": "shop verified"}, follow_redirects=False)
    assert decided.status_code == 303
    again = client.post(f"/delisting/{th_request.id}/decide", data={"csrf_token": csrf(page.text), "decision": "reject"},
                        headers=HTML)
    assert again.status_code == 409
    with make.db.reader() as s:
        withdrawn = {sid: s.get(Statement, sid).withdrawn for sid in (vendor, th_public, th_private)}  # type: ignore[union-attr]
        assert withdrawn == {vendor: False, th_public: True, th_private: False}
        request = s.get(DelistingRequest, th_request.id)
        assert (request.status, request.decided_at, request.withdrawn_statements) == ("upheld", T0, 1)  # type: ignore[union-attr]
        actions = set(s.scalars(select(AuditEvent.action)))
        assert {"statement.withdraw", "delisting.upheld", "delisting.create"} <= actions
    assert client.get("/public/api/check", params={"q": SHOP}).json()["reports"] == 1
    sign_in(client, "analyst@vendor.aspjoc.test")
    with make.db.reader() as s:
        vendor_request = s.scalars(select(DelistingRequest).where(DelistingRequest.owner_org_id == w.vendor.id)).unique().one()
    page = client.get(f"/delisting/{vendor_request.id}", headers=HTML)
    client.post(f"/delisting/{vendor_request.id}/decide", data={"csrf_token": csrf(page.text), "decision": "uphold"})
    assert client.get("/public/api/check", params={"q": SHOP}).json()["verdict"] == "not_reported"


def test_rejecting_keeps_the_listing(client: Any, make: Factory) -> None:
    w, vendor, *_ = _arrange(make)
    _ask(client)
    sign_in(client, "analyst@vendor.aspjoc.test")
    with make.db.reader() as s:
        request_id = s.scalars(select(DelistingRequest.id).where(DelistingRequest.owner_org_id == w.vendor.id)).one()
    page = client.get(f"/delisting/{request_id}", headers=HTML)
    client.post(f"/delisting/{request_id}/decide", data={"csrf_token": csrf(page.text), "decision": "reject"})
    with make.db.reader() as s:
        assert s.get(Statement, vendor).withdrawn is False  # type: ignore[union-attr]
        assert s.get(DelistingRequest, request_id).status == "rejected"  # type: ignore[union-attr]
    assert client.get("/public/api/check", params={"q": SHOP}).json()["reports"] == 2


def test_missing_reason_or_contact_is_named(client: Any, make: Factory) -> None:
    _arrange(make)
    for field in ("reason", "contact"):
        reply = _ask(client, **{field: ""})
        assert reply.status_code == 422 and 'id="form-error"' in reply.text
