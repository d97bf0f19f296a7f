"""Statement tags across sharing: the export's ``tag`` filter (API and CLI), and labels read back as tags
by federation and TAXII intake, capped as ingest caps them; never across a marking."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests
from fastapi.testclient import TestClient
from sharing_helpers import Region, assert_valid, second_instance
from sqlalchemy import select, update
from support import Factory, LiveServer, bearer
from taxii2client.v21 import ApiRoot, Collection
from typer.testing import CliRunner

from aspjoc.clock import FixedClock
from aspjoc.cli import app as cli
from aspjoc.db import Database
from aspjoc.errors import InvalidInput
from aspjoc.intel.models import Statement
from aspjoc.intel.tags import parse_tags, stored_tags
from aspjoc.sharing.federation import run_remote
from aspjoc.sharing.service import RemoteSpec, add_remote
from aspjoc.sharing.stix.vocab import STATEMENT_EXTENSION
from aspjoc.sharing.taxii.collections import COMMUNITY_ID

GREEN_REF = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"  # TLP 2.0 GREEN


def _tagged(region: Region) -> dict[str, str]:
    made = {
        "mozi": region.state("th", "+66812348301", "green", crime_type="malware"),
        "lotus": region.state("th", "+66812348302", "green", crime_type=None),
        "both": region.state("ph", "+639171238303", "amber"),
        "plain": region.state("th", "+66812348304", "green", crime_type="phishing"),
        "red": region.state("th", "+66812348305", "red", orgs=["hub"]),
        "strict": region.state("th", "+66812348306", "amber+strict", orgs=["fj"]),
        # Labels alone would read these back wrongly: the extension says what they hold.
        "no-crime": region.state("th", "+66812348307", "green", crime_type=None),
        "self-tag": region.state("th", "+66812348308", "green", crime_type="phishing"),
    }
    region.tag(made["no-crime"], "phishing", "op-lotus")
    region.tag(made["self-tag"], "op-lotus", "phishing")
    region.tag(made["mozi"], "elf", "Mozi")
    region.tag(made["lotus"], "op-lotus", "sms")
    region.tag(made["both"], "op-lotus", "mozi")
    region.tag(made["red"], "op-kinnaree-red")
    region.tag(made["strict"], "op-kinnaree-strict")
    return made


def _ids(bundle: dict[str, Any]) -> set[str]:
    return {o["id"].removeprefix("indicator--") for o in bundle["objects"] if o["type"] == "indicator"}


def _without_id(bundle: dict[str, Any]) -> dict[str, Any]:
    """The bundle less its id, which is new on every export."""
    return {k: v for k, v in bundle.items() if k != "id"}


def test_export_tag_filter_matches_the_statements_api(client: Any, make: Factory) -> None:
    region = Region.build(make)
    made = _tagged(region)
    headers = bearer(region.tokens["ph"])
    for params, expected in (({"tag": "mozi"}, {"mozi", "both"}), ({"tag": ["ELF", "sms"]}, {"mozi", "lotus"}),
                             ({"tag": "op-lotus", "crime_type": "investment_scam"}, {"both"})):
        listed = client.get("/api/v1/statements", params=params, headers=headers).json()["items"]
        bundle = client.get("/api/v1/export/stix", params=params, headers=headers).json()
        assert_valid(bundle)
        assert _ids(bundle) == {i["uuid"] for i in listed} == {made[k] for k in expected}, params
    unused = client.get("/api/v1/export/stix", params={"tag": "no-such-tag"}, headers=headers).json()
    assert _ids(unused) == set()


def test_export_refuses_bad_tags_naming_the_field(client: Any, make: Factory) -> None:
    region = Region.build(make)
    for params in ({"tag": "  "}, {"tag": "x" * 256}, {"tag": [f"t{i}" for i in range(21)]}):
        reply = client.get("/api/v1/export/stix", params=params, headers=bearer(region.tokens["ph"]))
        assert reply.status_code == 422, params
        assert reply.json()["field"] == "tag" and reply.json()["reason"]


def _philippine_cli_export(out: Path, *tags: str) -> Any:
    """``aspjoc export stix`` as the Philippine unit with ``--tag`` for each of ``tags``; the CliRunner result."""
    args = [arg for tag in tags for arg in ("--tag", tag)]
    return CliRunner().invoke(cli, ["export", "stix", "--org", "Philippine Cyber Unit", *args, "--out", str(out)])


def test_cli_export_takes_repeated_tags(make: Factory, database_url: str, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("ASPJOC_DATABASE_URL", database_url)
    made = _tagged(Region.build(make))
    result = _philippine_cli_export(tmp_path / "tagged.json", "elf", "op-lotus")
    assert result.exit_code == 0, result.output
    bundle = json.loads((tmp_path / "tagged.json").read_text())
    assert_valid(bundle)
    assert _ids(bundle) == {made["mozi"], made["lotus"], made["both"], made["no-crime"], made["self-tag"]}
    bad = _philippine_cli_export(tmp_path / "refused.json", " ")
    assert isinstance(bad.exception, InvalidInput) and bad.exception.field == "tag"
    assert not (tmp_path / "refused.json").exists()


def test_the_tag_filter_does_not_reveal_thai_red_or_amber_strict_statements_to_the_philippines(
        client: Any, make: Factory, database_url: str, tmp_path: Path, monkeypatch: Any) -> None:
    region = Region.build(make)
    made = _tagged(region)
    headers = bearer(region.tokens["ph"])

    def exported(tag: str) -> dict[str, Any]:
        reply = client.get("/api/v1/export/stix", params={"tag": tag}, headers=headers)
        assert reply.status_code == 200, reply.text
        bundle: dict[str, Any] = reply.json()
        return _without_id(bundle)

    unused = exported("no-such-tag")
    for tag in ("op-kinnaree-red", "op-kinnaree-strict", "OP-KINNAREE-RED"):
        assert exported(tag) == unused, tag
    monkeypatch.setenv("ASPJOC_DATABASE_URL", database_url)
    shown = {}
    for tag in ("op-kinnaree-red", "op-kinnaree-strict", "no-such-tag"):
        result = _philippine_cli_export(tmp_path / f"{tag}.json", tag)
        assert result.exit_code == 0, result.output
        shown[tag] = _without_id(json.loads((tmp_path / f"{tag}.json").read_text()))
    assert shown["op-kinnaree-red"] == shown["op-kinnaree-strict"] == shown["no-such-tag"]
    # The filter does find them for those who may export them: the owner, and Fiji for the AMBER+STRICT one.
    own = client.get("/api/v1/export/stix", params={"tag": ["op-kinnaree-red", "op-kinnaree-strict"]},
                     headers=bearer(region.tokens["th"])).json()
    assert _ids(own) == {made["red"], made["strict"]}
    fiji = client.get("/api/v1/export/stix", params={"tag": "op-kinnaree-strict"}, headers=bearer(region.tokens["fj"])).json()
    assert _ids(fiji) == {made["strict"]}


def _tags_of(db: Database, statement_uuid: str) -> list[str]:
    with db.reader() as session:
        return list(parse_tags(session.scalar(select(Statement.tags).where(Statement.uuid == statement_uuid))))


def test_hub_to_node_sync_keeps_the_tags_the_hub_exports(
        live_server: LiveServer, make: Factory, db: Database, clock: FixedClock, _template_db: str, tmp_path: Path) -> None:
    hub = Region.build(make)
    made = _tagged(hub)
    exported = requests.get(f"{live_server.url}/api/v1/export/stix", params={"tag": ["op-lotus", "elf"]},
                            headers=bearer(hub.tokens["fj"]), timeout=10).json()
    labels = {o["id"].removeprefix("indicator--"): o.get("labels") for o in exported["objects"] if o["type"] == "indicator"}
    assert labels == {made["mozi"]: ["malware", "elf", "Mozi"], made["lotus"]: ["op-lotus", "sms"],
                      made["both"]: ["investment_scam", "op-lotus", "mozi"], made["no-crime"]: ["phishing", "op-lotus"],
                      made["self-tag"]: ["phishing", "op-lotus"]}

    node = second_instance(_template_db, tmp_path / "node", clock)
    fiji = node.make.org("Fiji Cyber Unit", "FJ", "law_enforcement")
    analyst = node.make.user("analyst@fj.node.test", fiji, role="analyst", password=None)
    with node.db.unit_of_work() as session:
        spec = RemoteSpec("hub", f"{live_server.url}/taxii2/aspjoc/", COMMUNITY_ID, fiji.id, "pull", "basic",
                          hub.users["fj"].email, hub.tokens["fj"])
        remote_id = add_remote(session, None, spec, clock.now()).id
    done = run_remote(node.db, remote_id, clock.now())
    assert done.error == "" and done.refused == 0
    for key in ("mozi", "lotus", "both", "plain", "strict", "no-crime", "self-tag"):
        assert _tags_of(node.db, made[key]) == _tags_of(db, made[key]), key
    assert _tags_of(node.db, made["self-tag"]) == ["op-lotus", "phishing"]
    assert _tags_of(node.db, made["mozi"]) == ["elf", "Mozi"] and _tags_of(node.db, made["plain"]) == []
    with node.db.reader() as session:
        crime = dict(session.execute(select(Statement.uuid, Statement.crime_type)).tuples().all())
    assert (crime[made["mozi"]], crime[made["lotus"]], crime[made["both"]]) == ("malware", None, "investment_scam")
    assert (crime[made["no-crime"]], crime[made["self-tag"]]) == (None, "phishing")
    # The node's own API finds them by tag, as the hub's export did.
    with TestClient(node.app) as node_client:
        listed = node_client.get("/api/v1/statements", params={"tag": ["op-lotus", "elf"]},
                                 headers=bearer(node.make.token(analyst))).json()["items"]
    assert {i["uuid"]: i["tags"] for i in listed} == {made["mozi"]: ["elf", "Mozi"], made["lotus"]: ["op-lotus", "sms"],
                                                      made["both"]: ["op-lotus", "mozi"],
                                                      made["no-crime"]: ["phishing", "op-lotus"],
                                                      made["self-tag"]: ["op-lotus", "phishing"]}

    # A new version replaces the tags (none is a change too).
    clock.advance(hours=1)
    with db.unit_of_work() as session:
        for key, tags in (("mozi", ["mozi-v2"]), ("lotus", [])):
            session.execute(update(Statement).where(Statement.uuid == made[key])
                            .values(tags=json.dumps(tags), updated_at=clock.now()))
    again = run_remote(node.db, remote_id, clock.now())
    assert again.error == "" and again.pulled == 2
    assert _tags_of(node.db, made["mozi"]) == ["mozi-v2"] and _tags_of(node.db, made["lotus"]) == []
    node.db.dispose()


def _community(server: LiveServer, region: Region, who: str) -> Collection:
    api_root = ApiRoot(f"{server.url}/taxii2/aspjoc/", user=region.users[who].email, password=region.tokens[who])
    return next(c for c in api_root.collections if c.alias == "community")


LABELS = ["  ", "dup", "Dup", "dup", " padded ", "x" * 300, *(f"t{i:02}" for i in range(70))]


def _indicator(uuid_tail: str, value: str, labels: list[str], extension: dict[str, Any] | None) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "type": "indicator", "spec_version": "2.1", "id": f"indicator--6b3b1c49-3a5f-4c8e-9d52-{uuid_tail}",
        "created": "2026-05-30T00:00:00.000Z", "modified": "2026-05-30T00:00:00.000Z", "name": value,
        "pattern": f"[domain-name:value = '{value}']", "pattern_type": "stix", "valid_from": "2026-05-30T00:00:00Z",
        "labels": labels, "object_marking_refs": [GREEN_REF]}
    if extension is not None:
        obj["extensions"] = {STATEMENT_EXTENSION: extension}
    return obj


def test_received_labels_are_capped_as_ingest_caps_them(live_server: LiveServer, make: Factory) -> None:
    region = Region.build(make)
    owner = {"extension_type": "property-extension", "owner": {"name": "Thai Cyber Unit", "org_kind": "law_enforcement"}}
    envelope = {"objects": [
        # Carrying the statement extension: received by sharing.receive, the crime type first.
        _indicator("0f4f0d6a2e01", "capped-by-receive.example", ["online_fraud", *LABELS], owner),
        # Plain STIX: read by the STIX reader and stored by the ingest pipeline.
        _indicator("0f4f0d6a2e02", "capped-by-ingest.example", LABELS, None),
    ]}
    status = _community(live_server, region, "th").add_objects(envelope)
    assert (status.success_count, status.failure_count) == (2, 0), status.failures
    listed = requests.get(f"{live_server.url}/api/v1/statements", headers=bearer(region.tokens["th"]), timeout=10).json()
    tags = {i["observable"]["value"]: i["tags"] for i in listed["items"]}
    expected = ["dup", "Dup", "padded", "x" * 255, *(f"t{i:02}" for i in range(60))]
    assert tags["capped-by-receive.example"] == tags["capped-by-ingest.example"] == expected
    assert len(expected) == 64
    crimes = {i["observable"]["value"]: i["crime_type"] for i in listed["items"]}
    assert crimes["capped-by-receive.example"] == "online_fraud"


@pytest.mark.parametrize(("tags", "stored"), [
    ([], "[]"), (["", " "], "[]"), (["a", " a ", "b"], '["a", "b"]'), (["สแกม"], '["สแกม"]'),
])
def test_stored_tags_are_the_json_array_the_tag_filter_reads(tags: list[str], stored: str) -> None:
    assert stored_tags(tags) == stored
    assert list(parse_tags(stored)) == json.loads(stored)


def test_labels_that_are_not_a_list_are_refused(live_server: LiveServer, make: Factory) -> None:
    region = Region.build(make)
    owner = {"extension_type": "property-extension", "owner": {"name": "Thai Cyber Unit"}}
    bad = _indicator("0f4f0d6a2e03", "labels-as-text.example", [], owner) | {"labels": "malware"}
    reply = requests.post(f"{live_server.url}/taxii2/aspjoc/collections/{COMMUNITY_ID}/objects/",
                          data=json.dumps({"objects": [bad]}),
                          headers={"Authorization": f"Bearer {region.tokens['th']}",
                                   "Content-Type": "application/taxii+json;version=2.1",
                                   "Accept": "application/taxii+json;version=2.1"}, timeout=10)
    assert reply.status_code == 202, reply.text
    failures = reply.json()["failures"]
    assert failures[0]["message"].startswith("labels:"), failures
