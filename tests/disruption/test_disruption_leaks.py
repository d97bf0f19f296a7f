"""What a block list must never carry: RED or AMBER+STRICT statements the subscriber may not see, statements
marked for no onward sharing or no export, warning-listed values; and who may manage lists at all."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from aspjoc.audit import AuditEvent
from aspjoc.intel.ingest.flags import flag_observable
from aspjoc.intel.models import Notice, Observable
from disruption_helpers import Region, fetch, listed_lines
from support import Factory, bearer


def _plain(client: Any, region: Region, subscriber: str, name: str | None = None, **selection: Any) -> list[str]:
    sid, token = region.subscribe(client, "plain", subscriber=subscriber, name=name, **selection)
    reply = fetch(client, sid, "txt", token)
    assert reply.status_code == 200, reply.text
    return listed_lines(reply.text)


def test_red_statement_never_reaches_a_subscriber_who_may_not_see_it(client: Any, make: Factory) -> None:
    region = Region.build(make)
    region.state("th", "red-only.example", tlp="red", orgs=["bank", "ph"])
    region.state("th", "green-lead.example", tlp="green")
    for subscriber in ("bank", "ph", "telco"):
        assert _plain(client, region, subscriber) == ["green-lead.example"], subscriber
    # The owner's own list may carry its RED statement: the gate is the subscriber's, not the manager's.
    assert sorted(_plain(client, region, "th")) == ["green-lead.example", "red-only.example"]


def test_amber_strict_reaches_only_the_named_country(client: Any, make: Factory) -> None:
    region = Region.build(make)
    region.state("th", "strict-to-ph.example", tlp="amber+strict", orgs=["ph"])
    region.state("th", "amber-community.example", tlp="amber")
    assert sorted(_plain(client, region, "ph")) == ["amber-community.example", "strict-to-ph.example"]
    assert _plain(client, region, "bank") == []
    region.state("ph", "strict-to-bank.example", tlp="amber+strict", orgs=["bank"])
    assert _plain(client, region, "bank", name="bank again") == ["strict-to-bank.example"]
    assert "strict-to-bank.example" not in _plain(client, region, "th")


def test_no_onward_sharing_and_no_export_are_always_left_out(client: Any, make: Factory) -> None:
    region = Region.build(make)
    region.state("th", "keep-inside.example", handling=["no_onward_sharing"])
    region.state("th", "not-for-export.example", handling=["no_export"])
    region.state("th", "shareable.example")
    for subscriber in ("bank", "ph", "th"):
        assert _plain(client, region, subscriber) == ["shareable.example"], subscriber


def test_warning_listed_values_never_appear_in_a_list(client: Any, make: Factory) -> None:
    region = Region.build(make)
    for value in ("google.com", "8.8.8.8", "phish-lookalike.example", "203.0.113.9"):
        region.state("th", value)
    with make.db.unit_of_work() as s:
        flagged = {}
        for value in ("google.com", "8.8.8.8"):
            observable = s.scalar(select(Observable).where(Observable.value == value))
            assert observable is not None
            flagged[value] = flag_observable(s, observable)  # the real MISP warning lists, offline
    assert all(flagged.values()), flagged
    assert _plain(client, region, "bank", types=["domain", "ipv4"]) == ["phish-lookalike.example", "203.0.113.9"]
    sid, token = region.subscribe(client, "rpz", name="rpz")
    assert "google.com" not in fetch(client, sid, "rpz", token).text


def test_trace_shows_only_statements_the_subscriber_may_receive(client: Any, make: Factory) -> None:
    region = Region.build(make)
    region.state("th", "shared-domain.example", tlp="green")
    region.state("ph", "shared-domain.example", tlp="red")
    sid, token = region.subscribe(client, "rpz")
    text = fetch(client, sid, "rpz", token).text
    ref = next(line.split("ref=")[1] for line in text.splitlines() if line.startswith("shared-domain.example"))
    trace = client.get(f"/feeds/{sid}/refs/{ref}", params={"token": token}).json()
    assert [s["owner"] for s in trace["statements"]] == ["Thai Cyber Unit"]


def test_only_hub_and_law_enforcement_staff_manage_lists_and_only_their_own(client: Any, make: Factory) -> None:
    region = Region.build(make)
    sid, _ = region.subscribe(client, "rpz")
    body = {"name": "mine", "subscriber": region.orgs["bank"].name, "format": "rpz"}
    assert client.post("/api/v1/blocklists", json=body, headers=bearer(region.tokens["bank"])).status_code == 403
    assert client.get(f"/api/v1/blocklists/{sid}", headers=bearer(region.tokens["ph"])).status_code == 404
    assert client.post(f"/api/v1/blocklists/{sid}/token", headers=bearer(region.tokens["ph"])).status_code == 404
    assert client.get("/api/v1/blocklists", headers=bearer(region.tokens["ph"])).json() == []
    assert [s["id"] for s in client.get("/api/v1/blocklists", headers=bearer(region.tokens["hub"])).json()] == [sid]
    assert client.get("/api/v1/blocklists").status_code == 401


def test_owners_who_asked_are_told_and_restricted_deliveries_are_audited(client: Any, make: Factory) -> None:
    region = Region.build(make)
    region.state("th", "watched.example", handling=["notify_owner"])
    region.state("ph", "strict-to-bank.example", tlp="amber+strict", orgs=["bank"])
    region.state("th", "plain.example")
    sid, token = region.subscribe(client, "rpz")
    assert fetch(client, sid, "rpz", token).text.count(" CNAME .") == 6
    with make.db.reader() as s:
        notices = s.scalars(select(Notice).where(Notice.kind == "retrieval")).all()
        restricted = s.scalars(select(AuditEvent).where(AuditEvent.action == "blocklist.restricted")).all()
    assert [(n.org_id, n.actor_org_id) for n in notices] == [(region.orgs["th"].id, region.orgs["bank"].id)]
    assert "1 of your statements went onto the block list" in notices[0].message
    assert len(restricted) == 1 and f'"owner":{region.orgs["ph"].id}' in restricted[0].detail
    region.refresh(client, sid)  # nothing new: nobody is told twice
    with make.db.reader() as s:
        assert len(s.scalars(select(Notice).where(Notice.kind == "retrieval")).all()) == 1
