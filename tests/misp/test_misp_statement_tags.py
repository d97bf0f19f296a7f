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
