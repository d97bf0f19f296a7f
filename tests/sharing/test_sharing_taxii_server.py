"""The TAXII 2.1 server driven by the real client (taxii2-client) over real HTTP, and its protocol details."""

from __future__ import annotations

import base64
from typing import Any

import pytest
import requests
from sharing_helpers import Region
from support import PASSWORD, Factory, LiveServer
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

TAXII = "application/taxii+json;version=2.1"


def _community(server: LiveServer, region: Region, who: str) -> Collection:
    api_root = ApiRoot(f"{server.url}/taxii2/aspjoc/", user=region.users[who].email, password=region.tokens[who])
    return next(c for c in api_root.collections if c.alias == "community")


def test_discovery_roots_and_collections_through_taxii2_client(live_server: LiveServer, make: Factory) -> None:
    region = Region.build(make)
    group = make.group("Operation Mekong", region.orgs["th"], [region.orgs["ph"]])
    assert group
    server = Server(f"{live_server.url}/taxii2/", user=region.users["ph"].email, password=region.tokens["ph"])
    assert server.title == "aspjoc TAXII 2.1"
    assert [r.url for r in server.api_roots] == [f"{live_server.url}/taxii2/aspjoc/", f"{live_server.url}/taxii2/aspjoc-tlp1/"]
    root = server.default
    assert root.versions == [TAXII] and root.max_content_length > 0
    titles = [c.title for c in root.collections]
    assert titles == ["Community", "Philippine Cyber Unit", "Intelligence products", "Sharing group: Operation Mekong"]
    assert all(c.can_read and c.can_write == (c.alias != "products") for c in root.collections)
    fiji_root = ApiRoot(f"{live_server.url}/taxii2/aspjoc/", user=region.users["fj"].email, password=region.tokens["fj"])
    assert "Sharing group: Operation Mekong" not in [c.title for c in fiji_root.collections]


def test_objects_page_with_as_pages_and_filters(live_server: LiveServer, make: Factory) -> None:
    region = Region.build(make)
    uuids = [region.state("th", f"+6681234{7300 + i}", "green") for i in range(7)]
    make.clock.advance(minutes=5)
    later = region.state("ph", "https://pay-verify.example.net/login", "green", crime_type="phishing")
    collection = _community(live_server, region, "fj")
    pages = list(as_pages(collection.get_objects, per_request=3, type="indicator"))
    ids = [o["id"] for page in pages for o in page.get("objects", [])]
    assert ids == [f"indicator--{u}" for u in uuids + [later]]
    assert [len(p.get("objects", [])) for p in pages] == [3, 3, 2] and pages[-1]["more"] is False
    everything = [o for page in as_pages(collection.get_objects, per_request=100) for o in page.get("objects", [])]
    kinds = {o["type"] for o in everything}
    assert kinds == {"indicator", "identity", "marking-definition", "extension-definition"}
    after = collection.get_objects(added_after="2026-06-01T09:01:00Z")
    assert [o["id"] for o in after["objects"]] == [f"indicator--{later}"]
    by_id = collection.get_objects(id=[f"indicator--{uuids[2]}", f"indicator--{later}"])
    assert {o["id"] for o in by_id["objects"]} == {f"indicator--{uuids[2]}", f"indicator--{later}"}
    assert collection.get_objects(spec_version="2.0").get("objects", []) == []
    phone = next(o for o in everything if o["id"] == f"indicator--{uuids[0]}")
    assert phone["pattern"] == "[x-aspjoc-phone:value = '+66812347300']"
    assert phone["created_by_ref"] in {o["id"] for o in everything if o["type"] == "identity"}
    assert phone["object_marking_refs"] == ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]


def test_date_added_headers_and_next_token_survive_new_data(live_server: LiveServer, make: Factory) -> None:
    region = Region.build(make)
    for i in range(4):
        region.state("th", f"192.0.2.{10 + i}", "green")
    headers = {"Authorization": f"Bearer {region.tokens['ph']}", "Accept": TAXII}
    collection = _community(live_server, region, "ph")
    url = f"{collection.url}objects/"
    first = requests.get(url, headers=headers, params={"limit": 2, "match[type]": "indicator"}, timeout=10)
    assert first.headers["Content-Type"] == TAXII
    assert first.headers["X-TAXII-Date-Added-First"] == "2026-06-01T09:00:00.000000Z"
    assert first.headers["X-TAXII-Date-Added-Last"] == "2026-06-01T09:00:00.000000Z"
    token = first.json()["next"]
    make.clock.advance(minutes=1)
    region.state("th", "192.0.2.99", "green")
    rest = requests.get(url, headers=headers, params={"limit": 10, "next": token, "match[type]": "indicator"}, timeout=10)
    values = [o["pattern"] for o in first.json()["objects"] + rest.json()["objects"]]
    assert values == [f"[ipv4-addr:value = '192.0.2.{n}']" for n in (10, 11, 12, 13, 99)]
    bad = requests.get(url, headers=headers, params={"next": "garbage!"}, timeout=10)
    assert bad.status_code == 400 and bad.json()["http_status"] == "400"


def test_object_by_id_versions_and_manifest(live_server: LiveServer, make: Factory) -> None:
    region = Region.build(make)
    uuid = region.state("th", "+66812347310", "green")
    make.clock.advance(hours=1)
    region.state("th", "+66812347310", "green", description="seen again")
    collection = _community(live_server, region, "ph")
    stix_id = f"indicator--{uuid}"
    got = collection.get_object(stix_id)["objects"]
    assert len(got) == 1 and got[0]["modified"] == "2026-06-01T10:00:00.000000Z"
    assert got[0]["extensions"]
    versions = collection.object_versions(stix_id)
    assert versions == {"more": False, "versions": ["2026-06-01T10:00:00.000000Z"]}
    assert collection.get_object(stix_id, version="2026-06-01T09:00:00.000Z").get("objects", []) == []
    manifest = collection.get_manifest(type="indicator")
    assert manifest["objects"] == [{"id": stix_id, "date_added": "2026-06-01T10:00:00.000000Z",
                                    "version": "2026-06-01T10:00:00.000000Z",
                                    "media_type": "application/stix+json;version=2.1"}]
    with pytest.raises(requests.HTTPError) as missing:
        collection.get_object("indicator--00000000-0000-4000-8000-000000000000")
    assert missing.value.response.status_code == 404


def test_add_objects_envelope_returns_complete_status_and_stores_statements(live_server: LiveServer, make: Factory) -> None:
    region = Region.build(make)
    collection = _community(live_server, region, "fj")
    envelope = {"objects": [
        {"type": "indicator", "spec_version": "2.1", "id": "indicator--6b3b1c49-3a5f-4c8e-9d52-0f4f0d6a1e11",
         "created": "2026-05-30T00:00:00.000Z", "modified": "2026-05-30T00:00:00.000Z", "name": "scam site",
         "pattern": "[domain-name:value = 'fiji-lotto-prize.example.com']", "pattern_type": "stix",
         "valid_from": "2026-05-30T00:00:00Z", "labels": ["online_fraud"],
         "object_marking_refs": ["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"]},
        {"type": "malware", "spec_version": "2.1", "id": "malware--6b3b1c49-3a5f-4c8e-9d52-0f4f0d6a1e12",
         "created": "2026-05-30T00:00:00.000Z", "modified": "2026-05-30T00:00:00.000Z", "name": "x", "is_family": True},
        {"type": "vulnerability", "spec_version": "2.1", "id": "vulnerability--6b3b1c49-3a5f-4c8e-9d52-0f4f0d6a1e13",
         "created": "2026-05-30T00:00:00.000Z", "modified": "2026-05-30T00:00:00.000Z", "name": "CVE-2026-0001"},
    ]}
    status = collection.add_objects(envelope)
    assert status.status == "complete" and status.total_count == 3
    assert (status.success_count, status.failure_count, status.pending_count) == (2, 1, 0)
    assert "context" in status.successes[1]["message"]
    assert status.failures[0]["id"].startswith("vulnerability--") and "not kept" in status.failures[0]["message"]
    # TAXII 2.1 §4.3: <api-root>/status/<id>, which clients also ask for with no trailing slash.
    for url in (status.url, status.url.rstrip("/")):
        polled = requests.get(url, auth=(region.users["fj"].email, region.tokens["fj"]), headers={"Accept": TAXII},
                              timeout=10)
        assert polled.status_code == 200 and polled.json()["id"] == status.id, url
    stranger = requests.get(status.url.rstrip("/"), headers={"Authorization": f"Bearer {region.tokens['th']}", "Accept": TAXII},
                            timeout=10)
    assert stranger.status_code == 404
    mine = _community(live_server, region, "th").get_objects(type="indicator")["objects"]
    assert [o["pattern"] for o in mine] == ["[domain-name:value = 'fiji-lotto-prize.example.com']"]
    assert mine[0]["object_marking_refs"] == ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]
    assert mine[0]["extensions"][next(iter(mine[0]["extensions"]))]["owner"]["name"] == "Fiji Cyber Unit"


def test_basic_auth_with_password_or_token_and_bearer(live_server: LiveServer, make: Factory) -> None:
    region = Region.build(make)
    url = f"{live_server.url}/taxii2/"
    email = make.user("investigator@th.aspjoc.test", region.orgs["th"], role="investigator").email
    for auth in ((email, PASSWORD), (region.users["th"].email, region.tokens["th"])):
        assert requests.get(url, auth=auth, headers={"Accept": TAXII}, timeout=10).status_code == 200
    assert requests.get(url, headers={"Authorization": f"Bearer {region.tokens['th']}"}, timeout=10).status_code == 200
    for auth in ((email, "wrong password!"), ("analyst@ph.aspjoc.test", region.tokens["th"])):
        reply = requests.get(url, auth=auth, headers={"Accept": TAXII}, timeout=10)
        assert reply.status_code == 401
        assert reply.headers["Content-Type"] == TAXII and "Basic" in reply.headers["WWW-Authenticate"]
        assert set(reply.json()) == {"title", "description", "http_status"}
    garbled = requests.get(url, headers={"Authorization": "Basic %%%"}, timeout=10)
    assert garbled.status_code == 401


def test_media_types_and_error_bodies(live_server: LiveServer, make: Factory) -> None:
    region = Region.build(make)
    auth = {"Authorization": "Basic " + base64.b64encode(f"{region.users['ph'].email}:{region.tokens['ph']}".encode()).decode()}
    base = f"{live_server.url}/taxii2/aspjoc/"
    for accept in ("application/taxii+json", TAXII, "*/*", "application/json, application/taxii+json;version=2.1"):
        assert requests.get(base, headers=auth | {"Accept": accept}, timeout=10).status_code == 200, accept
    for accept in ("application/taxii+json;version=2.0", "text/html"):
        reply = requests.get(base, headers=auth | {"Accept": accept}, timeout=10)
        assert reply.status_code == 406 and reply.headers["Content-Type"] == TAXII
    missing = requests.get(f"{base}collections/00000000-0000-4000-8000-000000000000/objects/", headers=auth, timeout=10)
    assert missing.status_code == 404 and missing.json()["http_status"] == "404"
    assert missing.headers["Content-Type"] == TAXII
    nowhere = requests.get(f"{live_server.url}/taxii2/aspjoc/nothing/here/", headers=auth, timeout=10)
    assert nowhere.status_code == 404 and nowhere.headers["Content-Type"] == TAXII
    bad_limit = requests.get(f"{base}collections/community/objects/", params={"limit": "ten"}, headers=auth, timeout=10)
    assert bad_limit.status_code == 400 and "limit" in bad_limit.json()["description"]
    bad_after = requests.get(f"{base}collections/community/objects/", params={"added_after": "yesterday"},
                             headers=auth, timeout=10)
    assert bad_after.status_code == 400 and "added_after" in bad_after.json()["description"]
    wrong_body = requests.post(f"{base}collections/community/objects/", data="[1, 2]",
                               headers=auth | {"Content-Type": TAXII, "Accept": TAXII}, timeout=10)
    assert wrong_body.status_code == 400 and wrong_body.headers["Content-Type"] == TAXII
    wrong_type = requests.post(f"{base}collections/community/objects/", data="{}",
                               headers=auth | {"Content-Type": "text/plain"}, timeout=10)
    assert wrong_type.status_code == 415


def test_viewer_cannot_add_objects(live_server: LiveServer, make: Factory) -> None:
    region = Region.build(make)
    viewer = make.user("viewer@th.aspjoc.test", region.orgs["th"], role="viewer")
    token = make.token(viewer)
    api_root = ApiRoot(f"{live_server.url}/taxii2/aspjoc/", user=viewer.email, password=token)
    community = next(c for c in api_root.collections if c.alias == "community")
    assert community.can_write is False
    reply = requests.post(f"{community.url}objects/", json={"objects": []},
                          headers={"Authorization": f"Bearer {token}", "Content-Type": TAXII, "Accept": TAXII}, timeout=10)
    assert reply.status_code == 403 and reply.json()["title"] == "Forbidden"


def test_tlp1_api_root_uses_tlp1_marking_ids(live_server: LiveServer, make: Factory) -> None:
    region = Region.build(make)
    region.state("th", "192.0.2.50", "amber")
    root = ApiRoot(f"{live_server.url}/taxii2/aspjoc-tlp1/", user=region.users["ph"].email, password=region.tokens["ph"])
    community = next(c for c in root.collections if c.alias == "community")
    objects: list[dict[str, Any]] = community.get_objects()["objects"]
    indicator = next(o for o in objects if o["type"] == "indicator")
    assert indicator["object_marking_refs"] == ["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"]
    assert not [o for o in objects if o["type"] == "marking-definition"]
