"""A MISP event reads to the same markings whether it arrives as a file (or feed) or through the MISP API."""

from __future__ import annotations

import io
import json
from typing import Any

from sqlalchemy import select

from aspjoc.db import Database
from aspjoc.intel.formats import FORMATS
from aspjoc.intel.ingest.pipeline import IngestOptions, ingest
from aspjoc.intel.ingest.service import format_options
from aspjoc.intel.models import Observable, Statement
from aspjoc.marking import TLP, Marking, MarkingRecipient
from support import T0, Factory

GROUP = "Pacific Fraud Group"


def _attribute(value: str, distribution: int | None = None, tags: tuple[str, ...] = (), kind: str = "domain") -> dict[str, Any]:
    found: dict[str, Any] = {"type": kind, "value": value, "category": "Network activity",
                             "Tag": [{"name": t} for t in tags]}
    if distribution is not None:
        found["distribution"] = str(distribution)
    if distribution == 4:  # as MISP exports it: the id on this instance, and the group (its name travels)
        found["sharing_group_id"], found["SharingGroup"] = "1", {"name": GROUP}
    return found


def _event(info: str, attributes: list[dict[str, Any]], distribution: int | None = None,
           tags: tuple[str, ...] = ()) -> dict[str, Any]:
    event: dict[str, Any] = {"info": info, "Attribute": attributes, "Tag": [{"name": t} for t in tags]}
    if distribution is not None:
        event["distribution"] = str(distribution)
    if distribution == 4:
        event["sharing_group_id"], event["SharingGroup"] = "1", {"name": GROUP}
    return {"Event": event}


def _object(distribution: int, attributes: list[dict[str, Any]]) -> dict[str, Any]:
    """A MISP object; its attributes name their relation, as MISP writes them."""
    return {"name": "domain-ip", "meta-category": "network", "distribution": str(distribution),
            "Attribute": [{**a, "object_relation": a["type"]} for a in attributes]}


EVENTS = [
    _event("every level under 'all communities'", [
        _attribute("198.51.100.10", 0, kind="ip-dst"), _attribute("198.51.100.11", 0, ("tlp:red",), kind="ip-dst"),
        _attribute("a1.example", 1), _attribute("a2.example", 1, ("tlp:clear",)), _attribute("a3.example", 2, ("tlp:amber",)),
        _attribute("a4.example", 3), _attribute("a5.example", 3, ("tlp:clear",)), _attribute("a6.example", 4),
        _attribute("a7.example", 4, ("tlp:red",)), _attribute("a8.example", 5), _attribute("a9.example")], distribution=3),
    _event("a sharing group's event", [
        _attribute("b1.example", 5), _attribute("b2.example", 3), _attribute("b3.example", 0), _attribute("b4.example", 1)],
        distribution=4, tags=("tlp:green",)),
    _event("no distribution given", [_attribute("c1.example"), _attribute("c2.example", 3, ("tlp:clear",))]),
    _event("strict tag on the event", [_attribute("c3.example", 3), _attribute("c4.example", 4)], distribution=1,
           tags=("tlp:amber+strict",)),
    {"Event": {**_event("objects narrower than their event", [_attribute("e0.example", 3)], distribution=3)["Event"],
               "Object": [_object(0, [_attribute("e1.example"), _attribute("e2.example", 3, ("tlp:clear",))]),
                          _object(1, [_attribute("e3.example", 3, ("tlp:clear",))])]}},
]


def _markings(db: Database, source: str) -> dict[str, int]:
    with db.reader() as s:
        return dict(s.execute(select(Observable.value, Statement.marking_id)
                              .join(Statement, Statement.observable_id == Observable.id).where(Statement.source == source)).tuples().all())


def test_an_event_reads_to_the_same_markings_as_a_file_and_through_the_api(db: Database, make: Factory, client: Any) -> None:
    fj, th = make.org("Fiji Cyber Unit", "FJ"), make.org("Thai Cyber Unit", "TH")
    group = make.group(GROUP, fj, [fj, th])
    token = make.token(make.user("analyst@fj.aspjoc.test", fj, password=None))
    for event in EVENTS:
        reply = client.post("/misp/events/add", json=event, headers={"Authorization": token})
        assert reply.status_code == 200, reply.text
    with db.reader() as s:
        api_source = s.scalars(select(Statement.source).where(Statement.owner_org_id == fj.id)).first()
    body = json.dumps({"response": EVENTS}).encode()
    # The file is ingested under the widest marking, so what the events say decides.
    report = ingest(db, FORMATS["misp"].read(io.BytesIO(body), format_options(db)),
                    IngestOptions(org_id=fj.id, tlp=TLP.CLEAR, source="misp file", format="misp"), T0)
    assert (report.stored, report.rejected) == (23, 0)
    through_api, from_file = _markings(db, str(api_source)), _markings(db, "misp file")
    assert len(from_file) == 23 and from_file == through_api
    with db.reader() as s:
        marking = {value: s.get(Marking, marking_id) for value, marking_id in from_file.items()}
        groups = {value: set(s.scalars(select(MarkingRecipient.group_id).where(MarkingRecipient.marking_id == m.id)))
                  for value, m in marking.items() if m is not None}
    tlp = {value: TLP(m.tlp) for value, m in marking.items() if m is not None}
    assert tlp["198.51.100.10"] == TLP.AMBER_STRICT and not groups["198.51.100.10"]  # 0: the owner alone
    assert tlp["198.51.100.11"] == TLP.RED
    assert (tlp["a1.example"], tlp["a2.example"], tlp["a3.example"]) == (TLP.GREEN, TLP.GREEN, TLP.AMBER)  # never CLEAR below 3
    assert (tlp["a4.example"], tlp["a5.example"], tlp["a8.example"], tlp["a9.example"]) == (TLP.GREEN, TLP.CLEAR, TLP.GREEN,
                                                                                              TLP.GREEN)
    assert (tlp["a6.example"], groups["a6.example"]) == (TLP.AMBER, {group})
    assert (tlp["b1.example"], groups["b1.example"], tlp["b3.example"]) == (TLP.AMBER, {group}, TLP.AMBER_STRICT)
    assert tlp["c1.example"] == tlp["c2.example"] == TLP.GREEN  # no distribution: "this community", narrower than 3
    assert tlp["c3.example"] == TLP.AMBER_STRICT
    # An object's distribution narrows its attributes: 0 keeps them to the owner, 1 never lets tlp:clear through.
    assert tlp["e0.example"] == TLP.GREEN
    assert tlp["e1.example"] == tlp["e2.example"] == TLP.AMBER_STRICT and not groups["e1.example"]
    assert tlp["e3.example"] == TLP.GREEN


def test_distribution_zero_drops_the_ingests_recipients(db: Database, make: Factory) -> None:
    fj, th = make.org("Fiji Cyber Unit", "FJ"), make.org("Thai Cyber Unit", "TH")
    body = json.dumps(_event("owner only", [_attribute("d1.example", 0), _attribute("d2.example", 1, ("tlp:amber",))],
                             distribution=3)).encode()
    ingest(db, FORMATS["misp"].read(io.BytesIO(body), format_options(db)),
           IngestOptions(org_id=fj.id, tlp=TLP.AMBER, source="shared file", recipient_org_ids=frozenset({th.id})), T0)
    with db.reader() as s:
        recipients = {value: set(s.scalars(select(MarkingRecipient.org_id).where(MarkingRecipient.marking_id == marking_id)))
                      for value, marking_id in _markings(db, "shared file").items()}
    assert recipients == {"d1.example": set(), "d2.example": {th.id}}
