"""PyMISP as the client of aspjoc's /misp/: connect, add, view, index, search, tag, edit, errors."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from pymisp import MISPAttribute, MISPEvent, PyMISP
from pymisp.exceptions import PyMISPError

from aspjoc.sharing.misp.types import describe_types
from misp_helpers import client, community, event, values
from support import Factory, bearer


def test_pymisp_connects_reads_version_user_and_describe_types(live_server: Any, make: Factory) -> None:
    c = community(make)
    misp = client(live_server.url, c.fj_token)
    assert misp.misp_instance_version["version"].startswith("2.5.")
    user, role, settings = misp.get_user(pythonify=True, expanded=True)  # type: ignore[misc]
    assert user.email == "analyst@fj.aspjoc.test" and int(user.org_id) == c.fj.id
    assert role.perm_add is True and settings == []
    assert misp.describe_types_remote == describe_types()["result"]
    assert "phone-number" in misp.types and "bank-account-nr" in misp.types


def test_wrong_key_fails_to_connect_and_plain_requests_get_json_4xx(live_server: Any, make: Factory) -> None:
    community(make)
    with pytest.raises(PyMISPError):
        PyMISP(live_server.url + "/misp/", "aspjoc_not-a-token", ssl=False)
    reply = requests.get(live_server.url + "/misp/servers/getVersion", timeout=10)
    assert reply.status_code == 401 and reply.json()["message"]


def test_add_event_keeps_good_values_and_rejects_bad_ones_with_reasons(live_server: Any, make: Factory) -> None:
    c = community(make)
    misp = client(live_server.url, c.fj_token)
    reply = misp.add_event(event("Investment scam wave", [
        ("ip-dst", "198.51.100.7"), ("phone-number", "+679 999 0001"), ("ip-dst", "999.1.1.1"),
        ("bank-account-nr", "12345"), ("text", "free text"), ("btc", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"),
    ], tags=["tlp:green"]))
    assert isinstance(reply, dict)
    assert sorted(values(reply)) == ["+6799990001", "198.51.100.7", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"]
    rejected = {r["value"]: r for r in reply["rejected"]}
    assert set(rejected) == {"999.1.1.1", "12345", "free text"}
    assert "999" in rejected["999.1.1.1"]["reason"] and rejected["999.1.1.1"]["field"] == "Attribute[2].value"
    assert "not an identifier aspjoc tracks" in rejected["free text"]["reason"]


def test_attributes_become_statements_of_the_caller_on_the_canonical_observable(live_server: Any, client: Any,
                                                                                 make: Factory) -> None:
    c = community(make)
    client_fj, client_th = client_of(live_server, c.fj_token), client_of(live_server, c.th_token)
    client_fj.add_event(event("FJ lead", [("phone-number", "+679 999 0001")], tags=["tlp:amber"]))
    client_th.add_event(event("TH lead", [("phone-number", "+6799990001")], distribution=3))
    looked = client.get("/api/v1/lookup", params={"q": "+679 999 0001"}, headers=bearer(c.fj_token)).json()
    owners = {s["owner"]["name"]: s for s in looked["statements"]}
    assert set(owners) == {c.fj.name, c.th.name}
    assert owners[c.fj.name]["marking"]["tlp"] == "amber" and owners[c.fj.name]["source"] == "misp"
    assert owners[c.th.name]["marking"]["tlp"] == "green"
    assert looked["observable"] == {"type": "phone", "value": "+6799990001", "country": "FJ"}


def client_of(live_server: Any, token: str) -> PyMISP:
    return client(live_server.url, token)


def test_wrapped_body_view_by_id_and_uuid_and_head_checks(live_server: Any, make: Factory) -> None:
    c = community(make)
    misp = client(live_server.url, c.fj_token)
    body = {"Event": {"info": "Wrapped", "distribution": "1", "uuid": "4b1cf9da-b7a7-4bd9-b023-ad855269c79b",
                      "Attribute": [{"type": "domain", "value": "gcash-verify.example", "category": "Network activity"}]}}
    added = misp.direct_call("events/add", body)
    assert added["Event"]["uuid"] == "4b1cf9da-b7a7-4bd9-b023-ad855269c79b"
    by_id = misp.get_event(int(added["Event"]["id"]), pythonify=True)
    by_uuid = misp.get_event(added["Event"]["uuid"], pythonify=True)
    assert isinstance(by_id, MISPEvent) and isinstance(by_uuid, MISPEvent)
    assert by_id.uuid == by_uuid.uuid and [a.value for a in by_uuid.attributes] == ["gcash-verify.example"]
    assert misp.event_exists(by_uuid.uuid) is True
    assert misp.event_exists("00000000-0000-4000-8000-000000000000") is False
    attribute = by_uuid.attributes[0]
    assert misp.attribute_exists(attribute.uuid) is True
    again = misp.direct_call("events/add", body)
    assert again["errors"][0] == 409


def test_index_and_search_index_list_visible_events_with_counts(live_server: Any, make: Factory) -> None:
    c = community(make)
    misp = client(live_server.url, c.fj_token)
    misp.add_event(event("First", [("ip-dst", "198.51.100.1"), ("ip-dst", "198.51.100.2")]))
    misp.add_event(event("Second", [("domain", "scam.example")], published=True))
    listed = misp.events(pythonify=True)
    assert [(e.info, int(e.attribute_count)) for e in listed] == [("First", 2), ("Second", 1)]  # type: ignore[union-attr]
    published = misp.search_index(published=True, pythonify=True)
    assert [e.info for e in published] == ["Second"]  # type: ignore[union-attr]
    assert [e["info"] for e in misp.search_index(eventinfo="Fir")] == ["First"]  # type: ignore[index, union-attr]


def test_rest_search_by_value_type_tag_org_published_and_timestamp(live_server: Any, make: Factory, clock: Any) -> None:
    c = community(make)
    fj, th = client(live_server.url, c.fj_token), client(live_server.url, c.th_token)
    fj.add_event(event("Phones", [("phone-number", "+679 999 0001"), ("domain", "lure.example")], tags=["crime:romance"]))
    clock.advance(hours=2)
    th.add_event(event("Wallets", [("btc", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2")], distribution=3, published=True))

    def infos(**filters: Any) -> list[str]:
        found = fj.search(**filters)
        assert isinstance(found, list), found
        return sorted(e["Event"]["info"] for e in found)  # type: ignore[index]

    assert infos(value="+6799990001") == ["Phones"]
    assert infos(value="+679 999 0001") == ["Phones"]
    assert infos(value="%lure%") == ["Phones"]
    assert infos(type_attribute="btc") == ["Wallets"]
    assert infos(tags="crime:romance") == ["Phones"]
    assert infos(tags=["!crime:romance"]) == ["Wallets"]
    assert infos(tags="tlp:green") == ["Phones", "Wallets"]
    assert infos(org=c.th.name) == ["Wallets"]
    assert infos(published=True) == ["Wallets"]
    assert infos(timestamp=clock.now().timestamp() - 60) == ["Wallets"]
    assert infos(value="203.0.113.250") == []
    meta = fj.search(eventinfo="Phones", metadata=True)
    assert "Attribute" not in meta[0]["Event"]  # type: ignore[index]
    pythonified = fj.search(value="+6799990001", pythonify=True)
    assert isinstance(pythonified[0], MISPEvent)


def test_attribute_search_returns_attributes_with_their_event(live_server: Any, make: Factory) -> None:
    c = community(make)
    misp = client(live_server.url, c.fj_token)
    misp.add_event(event("Mix", [("phone-number", "+66 81 234 5678"), ("url", "https://lure.example/login")]))
    found = misp.search(controller="attributes", type_attribute="phone-number")
    assert isinstance(found, dict)
    [only] = found["Attribute"]
    assert only["value"] == "+66812345678" and only["Event"]["info"] == "Mix"
    objects = misp.search(controller="attributes", value="https://lure.example/login", pythonify=True)
    assert isinstance(objects[0], MISPAttribute) and objects[0].type == "url"  # type: ignore[union-attr]
    refused = misp.search(controller="attributes", return_format="csv")
    assert "returnFormat" in str(refused)


def test_tagging_tlp_red_narrows_the_statement_for_everyone_else(live_server: Any, make: Factory) -> None:
    c = community(make)
    fj, th = client(live_server.url, c.fj_token), client(live_server.url, c.th_token)
    added = fj.add_event(event("Shared", [("domain", "mule-recruit.example"), ("domain", "other.example")], distribution=3))
    target = added["Event"]["Attribute"][0]  # type: ignore[index]
    assert sorted(values(th.get_event(added["Event"]["uuid"]))) == ["mule-recruit.example", "other.example"]  # type: ignore[arg-type, index]
    reply = fj.tag(target["uuid"], "tlp:red", local=False)
    assert reply["saved"] is True  # type: ignore[index]
    assert values(th.get_event(added["Event"]["uuid"])) == ["other.example"]  # type: ignore[arg-type, index]
    own = fj.get_event(added["Event"]["uuid"])  # type: ignore[index]
    red = next(a for a in own["Event"]["Attribute"] if a["uuid"] == target["uuid"])  # type: ignore[index]
    assert [t["name"] for t in red["Tag"]] == ["tlp:red"] and red["distribution"] == "0"
    refused = th.tag(added["Event"]["uuid"], "tlp:clear")  # type: ignore[index]
    assert refused["errors"][0] == 403  # type: ignore[index]
    hidden = th.tag(target["uuid"], "tlp:clear")
    assert hidden["errors"][0] == 404  # type: ignore[index]
    fj.tag(added["Event"]["uuid"], "workflow:state=\"complete\"", local=True)  # type: ignore[index]
    tags = [t["name"] for t in fj.get_event(added["Event"]["uuid"])["Event"]["Tag"]]  # type: ignore[index]
    assert 'workflow:state="complete"' in tags


def test_edit_merges_attributes_by_uuid_and_deletes_marked_ones(live_server: Any, make: Factory) -> None:
    c = community(make)
    misp = client(live_server.url, c.fj_token)
    added = misp.add_event(event("Editable", [("ip-dst", "198.51.100.10"), ("ip-dst", "198.51.100.11")]), pythonify=True)
    assert isinstance(added, MISPEvent)
    added.attributes[0].deleted = True
    added.add_attribute("domain", "new.example")
    added.info = "Edited"
    edited = misp.update_event(added, pythonify=True)
    assert isinstance(edited, MISPEvent), edited
    assert edited.info == "Edited" and sorted(a.value for a in edited.attributes) == ["198.51.100.11", "new.example"]
    extra = misp.add_attribute(edited, {"type": "email-src", "value": "Boss@Scam.example"})
    assert extra["Attribute"]["value"] == "boss@scam.example"  # type: ignore[index]
    duplicate = misp.add_attribute(edited, {"type": "domain", "value": "new.example"})
    assert duplicate["errors"][0] == 422 and "duplicate" in duplicate["errors"][1]["reason"]  # type: ignore[index]
    several = misp.add_attribute(edited, [{"type": "domain", "value": "new.example"}, {"type": "domain", "value": "two.example"}])
    assert [a["value"] for a in several["Attribute"]] == ["two.example"] and several["errors"]  # type: ignore[index]
    assert misp.publish(edited)["id"] == str(edited.id)  # type: ignore[index]
    assert misp.get_event(edited.uuid, pythonify=True).published is True  # type: ignore[union-attr]


def test_malformed_events_get_json_errors_naming_the_field(live_server: Any, make: Factory) -> None:
    c = community(make)
    misp = client(live_server.url, c.fj_token)
    for body, field in [({"Event": {"distribution": 1}}, "Event.info"),
                        ({"info": "x", "distribution": 9}, "Event.distribution"),
                        ({"info": "x", "date": "yesterday"}, "Event.date"),
                        ({"info": "x", "distribution": 4, "sharing_group_id": 77}, "Event.sharing_group_id")]:
        reply = misp.direct_call("events/add", body)
        assert reply["errors"][0] == 422, body
        assert reply["errors"][1]["field"] == field and reply["errors"][1]["message"]
    raw = requests.post(live_server.url + "/misp/events/add", data="{not json", timeout=10,
                        headers={"Authorization": c.fj_token, "Content-Type": "application/json"})
    assert raw.status_code == 422 and raw.json()["field"] == "body"
    missing = misp.get_event(999)
    assert missing["errors"][0] == 404  # type: ignore[index]


def test_viewer_may_search_but_not_add(live_server: Any, make: Factory) -> None:
    c = community(make)
    viewer = make.token(make.user("viewer@fj.aspjoc.test", c.fj, role="viewer", password=None))
    misp = client(live_server.url, viewer)
    assert misp.search(value="198.51.100.7") == []
    refused = misp.add_event(event("Nope", [("ip-dst", "198.51.100.7")]))
    assert refused["errors"][0] == 403  # type: ignore[index]
