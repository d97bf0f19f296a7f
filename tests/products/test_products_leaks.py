"""Audience-safe products: a GREEN product holds no AMBER value in any rendering, and restricted products
never reach another country through the list, the page, the API, the renderings or the public feed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from products_helpers import create, load, pdf_text, plant, product_in
from sqlalchemy import select
from support import Factory, bearer

from aspjoc.audit import AuditEvent
from aspjoc.clock import FixedClock
from aspjoc.db import Database
from aspjoc.products.export import render
from aspjoc.products.feed import published_objects
from aspjoc.products.service import published_public

AMBER_PHONE = "+6799997731"
GREEN_PHONE = "+6799997732"
AMBER_DOMAIN = "amber-canary-qx7.example"
RED_PHONE = "+66812349901"


def _arrange(make: Factory, clock: FixedClock) -> tuple[Any, Any]:
    """A Fiji analyst who may read AMBER (the unit's own, and Thailand's AMBER addressed to Fiji) and RED addressed to her."""
    fj = make.org("Fiji Cyber Unit", "FJ")
    th = make.org("Thai Cyber Unit", "TH")
    fj_user = make.user("analyst@fj.aspjoc.test", fj)
    th_user = make.user("analyst@th.aspjoc.test", th)
    fj_p, th_p = make.principal(fj_user), make.principal(th_user)
    now = clock.now()
    with make.db.unit_of_work() as s:
        plant(s, fj_p, AMBER_PHONE, "amber", "sextortion", now, copies=6)
        plant(s, th_p, AMBER_PHONE, "amber", "sextortion", now, copies=2, organisations=[fj.id])
        plant(s, th_p, RED_PHONE, "red", "sextortion", now, copies=6, users=[fj_user.id])
        plant(s, fj_p, GREEN_PHONE, "green", "sextortion", now, copies=6)
        for n in range(8):
            plant(s, fj_p, f"https://{AMBER_DOMAIN}/pay/{n}", "amber", "sextortion", now)
    return fj_p, fj


def _renderings(db: Database, product_id: int, tmp_path: Path) -> dict[str, str]:
    product = load(db, product_id)
    pdf = tmp_path / f"{product_id}.pdf"
    pdf.write_bytes(render(product, "pdf").data)
    return {"pdf": pdf_text(pdf), "html": render(product, "html").data.decode(), "md": render(product, "md").data.decode(),
            "stix": render(product, "json").data.decode()}


def test_green_product_by_a_reader_of_amber_data_contains_none_of_it(db: Database, make: Factory, clock: FixedClock,
                                                                     tmp_path: Path) -> None:
    author, _ = _arrange(make, clock)
    green = create(db, author, product_in("advisory", "green", "sextortion", "Sextortion advisory"), clock.now())
    outputs = _renderings(db, green, tmp_path)
    for fmt, text in outputs.items():
        assert AMBER_PHONE not in text and AMBER_DOMAIN not in text and RED_PHONE not in text, fmt
        assert GREEN_PHONE in text, f"{fmt}: the GREEN control value should be listed"
    # 6 + 2 AMBER phone statements, 6 RED, 8 AMBER URLs: counted, never shown.
    assert "22 statements under narrower markings were left out" in " ".join(outputs["pdf"].split())
    assert all(o["object_marking_refs"] for o in json.loads(outputs["stix"])["objects"] if o["type"] in ("report", "indicator"))

    amber = create(db, author, product_in("advisory", "amber", "sextortion", "Sextortion advisory, AMBER"), clock.now())
    wider = render(load(db, amber), "md").data.decode()
    assert AMBER_PHONE in wider and AMBER_DOMAIN in wider, "an AMBER product for law enforcement may show the AMBER values"
    assert RED_PHONE not in wider


def _publish(client: TestClient, product_id: int, author: str, reviewer: str) -> None:
    assert client.post(f"/api/v1/products/{product_id}/submit", headers=bearer(author)).status_code == 200
    assert client.post(f"/api/v1/products/{product_id}/approve", json={}, headers=bearer(reviewer)).status_code == 200
    assert client.post(f"/api/v1/products/{product_id}/publish", headers=bearer(author)).status_code == 200


def test_restricted_products_and_statements_do_not_reach_another_country(client: TestClient, db: Database, make: Factory,
                                                                          clock: FixedClock) -> None:
    th, my, ph = make.org("Thai Cyber Unit", "TH"), make.org("Malaysian Cyber Unit", "MY"), make.org("Philippine Cyber Unit", "PH")
    th_user = make.user("a@th.aspjoc.test", th)
    th_a, th_b = make.token(th_user), make.token(make.user("b@th.aspjoc.test", th))
    my_user, ph_user = make.user("a@my.aspjoc.test", my), make.user("a@ph.aspjoc.test", ph)
    my_t, ph_t = make.token(my_user), make.token(ph_user)
    with db.unit_of_work() as s:
        plant(s, make.principal(th_user), RED_PHONE, "red", "investment_scam", clock.now(), copies=3, organisations=[my.id])
        plant(s, make.principal(th_user), AMBER_PHONE, "amber+strict", "investment_scam", clock.now(), copies=3,
              organisations=[my.id])
    green = client.post("/api/v1/products", json=product_in("advisory", "green", "investment_scam", "Scam advisory")
                        .model_dump(mode="json"), headers=bearer(th_a)).json()["id"]
    _publish(client, green, th_a, th_b)
    for fmt in ("md", "json", "html"):
        text = client.get(f"/api/v1/products/{green}/render/{fmt}", headers=bearer(ph_t)).text
        assert RED_PHONE not in text and AMBER_PHONE not in text and "6 statements under narrower markings" in text
    ids = {}
    for tlp in ("amber+strict", "red"):
        body = product_in(tlp=tlp, title=f"Mekong compounds, {tlp}", organisations=[my.id]).model_dump(mode="json")
        reply = client.post("/api/v1/products", json=body, headers=bearer(th_a))
        assert reply.status_code == 201, reply.text
        ids[tlp] = reply.json()["id"]
        _publish(client, ids[tlp], th_a, th_b)
    draft = client.post("/api/v1/products", json=product_in(tlp="green", title="Unreleased draft").model_dump(mode="json"),
                        headers=bearer(th_a)).json()["id"]

    for product_id in (*ids.values(), draft):
        for path in ("", "/render/pdf", "/render/json", "/render/md"):
            assert client.get(f"/api/v1/products/{product_id}{path}", headers=bearer(ph_t)).status_code == 404
    assert [p["id"] for p in client.get("/api/v1/products", headers=bearer(ph_t)).json()["items"]] == [green]
    assert client.get(f"/api/v1/products/{draft}", headers=bearer(my_t)).status_code == 404
    seen = {p["id"] for p in client.get("/api/v1/products", headers=bearer(my_t)).json()["items"]}
    assert seen == {*ids.values(), green}
    assert client.get(f"/api/v1/products/{ids['red']}/render/md", headers=bearer(my_t)).status_code == 200
    assert client.get(f"/api/v1/products/{ids['red']}", headers=bearer(my_t)).status_code == 200
    with db.reader() as s:
        reads = s.scalars(select(AuditEvent.actor_org_id).where(AuditEvent.action.in_(("product.read", "product.export")),
                                                                AuditEvent.object_id == str(ids["red"]))).all()
    assert my.id in reads and ph.id not in reads
    with db.reader() as s:
        assert published_public(s) == []
        received = {who: [p.product_id for p in published_objects(s, make.principal(user))] for who, user in
                    (("MY", my_user), ("PH", ph_user))}
    assert received == {"MY": [green, ids["amber+strict"]], "PH": [green]}, "RED never leaves by a machine channel"
