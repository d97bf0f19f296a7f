"""The TAXII client against the OASIS reference server (medallion 3.0.0, its own process on loopback).

medallion's memory backend is slow, so its collections here hold a handful of objects.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sharing_helpers import Region
from sharing_network import MEDALLION_PASSWORD, MEDALLION_USER, medallion
from sqlalchemy import func, select
from support import T0, Factory
from taxii2client.v21 import Collection
from typer.testing import CliRunner

from aspjoc.accounts.models import Organisation
from aspjoc.cli import app as cli
from aspjoc.db import Database
from aspjoc.errors import InvalidInput
from aspjoc.intel.models import Observable, Statement
from aspjoc.marking import TLP, Marking
from aspjoc.sharing.federation import run_due_syncs, run_remote
from aspjoc.sharing.models import SyncRemote
from aspjoc.sharing.service import RemoteSpec, add_remote
from aspjoc.sharing.stix.vocab import STATEMENT_EXTENSION

COLLECTION = "4f0b4f2a-6c1e-4b8e-9d3a-2b1a7c9e0d11"
ADDED = "2026-05-01T00:00:00.000000Z"


def _indicator(n: int, pattern: str, marking: str | None = None) -> dict[str, Any]:
    obj = {"type": "indicator", "spec_version": "2.1", "id": f"indicator--0c7b5b88-8ff7-4a4d-aa9c-feb398cd0{n:03d}",
           "created": "2026-04-30T00:00:00.000Z", "modified": "2026-04-30T00:00:00.000Z", "name": f"feed item {n}",
           "pattern": pattern, "pattern_type": "stix", "valid_from": "2026-04-30T00:00:00Z"}
    if marking:
        obj["object_marking_refs"] = [marking]
    return obj


FEED = [
    _indicator(1, "[domain-name:value = 'lucky-draw-tonga.example.com']", "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"),
    _indicator(2, "[ipv4-addr:value = '203.0.113.77']"),
    _indicator(3, "[url:value = 'http://203.0.113.77/apk/bank.apk'] OR [file:hashes.'SHA-256' = "
                  "'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']",
               "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"),
    _indicator(4, "[process:pid = 4]"),
]


def _remote(db: Database, org_id: int, root: str, direction: str, page_size: int = 2) -> int:
    with db.unit_of_work() as session:
        spec = RemoteSpec("reference", root, COLLECTION, org_id, direction, "basic", MEDALLION_USER, MEDALLION_PASSWORD,
                          page_size=page_size, interval_minutes=30)
        return add_remote(session, None, spec, T0).id


def _values(db: Database) -> dict[str, tuple[str, int, str]]:
    with db.reader() as session:
        rows = session.execute(select(Observable.value, Marking.tlp, Organisation.name, Statement.sightings)
                               .join(Statement, Statement.observable_id == Observable.id)
                               .join(Marking, Marking.id == Statement.marking_id)
                               .join(Organisation, Organisation.id == Statement.owner_org_id))
        return {value: (TLP(tlp).label, sightings, owner) for value, tlp, owner, sightings in rows}


def test_pull_from_the_reference_server_resumes_and_refuses_what_it_cannot_store(
        db: Database, make: Factory, tmp_path: Path) -> None:
    fiji = make.org("Fiji Cyber Unit", "FJ")
    with medallion(tmp_path / "medallion", COLLECTION, FEED, ADDED) as root:
        remote_id = _remote(db, fiji.id, root, "pull")
        first = run_remote(db, remote_id, make.clock.now())
        assert first.error == "" and first.pulled == 3 and first.refused == 1
        assert _values(db) == {
            "lucky-draw-tonga.example.com": ("green", 1, "Fiji Cyber Unit"),
            "203.0.113.77": ("amber", 1, "Fiji Cyber Unit"),
            "http://203.0.113.77/apk/bank.apk": ("amber", 1, "Fiji Cyber Unit"),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855": ("amber", 1, "Fiji Cyber Unit"),
        }
        with db.reader() as session:
            remote = session.get(SyncRemote, remote_id)
            assert remote is not None
            assert remote.pull_added_after == ADDED and remote.pull_next is None
            assert "feb398cd0004" in remote.last_error and "no identifier" in remote.last_error
        added = Collection(f"{root}collections/{COLLECTION}/", user=MEDALLION_USER, password=MEDALLION_PASSWORD)
        status = added.add_objects({"objects": [_indicator(5, "[email-addr:value = 'refund-desk@example.org']")]})
        assert status.status == "complete"
        second = run_remote(db, remote_id, make.clock.now())
    assert second.error == "" and second.pulled == 1
    assert _values(db)["refund-desk@example.org"] == ("amber", 1, "Fiji Cyber Unit")
    assert _values(db)["lucky-draw-tonga.example.com"][1] == 1  # not re-read: the cursor moved past it


def test_push_to_the_reference_server_sends_only_what_may_leave(db: Database, make: Factory, tmp_path: Path) -> None:
    region = Region.build(make)
    sent = {region.state("fj", "+6799990001", "green"), region.state("fj", "+6799990002", "amber+strict", orgs=["th"])}
    kept = {region.state("fj", "+6799990003", "red"), region.state("fj", "+6799990004", "green", handling=["no_export"]),
            region.state("th", "+66812340001", "green")}
    with medallion(tmp_path / "medallion", COLLECTION, [], ADDED) as root:
        remote_id = _remote(db, region.orgs["fj"].id, root, "push", page_size=1)
        result = run_remote(db, remote_id, make.clock.now())
        again = run_remote(db, remote_id, make.clock.now())
        served = Collection(f"{root}collections/{COLLECTION}/", user=MEDALLION_USER, password=MEDALLION_PASSWORD)
        objects = served.get_objects()["objects"]
    assert result.error == "" and result.pushed == 2 and again.pushed == 0
    assert {o["id"].removeprefix("indicator--") for o in objects} == sent
    assert not kept & {o["id"].removeprefix("indicator--") for o in objects}
    strict = next(o for o in objects if "+6799990002" in o["pattern"])
    assert strict["extensions"][STATEMENT_EXTENSION]["marking"]["recipients"] == {"organisations": ["Thai Cyber Unit"]}


def test_unreachable_remote_is_a_visible_failure_and_the_worker_retries_when_due(db: Database, make: Factory) -> None:
    fiji = make.org("Fiji Cyber Unit", "FJ")
    remote_id = _remote(db, fiji.id, "http://127.0.0.1:9/taxii2/aspjoc/", "both")
    results = run_due_syncs(db, make.clock.now())
    assert [r.complete for r in results] == [False] and results[0].error
    with db.reader() as session:
        remote = session.get(SyncRemote, remote_id)
        assert remote is not None and remote.last_error and remote.last_success_at is None
        assert remote.next_run_at is not None
    assert run_due_syncs(db, make.clock.now()) == []
    make.clock.advance(minutes=31)
    assert len(run_due_syncs(db, make.clock.now())) == 1
    with db.reader() as session:
        assert session.scalar(select(func.count()).select_from(Statement)) == 0


def test_cli_adds_lists_and_syncs_remotes(make: Factory, database_url: str, monkeypatch: Any) -> None:
    make.org("Fiji Cyber Unit", "FJ")
    monkeypatch.setenv("ASPJOC_DATABASE_URL", database_url)
    runner = CliRunner()
    added = runner.invoke(cli, ["remote", "add", "hub", "--url", "http://127.0.0.1:9/taxii2/aspjoc/", "--collection",
                                "community", "--org", "Fiji Cyber Unit", "--username", "sync@fj.test"], input="token\n")
    assert added.exit_code == 0, added.output
    bad = runner.invoke(cli, ["remote", "add", "other", "--url", "ftp://x", "--collection", "c", "--org", "Fiji Cyber Unit"],
                        input="token\n")
    # aspjoc.cli.main turns this into "error api_root_url: …" and exit status 2.
    assert isinstance(bad.exception, InvalidInput) and bad.exception.field == "api_root_url"
    synced = runner.invoke(cli, ["sync"])
    assert synced.exit_code == 1 and "hub: failed" in synced.output
    listed = runner.invoke(cli, ["remote", "list"])
    assert listed.exit_code == 0 and "hub" in listed.output
    assert runner.invoke(cli, ["remote", "remove", "hub"]).exit_code == 0
