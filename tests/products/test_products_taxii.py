"""Published products over TAXII: the read-only products collection, driven by taxii2-client, validated by
stix2-validator, with the leak test (RED and AMBER+STRICT products never reach another country)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from products_helpers import plant, product_in
from sqlalchemy import select
from stix2validator import ValidationOptions, validate_string
from support import Factory, LiveServer
from taxii2client.v21 import ApiRoot, Collection, as_pages

from aspjoc.audit import AuditEvent
from aspjoc.products import workflow

TAXII = "application/taxii+json;version=2.1"
GREEN_PHONE = "+66812347711"
STRICT_PHONE = "+66812347722"


class Region:
    """Thai, Philippine and Fiji units, an analyst in each with an API token (no password: hashing is slow)."""

    def __init__(self, make: Factory) -> None:
        self.make = make
        self.orgs = {key: make.org(name, key.upper()) for key, name in
                     (("th", "Thai Cyber Unit"), ("ph", "Philippine Cyber Unit"), ("fj", "Fiji Cyber Unit"))}
        self.users = {key: make.user(f"analyst@{key}.aspjoc.test", org, password=None) for key, org in self.orgs.items()}
        self.tokens = {key: make.token(user) for key, user in self.users.items()}

    def principal(self, key: str) -> Any:
        return self.make.principal(self.users[key])


def _publish(region: Region, tlp: str, title: str, organisations: list[str | int] | None = None) -> str:
    """A product by Thailand, approved by a second Thai analyst and published; returns its report id."""
    make = region.make
    reviewer = region.users.get("th2") or make.user("reviewer@th.aspjoc.test", region.orgs["th"], password=None)
    region.users["th2"] = reviewer
    now = make.clock.now()
    with make.db.unit_of_work() as s:
        author = region.principal("th")
        product = workflow.create_product(s, author, product_in("advisory", tlp, "investment_scam", title,
                                                                organisations=organisations), now)
        workflow.submit(s, author, product.id, now)
        workflow.approve(s, make.principal(reviewer), product.id, now)
        workflow.publish(s, author, product.id, now)
        report_id = f"report--{product.uuid}"
    make.clock.advance(minutes=1)
    return report_id


def _products(server: LiveServer, region: Region, who: str) -> Collection:
    root = ApiRoot(f"{server.url}/taxii2/aspjoc/", user=region.users[who].email, password=region.tokens[who])
    return next(c for c in root.collections if c.alias == "products")


def _all(collection: Collection) -> list[dict[str, Any]]:
    return [o for page in as_pages(collection.get_objects, per_request=2) for o in page.get("objects", [])]


def test_products_collection_serves_what_each_country_may_receive(live_server: LiveServer, make: Factory) -> None:
    region = Region(make)
    now = make.clock.now()
    with make.db.unit_of_work() as s:
        plant(s, region.principal("th"), GREEN_PHONE, "green", "investment_scam", now, copies=2)
        plant(s, region.principal("th"), STRICT_PHONE, "amber+strict", "investment_scam", now, copies=2,
              organisations=[region.orgs["ph"].id])
    green = _publish(region, "green", "Investment scam advisory")
    strict = _publish(region, "amber+strict", "Investment scam advisory for Manila", [region.orgs["ph"].name])
    red = _publish(region, "red", "Investment scam advisory, RED", [region.orgs["ph"].name])

    ph = _products(live_server, region, "ph")
    assert ph.can_read and not ph.can_write and ph.title == "Intelligence products"
    ph_objects = _all(ph)
    reports = [o["id"] for o in ph_objects if o["type"] == "report"]
    assert reports == [green, strict], "RED products never leave by a machine channel"
    assert len({(o["id"], o.get("modified", o.get("created"))) for o in ph_objects}) == len(ph_objects)
    bundle = json.dumps({"type": "bundle", "id": "bundle--6f8f0e2c-6c59-4a1e-9a38-1b0fb7d0a1a1", "objects": ph_objects})
    result = validate_string(bundle, ValidationOptions(version="2.1", strict=False))
    assert result.is_valid, [str(e) for e in result.errors]
    strict_report = next(o for o in ph_objects if o["id"] == strict)
    indicators = {o["id"]: o for o in ph_objects if o["type"] == "indicator"}
    assert all(ref in indicators for ref in strict_report["object_refs"] if str(ref).startswith("indicator--"))
    assert any(STRICT_PHONE in str(o["pattern"]) for o in indicators.values())

    fj = _products(live_server, region, "fj")
    fj_objects = _all(fj)
    assert [o["id"] for o in fj_objects if o["type"] == "report"] == [green]
    assert STRICT_PHONE not in json.dumps(fj_objects) and GREEN_PHONE in json.dumps(fj_objects)
    assert fj.get_objects(id=strict).get("objects", []) == []
    with pytest.raises(requests.HTTPError) as missing:
        fj.get_object(strict)
    assert missing.value.response.status_code == 404
    with pytest.raises(requests.HTTPError):
        fj.object_versions(red)

    by_id = ph.get_object(strict)["objects"]
    assert [o["id"] for o in by_id] == [strict]
    assert ph.object_versions(strict)["versions"] == [strict_report["modified"]]
    manifest = [m["id"] for page in as_pages(ph.get_manifest, per_request=3) for m in page.get("objects", [])]
    assert manifest == [o["id"] for o in ph_objects]
    after = ph.get_objects(added_after=str(next(o for o in ph_objects if o["id"] == green)["modified"]),
                           type="report")
    assert [o["id"] for o in after["objects"]] == [strict]

    with make.db.reader() as s:
        exported = s.scalars(select(AuditEvent.object_id).where(AuditEvent.action == "product.export",
                                                                AuditEvent.actor_org_id == region.orgs["fj"].id)).all()
    assert exported and set(exported) <= {str(i) for i in _product_ids(make, [green])}


def _product_ids(make: Factory, report_ids: list[str]) -> list[int]:
    from aspjoc.products.models import Product
    with make.db.reader() as s:
        return list(s.scalars(select(Product.id).where(Product.uuid.in_([r.split("--", 1)[1] for r in report_ids]))))


def test_products_collection_is_read_only(live_server: LiveServer, make: Factory) -> None:
    region = Region(make)
    products = _products(live_server, region, "th")
    body = {"objects": [{"type": "indicator", "spec_version": "2.1", "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
                         "created": "2026-06-01T09:00:00.000Z", "modified": "2026-06-01T09:00:00.000Z",
                         "pattern": "[domain-name:value = 'x.example']", "pattern_type": "stix",
                         "valid_from": "2026-06-01T09:00:00.000Z"}]}
    reply = requests.post(f"{products.url}objects/", json=body, timeout=10,
                          auth=(region.users["th"].email, region.tokens["th"]),
                          headers={"Accept": TAXII, "Content-Type": TAXII})
    assert reply.status_code == 403 and "read-only" in reply.json()["description"]
