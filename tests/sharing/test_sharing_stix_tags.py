"""Statement tags in STIX: ``labels`` on indicators (after the crime type) in exports and TAXII, never across a marking."""

from __future__ import annotations

from typing import Any

import requests
import stix2
from sharing_helpers import Region, assert_valid
from support import Factory, LiveServer, bearer
from taxii2client.v21 import ApiRoot, Collection, as_pages

from aspjoc.intel.service import StatementFilter
from aspjoc.sharing.stix.export import export_bundle

TAXII = "application/taxii+json;version=2.1"


def _tagged(region: Region) -> dict[str, str]:
    made = {
        "crime": region.state("th", "+66812347311", "green", crime_type="malware"),
        "plain": region.state("th", "+66812347312", "green", crime_type=None),
        "untagged": region.state("th", "+66812347313", "green", crime_type="phishing"),
        "red": region.state("th", "+66812347314", "red", orgs=["hub"]),
        "strict": region.state("th", "+66812347315", "amber+strict", orgs=["fj"]),
    }
    region.tag(made["crime"], "elf", "Mozi", "malware")  # the crime type again is not repeated
    region.tag(made["plain"], "op-lotus", "sms")
    region.tag(made["red"], "op-kinnaree-red")
    region.tag(made["strict"], "op-kinnaree-strict")
    return made


def _indicators(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {o["id"].removeprefix("indicator--"): o for o in bundle["objects"] if o["type"] == "indicator"}


def test_export_puts_tags_in_indicator_labels_after_the_crime_type(client: Any, make: Factory) -> None:
    region = Region.build(make)
    made = _tagged(region)
    for interop in (False, True):
        bundle = client.get("/api/v1/export/stix", params={"interop": str(interop).lower()},
                            headers=bearer(region.tokens["ph"])).json()
        assert_valid(bundle, interop)
        stix2.parse(bundle, allow_custom=True)
        found = _indicators(bundle)
        assert found[made["crime"]]["labels"] == ["malware", "elf", "Mozi"]
        assert found[made["plain"]]["labels"] == ["op-lotus", "sms"]
        assert found[made["untagged"]]["labels"] == ["phishing"]
        # labels belong to SDOs: nothing else in the bundle carries the tags.
        assert all("labels" not in o for o in bundle["objects"] if o["type"] != "indicator")


def _community(server: LiveServer, region: Region, who: str) -> Collection:
    api_root = ApiRoot(f"{server.url}/taxii2/aspjoc/", user=region.users[who].email, password=region.tokens[who])
    return next(c for c in api_root.collections if c.alias == "community")


def test_taxii_serves_the_labels_and_takes_them_back(live_server: LiveServer, make: Factory) -> None:
    region = Region.build(make)
    made = _tagged(region)
    objects = [o for page in as_pages(_community(live_server, region, "ph").get_objects, per_request=100)
               for o in page.get("objects", [])]
    found = {o["id"].removeprefix("indicator--"): o for o in objects if o["type"] == "indicator"}
    assert found[made["crime"]]["labels"] == ["malware", "elf", "Mozi"]
    assert found[made["plain"]]["labels"] == ["op-lotus", "sms"]
    assert_valid({"type": "bundle", "id": "bundle--0f0e0d0c-0b0a-4908-8706-050403020100", "objects": objects})
    # A statement with tags but no crime type goes back in (as a federated push would) without a made-up crime type.
    own = _community(live_server, region, "th").get_objects(id=f"indicator--{made['plain']}")["objects"][0]
    status = _community(live_server, region, "th").add_objects({"objects": [{**own, "modified": "2026-07-01T00:00:00.000Z"}]})
    assert (status.success_count, status.failure_count) == (1, 0), status.failures
    again = _statement_of(live_server, region, made["plain"])
    assert again["crime_type"] is None


def _statement_of(server: LiveServer, region: Region, statement_uuid: str) -> dict[str, Any]:
    listed = requests.get(f"{server.url}/api/v1/statements", headers=bearer(region.tokens["th"]), timeout=10).json()
    found: dict[str, Any] = next(i for i in listed["items"] if i["uuid"] == statement_uuid)
    return found


def test_tags_of_thai_red_and_amber_strict_statements_reach_no_philippine_export_or_taxii(
        live_server: LiveServer, make: Factory) -> None:
    region = Region.build(make)
    made = _tagged(region)
    exported = requests.get(f"{live_server.url}/api/v1/export/stix", headers=bearer(region.tokens["ph"]), timeout=10).text
    assert "op-lotus" in exported and "kinnaree" not in exported
    with make.db.unit_of_work() as session:
        bundle = export_bundle(session, region.principal("ph"), StatementFilter(tags=("op-kinnaree-red", "op-kinnaree-strict")),
                               make.clock.now())
    assert _indicators(bundle) == {}
    headers = {"Authorization": f"Bearer {region.tokens['ph']}", "Accept": TAXII}
    for root in ("aspjoc", "aspjoc-tlp1"):
        collections = requests.get(f"{live_server.url}/taxii2/{root}/collections/", headers=headers, timeout=10).json()
        for collection in collections["collections"]:
            url = f"{live_server.url}/taxii2/{root}/collections/{collection['id']}/objects/"
            text = requests.get(url, headers=headers, params={"limit": 1000}, timeout=10).text
            assert "kinnaree" not in text and made["red"] not in text and made["strict"] not in text, url
    # Fiji, the named recipient of the AMBER+STRICT one, gets it with its tag; RED is never exported.
    fiji = requests.get(f"{live_server.url}/api/v1/export/stix", headers=bearer(region.tokens["fj"]), timeout=10).text
    assert "op-kinnaree-strict" in fiji and "op-kinnaree-red" not in fiji
