"""A product's STIX 2.1 bundle: valid for stix2-validator, one report under the product's marking, stable ids."""

from __future__ import annotations

import json

from products_helpers import create, load, plant, product_in
from stix2validator import ValidationOptions, validate_string
from support import Factory

from aspjoc.clock import FixedClock
from aspjoc.db import Database
from aspjoc.marking import TLP
from aspjoc.products.export import render
from aspjoc.sharing.stix.vocab import TLP1_IDS, TLP2_IDS


def test_advisory_bundle_is_valid_stix_with_one_marked_report_of_its_indicators(db: Database, make: Factory,
                                                                                clock: FixedClock) -> None:
    fj = make.org("Fiji Cyber Unit", "FJ")
    author = make.principal(make.user("a@fj.aspjoc.test", fj))
    with db.unit_of_work() as s:
        for value in ("+6799997732", "https://parcel-fee.example/pay", "tron:TTn1QSCYXYSZteYU2AyRLFuwN7fU4SjoiA", "FJ:069:12345678"):
            plant(s, author, value, "green", "phishing", clock.now(), copies=2)
    product_id = create(db, author, product_in("advisory", "green", "phishing", "Parcel-fee phishing",
                                               summary="Texts ask for a small *redelivery fee*."), clock.now())
    product = load(db, product_id)
    for interop, ids in ((False, TLP2_IDS), (True, TLP1_IDS)):
        text = render(product, "json", interop=interop).data.decode()
        result = validate_string(text, ValidationOptions(version="2.1", strict=False))
        assert result.is_valid, [str(e) for e in result.errors]
        bundle = json.loads(text)
        reports = [o for o in bundle["objects"] if o["type"] == "report"]
        indicators = [o for o in bundle["objects"] if o["type"] == "indicator"]
        assert len(reports) == 1 and reports[0]["id"] == f"report--{product.uuid}"
        assert reports[0]["object_marking_refs"] == [ids[TLP.GREEN]]
        assert sorted(reports[0]["object_refs"]) == sorted(i["id"] for i in indicators) and len(indicators) == 4
        assert "redelivery fee" in reports[0]["description"]
        assert {o["id"] for o in bundle["objects"] if o["type"] == "marking-definition"} == {ids[TLP.GREEN]}
    again = json.loads(render(product, "json").data)
    assert [o["id"] for o in again["objects"]] == [o["id"] for o in json.loads(render(product, "json").data)["objects"]]
