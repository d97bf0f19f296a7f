"""Statement tags in the MISP API and feed: attribute ``Tag`` entries beside the stored ones, never across a marking."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import requests
from pymisp import MISPEvent
from sqlalchemy import select, update

from aspjoc.intel.models import Observable, Statement
from misp_helpers import client, community, event
from support import Factory, bearer

GREEN_IP = "198.51.100.40"
RED_PHONE = "+66812345678"
STRICT_DOMAIN = "kinnaree-strict.example"


def _tag_statement(make: Factory, value: str, *tags: str) -> None:
    with make.db.unit_of_work() as s:
        observable = select(Observable.id).where(Observable.value == value).scalar_subquery()
        s.execute(update(Statement).where(Statement.observable_id == observable).values(tags=json.dumps(list(tags))))


def _arrange(live_server: Any, make: Factory) -> tuple[Any, str]:
    """A Thai event: a GREEN IP tagged ``mozi`` in MISP, a RED phone and an AMBER+STRICT domain; their statements tagged."""
    c = community(make)
    th = client(live_server.url, c.th_token)
    uuid = th.add_event(event("Kinnaree wave", [], tags=["campaign:kinnaree-wave"], distribution=3))["Event"]["uuid"]  # type: ignore[index]
    th.add_attribute(uuid, {"type": "ip-dst", "value": GREEN_IP, "Tag": [{"name": "mozi"}, {"name": "tlp:green"}]})
    th.add_attribute(uuid, {"type": "phone-number", "value": "+66 81 234 5678", "Tag": [{"name": "tlp:red"}]})
    th.add_attribute(uuid, {"type": "domain", "value": STRICT_DOMAIN, "Tag": [{"name": "tlp:amber+strict"}]})
    _tag_statement(make, GREEN_IP, "mozi", "elf", "tlp:amber", "campaign:kinnaree-wave")
    _tag_statement(make, RED_PHONE, "op-kinnaree-red")
    _tag_statement(make, STRICT_DOMAIN, "op-kinnaree-strict")
    return c, uuid


def _tag_names(attribute: dict[str, Any]) -> list[str]:
    return [t["name"] for t in attribute["Tag"]]


def test_statement_tags_join_the_attributes_own_tags_once(live_server: Any, make: Factory) -> None:
    c, uuid = _arrange(live_server, make)
    headers = {"Authorization": c.th_token, "Accept": "application/json"}
    shown = requests.get(f"{live_server.url}/misp/events/view/{uuid}", headers=headers, timeout=10).json()
    attributes = {a["value"]: a for a in shown["Event"]["Attribute"]}
    # The marking's TLP tag, the stored ones, then the statement's not shown yet; its tlp: tags never.
    assert _tag_names(attributes[GREEN_IP]) == ["tlp:green", "mozi", "elf", "campaign:kinnaree-wave"]
    assert _tag_names(attributes[RED_PHONE]) == ["tlp:red", "op-kinnaree-red"]
    loaded = MISPEvent()
    loaded.load(shown)
    assert [t.name for t in loaded.attributes[0].tags] == ["tlp:green", "mozi", "elf", "campaign:kinnaree-wave"]
    th = client(live_server.url, c.th_token)
    found = th.search(controller="attributes", value=GREEN_IP, include_event_tags=True, pythonify=True)
    assert [t.name for t in found[0].tags] == ["tlp:green", "mozi", "campaign:kinnaree-wave", "elf"]  # type: ignore[union-attr, index]
    pythonified = th.get_event(uuid, pythonify=True)
    assert "elf" in [t.name for a in pythonified.attributes for t in a.tags]  # type: ignore[union-attr]


def _feed(base: str, token: str) -> dict[str, str]:
    """The files of the caller's MISP feed zip, by name."""
    reply = requests.get(f"{base}/api/v1/export/misp-feed", headers=bearer(token), timeout=10)
    assert reply.status_code == 200, reply.text
    with zipfile.ZipFile(io.BytesIO(reply.content)) as archive:
        return {name: archive.read(name).decode() for name in archive.namelist()}


def test_the_feed_carries_statement_tags(live_server: Any, make: Factory) -> None:
    c, uuid = _arrange(live_server, make)
    files = _feed(live_server.url, c.th_token)
    loaded = MISPEvent()
    loaded.load(files[f"{uuid}.json"])
    attribute = next(a for a in loaded.attributes if a.value == GREEN_IP)
    assert [t.name for t in attribute.tags] == ["tlp:green", "mozi", "elf", "campaign:kinnaree-wave"]


def test_tags_of_thai_red_and_amber_strict_statements_reach_no_philippine_misp_view(live_server: Any, make: Factory) -> None:
    _, uuid = _arrange(live_server, make)
    ph_org = make.org("Philippine Cyber Unit", "PH")
    ph_token = make.token(make.user("analyst@ph.aspjoc.test", ph_org, password=None))
    headers = {"Authorization": ph_token, "Accept": "application/json"}
    seen = [
        requests.get(f"{live_server.url}/misp/events/view/{uuid}", headers=headers, timeout=10).text,
        requests.get(f"{live_server.url}/misp/events/index", headers=headers, timeout=10).text,
        *_feed(live_server.url, ph_token).values(),
    ]
    for controller in ("events", "attributes"):
        for body in ({}, {"includeEventTags": True}, {"tags": ["op-kinnaree-red"]}, {"tags": ["op-kinnaree-strict"]}):
            reply = requests.post(f"{live_server.url}/misp/{controller}/restSearch", json=body, headers=headers, timeout=10)
            assert reply.status_code == 200, reply.text
            seen.append(reply.text)
    everything = "\n".join(seen)
    assert "elf" in everything  # the GREEN attribute's statement tags do reach the Philippines
    assert "kinnaree-red" not in everything and "kinnaree-strict" not in everything



OTHER_IP = "198.51.100.41"


def _terms(*names: str) -> list[str | int]:
    """A tag filter as PyMISP types it."""
    return list(names)


def _values(reply: Any) -> list[str]:
    return sorted(a["value"] for a in reply["Attribute"])


def test_tag_searches_match_statement_tags_too(live_server: Any, make: Factory) -> None:
    c, uuid = _arrange(live_server, make)
    th = client(live_server.url, c.th_token)
    th.add_event(event("Other wave", [("ip-dst", OTHER_IP)], distribution=3))
    _tag_statement(make, OTHER_IP, "lumma", "elf-loader")

    def found(*names: str) -> list[str]:
        return _values(th.search(controller="attributes", tags=_terms(*names)))

    # "elf" is the GREEN IP's statement tag only: neither an attribute nor an event tag.
    assert found("elf") == found("ELF") == [GREEN_IP]
    assert found("elf%") == sorted([GREEN_IP, OTHER_IP])
    assert found("%loader") == found("lumma") == [OTHER_IP]
    assert found("mozi") == [GREEN_IP]  # stored and statement tag alike: once
    assert found("op-kinnaree-red", "op-kinnaree-strict") == sorted([RED_PHONE, STRICT_DOMAIN])
    both: dict[str, Any] = {"AND": ["elf", "mozi"]}  # PyMISP's build_complex_query shape
    assert _values(th.search(controller="attributes", tags=both)) == [GREEN_IP]
    assert OTHER_IP in found("!elf") and GREEN_IP not in found("!elf")
    # A statement's tlp: tags are not shown, so a tlp: term matches the marking alone.
    assert found("tlp:amber") == []
    assert found("no-such-tag") == []
    events = th.search(controller="events", tags=_terms("lumma"), pythonify=True)
    assert [e.info for e in events] == ["Other wave"]  # type: ignore[union-attr]
    indexed: Any = th.search_index(tags=_terms("elf"))
    assert [e["info"] for e in indexed] == ["Kinnaree wave"] and indexed[0]["uuid"] == uuid


def test_tag_searches_do_not_reveal_thai_red_or_amber_strict_statements_to_the_philippines(
        live_server: Any, make: Factory) -> None:
    c, _ = _arrange(live_server, make)
    ph_org = make.org("Philippine Cyber Unit", "PH")
    ph = client(live_server.url, make.token(make.user("analyst@ph.aspjoc.test", ph_org, password=None)))

    def replies(*names: str) -> list[Any]:
        tags = _terms(*names)
        return [ph.search(controller="attributes", tags=tags),
                ph.search(controller="attributes", tags=tags, include_event_tags=True),
                ph.search(controller="events", tags=tags), ph.search(controller="events", tags=tags, metadata=True),
                ph.search_index(tags=tags)]

    unused = replies("no-such-tag")
    for name in ("op-kinnaree-red", "op-kinnaree-strict", "OP-KINNAREE-RED", "op-kinnaree%", "%-strict"):
        assert replies(name) == unused, name
    # The same searches find the GREEN attribute by its statement tag, and the owner finds the others.
    assert _values(ph.search(controller="attributes", tags=_terms("elf"))) == [GREEN_IP]
    indexed: Any = ph.search_index(tags=_terms("elf"))
    assert [e["info"] for e in indexed] == ["Kinnaree wave"]
    owned = client(live_server.url, c.th_token).search(controller="attributes", tags=_terms("op-kinnaree%"))
    assert _values(owned) == sorted([RED_PHONE, STRICT_DOMAIN])
