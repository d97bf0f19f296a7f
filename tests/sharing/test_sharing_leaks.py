"""Leak tests for every sharing channel: a RED or AMBER+STRICT statement of one country never reaches another.

Channels: TAXII objects pages (every collection, both API roots, with and without filters),
manifests, object by id, object versions, the STIX export (API and export_bundle). Sync is
covered in test_sharing_federation.
"""

from __future__ import annotations

from typing import Any

import requests
from sharing_helpers import Region
from support import Factory, LiveServer, bearer

from aspjoc.intel.service import StatementFilter
from aspjoc.sharing.stix.export import export_bundle

TAXII = "application/taxii+json;version=2.1"


def _secrets(region: Region, make: Factory) -> dict[str, str]:
    group = make.group("Mekong Task Force", region.orgs["th"], [region.orgs["ph"], region.orgs["fj"]])
    assert group
    return {
        "red": region.state("th", "+66812347301", "red", orgs=["hub"], description="RED for the hub only"),
        "strict_ph": region.state("th", "+66812347302", "amber+strict", orgs=["ph"]),
        "strict_group": region.state("th", "+66812347303", "amber+strict", groups=["Mekong Task Force"]),
        "red_group": region.state("th", "+66812347304", "red", groups=["Mekong Task Force"]),
        "amber_ph": region.state("th", "+66812347305", "amber", orgs=["ph"]),
    }


def _taxii_pages(base: str, token: str) -> tuple[str, int]:
    """Everything the caller's collections serve (objects and manifests, every page, both roots) as text."""
    headers = {"Authorization": f"Bearer {token}", "Accept": TAXII}
    seen, pages = [], 0
    for root in ("aspjoc", "aspjoc-tlp1"):
        collections = requests.get(f"{base}/taxii2/{root}/collections/", headers=headers, timeout=10).json()["collections"]
        for collection in collections:
            for endpoint in ("objects", "manifest"):
                params: dict[str, Any] = {"limit": 3}
                while True:
                    reply = requests.get(f"{base}/taxii2/{root}/collections/{collection['id']}/{endpoint}/",
                                         headers=headers, params=params, timeout=10)
                    assert reply.status_code == 200, reply.text
                    seen.append(reply.text)
                    pages += 1
                    if not reply.json()["more"]:
                        break
                    params = {"limit": 3, "next": reply.json()["next"]}
    return "\n".join(seen), pages


def _single(base: str, token: str, stix_id: str) -> list[int]:
    headers = {"Authorization": f"Bearer {token}", "Accept": TAXII}
    url = f"{base}/taxii2/aspjoc/collections/community/objects/{stix_id}/"
    filtered = requests.get(f"{base}/taxii2/aspjoc/collections/community/objects/", params={"match[id]": stix_id},
                            headers=headers, timeout=10)
    assert "objects" not in filtered.json() or stix_id not in filtered.text
    return [requests.get(url, headers=headers, timeout=10).status_code,
            requests.get(f"{url}versions/", headers=headers, timeout=10).status_code]


def test_taxii_serves_no_red_or_amber_strict_statement_to_another_country(live_server: LiveServer, make: Factory) -> None:
    region = Region.build(make)
    secret = _secrets(region, make)
    everything, pages = _taxii_pages(live_server.url, region.tokens["bank"])
    assert pages >= 8
    for name, uuid in secret.items():
        assert uuid not in everything, name
        assert _single(live_server.url, region.tokens["bank"], f"indicator--{uuid}") == [404, 404], name
    fiji, _ = _taxii_pages(live_server.url, region.tokens["fj"])
    assert secret["strict_group"] in fiji  # Fiji is in the group the statement names
    for name in ("red", "strict_ph", "red_group", "amber_ph"):
        assert secret[name] not in fiji, name
        assert _single(live_server.url, region.tokens["fj"], f"indicator--{secret[name]}") == [404, 404], name


def test_named_recipient_gets_amber_strict_but_never_red(live_server: LiveServer, make: Factory) -> None:
    region = Region.build(make)
    secret = _secrets(region, make)
    philippines, _ = _taxii_pages(live_server.url, region.tokens["ph"])
    assert secret["strict_ph"] in philippines and secret["amber_ph"] in philippines
    assert secret["red"] not in philippines and secret["red_group"] not in philippines
    hub, _ = _taxii_pages(live_server.url, region.tokens["hub"])
    assert secret["red"] not in hub  # RED is never exported, even to its named recipient
    assert _single(live_server.url, region.tokens["hub"], f"indicator--{secret['red']}") == [404, 404]


def test_export_leaves_out_what_another_country_may_not_export(client: Any, make: Factory) -> None:
    region = Region.build(make)
    secret = _secrets(region, make)
    text = client.get("/api/v1/export/stix", headers=bearer(region.tokens["fj"])).text
    for name in ("red", "strict_ph", "red_group", "amber_ph"):
        assert secret[name] not in text, name
    assert secret["strict_group"] in text
    for interop in ("true", "false"):
        bank = client.get("/api/v1/export/stix", params={"interop": interop}, headers=bearer(region.tokens["bank"])).text
        assert not [n for n, u in secret.items() if u in bank]
    with make.db.unit_of_work() as session:
        bundle = export_bundle(session, region.principal("bank"), StatementFilter(type="phone"), make.clock.now())
    assert [o for o in bundle["objects"] if o["type"] == "indicator"] == []
