"""Leak tests of the MISP API: RED and AMBER+STRICT data of one country never reaches another's views or searches."""

from __future__ import annotations

from typing import Any

import requests

from misp_helpers import Community, client, community, event, values
from support import Factory

GREEN_IP = "198.51.100.20"
SECRETS = ["+66812345678", "TH:004:1234567890", "amber-strict.example", "secret-op.example", "group-only.example"]


def _arrange(live_server: Any, make: Factory) -> tuple[Community, dict[str, Any], dict[str, Any]]:
    c = community(make)
    group_id = make.group("TH-hub desk", c.th, [c.hub])
    th = client(live_server.url, c.th_token)
    joint = th.add_event(event("Joint wave", [], distribution=3))
    uuid = joint["Event"]["uuid"]  # type: ignore[index]
    th.add_attribute(uuid, {"type": "ip-dst", "value": GREEN_IP})
    th.add_attribute(uuid, {"type": "phone-number", "value": "+66 81 234 5678", "Tag": [{"name": "tlp:red"}]})
    th.add_attribute(uuid, {"type": "bank-account-nr", "value": "TH:004:1234567890", "distribution": 0})
    th.add_attribute(uuid, {"type": "domain", "value": "amber-strict.example", "Tag": [{"name": "tlp:amber+strict"}]})
    th.add_attribute(uuid, {"type": "domain", "value": "group-only.example", "distribution": 4, "sharing_group_id": group_id})
    red = th.add_event(event("Red operation", [("domain", "secret-op.example")], tags=["tlp:red"], distribution=3))
    return c, th.get_event(uuid), red  # type: ignore[return-value]


def test_red_and_amber_strict_are_absent_from_another_countrys_views(live_server: Any, make: Factory) -> None:
    c, joint, red = _arrange(live_server, make)
    assert sorted(values(joint)) == sorted([GREEN_IP, "+66812345678", "TH:004:1234567890", "amber-strict.example",
                                            "group-only.example"]), "the owner sees all it added"
    assert values(red) == ["secret-op.example"]
    fj = client(live_server.url, c.fj_token)
    seen = fj.get_event(joint["Event"]["uuid"])
    assert values(seen) == [GREEN_IP]  # type: ignore[arg-type]
    assert seen["Event"]["attribute_count"] == "1"  # type: ignore[index]
    assert fj.get_event(red["Event"]["uuid"])["errors"][0] == 404  # type: ignore[index]
    assert fj.event_exists(red["Event"]["uuid"]) is False
    hidden = [a["uuid"] for a in joint["Event"]["Attribute"] if a["value"] != GREEN_IP]
    assert all(fj.attribute_exists(u) is False for u in hidden)
    listed = fj.events()
    assert [(e["info"], e["attribute_count"]) for e in listed] == [("Joint wave", "1")]  # type: ignore[index, union-attr]
    raw = requests.get(live_server.url + f"/misp/events/view/{joint['Event']['uuid']}", timeout=10,
                       headers={"Authorization": c.fj_token, "Accept": "application/json"}).text
    assert not any(secret in raw for secret in SECRETS)


def test_red_and_amber_strict_are_absent_from_another_countrys_searches_and_groups_see_their_own(
        live_server: Any, make: Factory) -> None:
    c, joint, red = _arrange(live_server, make)
    fj = client(live_server.url, c.fj_token)
    for secret in SECRETS:
        assert fj.search(value=secret) == [], secret
        assert fj.search(controller="attributes", value=secret) == {"Attribute": []}, secret
    assert fj.search(tags="tlp:red") == []
    assert fj.search(eventinfo="Red") == []
    every = fj.search(controller="attributes")
    assert [a["value"] for a in every["Attribute"]] == [GREEN_IP]  # type: ignore[index]
    events = fj.search()
    assert [values(e) for e in events] == [[GREEN_IP]]  # type: ignore[arg-type, union-attr]
    assert fj.search(searchall="example") == []

    hub = client(live_server.url, c.hub_token)
    shown = hub.get_event(joint["Event"]["uuid"])
    assert sorted(values(shown)) == [GREEN_IP, "group-only.example"]  # type: ignore[arg-type]
    grouped = next(a for a in shown["Event"]["Attribute"] if a["value"] == "group-only.example")  # type: ignore[index]
    assert grouped["distribution"] == "4" and grouped["SharingGroup"]["name"] == "TH-hub desk"
