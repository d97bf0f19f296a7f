"""stix2's TAXIICollectionSource and TAXIICollectionSink against the server, over real HTTP."""

from __future__ import annotations

import stix2
from sharing_helpers import Region
from stix2 import Filter, TAXIICollectionSink, TAXIICollectionSource
from support import Factory, LiveServer
from taxii2client.v21 import ApiRoot


def _community(live_server: LiveServer, region: Region, who: str) -> object:
    root = ApiRoot(f"{live_server.url}/taxii2/aspjoc/", user=region.users[who].email, password=region.tokens[who])
    return next(c for c in root.collections if c.alias == "community")


def test_collection_source_queries_gets_and_lists_versions(live_server: LiveServer, make: Factory) -> None:
    region = Region.build(make)
    phone = region.state("th", "+66812347301", "green")
    region.state("th", "https://fake-broker.example.net/", "green", crime_type="investment_scam")
    source = TAXIICollectionSource(_community(live_server, region, "ph"))
    indicators = source.query([Filter("type", "=", "indicator")])
    assert {i.pattern for i in indicators} == {"[x-aspjoc-phone:value = '+66812347301']",
                                              "[url:value = 'https://fake-broker.example.net/']"}
    got = source.get(f"indicator--{phone}")
    assert got is not None and got.created_by_ref.startswith("identity--")
    owner = source.get(got.created_by_ref)
    assert owner.name == "Thai Cyber Unit"
    assert [v.modified for v in source.all_versions(f"indicator--{phone}")] == [got.modified]
    assert source.get("indicator--00000000-0000-4000-8000-000000000000") is None


def test_collection_sink_adds_a_bundle_that_the_source_reads_back(live_server: LiveServer, make: Factory) -> None:
    region = Region.build(make)
    sink = TAXIICollectionSink(_community(live_server, region, "fj"))
    indicator = stix2.Indicator(pattern="[domain-name:value = 'fiji-parcel-fee.example.com']", pattern_type="stix",
                                name="parcel fee scam", labels=["online_fraud"], object_marking_refs=[stix2.TLP_GREEN])
    sink.add(indicator)
    source = TAXIICollectionSource(_community(live_server, region, "th"))
    found = source.query([Filter("type", "=", "indicator")])
    assert [i.pattern for i in found] == ["[domain-name:value = 'fiji-parcel-fee.example.com']"]
    assert found[0].description == "parcel fee scam"
    assert found[0].object_marking_refs == ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]
