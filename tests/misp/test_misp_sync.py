"""Pull from and push to a "remote MISP" (another aspjoc's /misp/ on loopback) through PyMISP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from aspjoc.accounts.models import Organisation
from aspjoc.cli import app as cli_app
from aspjoc.intel.models import Observable, Statement
from aspjoc.marking import TLP, Marking
from aspjoc.sharing.misp import sync
from aspjoc.sharing.misp.models import MispEvent, MispRemote
from misp_helpers import Instance, client, community, event, second_instance, values
from support import Factory


@pytest.fixture
def remote(_template_db: str, tmp_path: Path, clock: Any) -> Any:
    with second_instance(_template_db, tmp_path, clock) as other:
        yield other


def _remote_row(make: Factory, name: str, url: str, key: str, org: Any, peer: Any = None) -> int:
    with make.db.unit_of_work() as s:
        return sync.add_remote(s, name, url, key, org.id, make.clock.now(), peer.id if peer else None).id


def _run(make: Factory, remote_id: int, step: Any) -> sync.SyncResult:
    with make.db.unit_of_work() as s:
        row = s.get(MispRemote, remote_id)
        assert row is not None
        return step(s, row, make.clock.now())  # type: ignore[no-any-return]


def _held(make: Factory) -> dict[str, str]:
    """Observable value -> TLP label of the statements stored locally."""
    with make.db.reader() as s:
        rows = s.execute(select(Observable.value, Marking.tlp).join(Statement, Statement.observable_id == Observable.id)
                         .join(Marking, Marking.id == Statement.marking_id).where(Statement.withdrawn.is_(False))).all()
    return {v: TLP(t).label for v, t in rows}


def test_pull_brings_what_the_key_may_see_with_distribution_narrowed_and_is_idempotent(
        live_server: Any, make: Factory, remote: Instance) -> None:
    c = community(make)
    # On the remote: Thailand's unit publishes; Fiji's unit there has the key this instance pulls with.
    r_th = remote.make.user("analyst@th.remote.test", remote.make.org("Royal Thai Police Cyber Unit", "TH"), password=None)
    r_fj = remote.make.user("sync@fj.remote.test", remote.make.org("Fiji Police Cybercrime Unit", "FJ"), password=None)
    th = client(remote.server.url, remote.make.token(r_th))
    wave = th.add_event(event("Remote wave", [("ip-dst", "198.51.100.40"), ("domain", "community.example")], distribution=3))
    th.add_attribute(wave["Event"]["uuid"], {"type": "domain", "value": "this-community.example", "distribution": 1})  # type: ignore[index]
    th.add_attribute(wave["Event"]["uuid"], {"type": "domain", "value": "connected.example", "distribution": 2})  # type: ignore[index]
    th.add_attribute(wave["Event"]["uuid"], {"type": "phone-number", "value": "+66 81 234 5678",  # type: ignore[index]
                                             "Tag": [{"name": "tlp:red"}]})
    th.add_event(event("Remote secret", [("domain", "secret.example")], tags=["tlp:amber+strict"], distribution=3))

    remote_id = _remote_row(make, "remote-hub", remote.misp_url, remote.make.token(r_fj), c.fj)
    first = _run(make, remote_id, sync.pull)
    assert first.failed is None and (first.events, first.attributes) == (1, 4)
    held = _held(make)
    assert held == {"198.51.100.40": "green", "community.example": "green", "this-community.example": "amber+strict",
                    "connected.example": "green"}, "RED and AMBER+STRICT of the remote never arrive; 1 becomes 0, 2 becomes 1"
    with make.db.reader() as s:
        pulled = s.scalars(select(MispEvent)).one()
        owner = s.get(Organisation, pulled.org_id)
        assert pulled.uuid == wave["Event"]["uuid"] and owner is not None and owner.name == c.fj.name  # type: ignore[index]
        assert pulled.orgc_name == "Royal Thai Police Cyber Unit"

    again = _run(make, remote_id, sync.pull)
    assert (again.events, again.skipped) == (0, 1), "nothing new: the copy at that remote timestamp is kept"
    th_local = client(live_server.url, c.th_token)
    seen_here = th_local.get_event(wave["Event"]["uuid"])  # type: ignore[index]
    assert sorted(values(seen_here)) == ["198.51.100.40", "community.example", "connected.example"]  # type: ignore[arg-type]

    make.clock.advance(minutes=10)
    narrowed = next(a["uuid"] for a in th.get_event(wave["Event"]["uuid"])["Event"]["Attribute"]  # type: ignore[index]
                    if a["value"] == "community.example")
    th.tag(narrowed, "tlp:red")
    third = _run(make, remote_id, sync.pull)
    assert third.events == 1
    assert "community.example" not in _held(make), "narrowed at the source, so withdrawn here"
    assert sorted(values(th_local.get_event(wave["Event"]["uuid"]))) == ["198.51.100.40", "connected.example"]  # type: ignore[arg-type, index]


def test_push_sends_only_what_may_cross_and_edits_on_the_second_run(live_server: Any, make: Factory, remote: Instance) -> None:
    c = community(make)
    r_hub = remote.make.org("Regional Hub", "SG", kind="hub")
    r_sync = remote.make.user("sync@hub.remote.test", r_hub, password=None)
    fj = client(live_server.url, c.fj_token)
    added = fj.add_event(event("Outbound", [("ip-dst", "198.51.100.50")], tags=["tlp:clear"], distribution=3))
    uuid = added["Event"]["uuid"]  # type: ignore[index]
    fj.add_attribute(uuid, {"type": "domain", "value": "green.example", "Tag": [{"name": "tlp:green"}]})
    fj.add_attribute(uuid, {"type": "domain", "value": "amber.example", "Tag": [{"name": "tlp:amber"}]})
    fj.add_attribute(uuid, {"type": "domain", "value": "org-only.example", "distribution": 0})
    fj.add_attribute(uuid, {"type": "phone-number", "value": "+679 999 0001", "Tag": [{"name": "tlp:red"}]})
    desk = make.group("Pacific desk", c.fj, [c.hub])
    pair = make.group("FJ-TH pair", c.fj, [c.th])
    fj.add_attribute(uuid, {"type": "domain", "value": "desk.example", "distribution": 4, "sharing_group_id": desk})
    fj.add_attribute(uuid, {"type": "domain", "value": "pair.example", "distribution": 4, "sharing_group_id": pair})
    remote.make.group("Pacific desk", r_hub, [])
    fj.add_event(event("Community only", [("domain", "stays.example")], distribution=1))

    remote_id = _remote_row(make, "hub", remote.misp_url, remote.make.token(r_sync), c.fj, peer=c.hub)
    result = _run(make, remote_id, sync.push)
    assert result.failed is None and (result.events, result.skipped) == (1, 1)
    r_client = client(remote.server.url, remote.make.token(r_sync))
    there = r_client.get_event(uuid)
    assert sorted(values(there)) == ["198.51.100.50", "desk.example", "green.example"]  # type: ignore[arg-type]
    shown = {a["value"]: a for a in there["Event"]["Attribute"]}  # type: ignore[index]
    assert shown["desk.example"]["distribution"] == "4" and shown["desk.example"]["SharingGroup"]["name"] == "Pacific desk"
    assert shown["198.51.100.50"]["distribution"] == "3" and [t["name"] for t in shown["green.example"]["Tag"]] == ["tlp:green"]
    assert there["Event"]["Orgc"]["name"] == c.fj.name  # type: ignore[index]

    make.clock.advance(minutes=5)
    fj.add_attribute(uuid, {"type": "domain", "value": "later.example", "Tag": [{"name": "tlp:green"}]})
    second = _run(make, remote_id, sync.push)
    assert second.failed is None and second.events == 1
    assert sorted(values(r_client.get_event(uuid))) == ["198.51.100.50", "desk.example", "green.example",  # type: ignore[arg-type]
                                                         "later.example"]


def test_unreachable_remote_is_recorded_not_raised_and_the_cli_says_so(make: Factory, database_url: str) -> None:
    c = community(make)
    env = {"ASPJOC_DATABASE_URL": database_url}
    added = CliRunner().invoke(cli_app, ["misp", "remote-add", "gone", "--url", "http://127.0.0.1:9/misp/", "--org", c.fj.name,
                                         "--direction", "pull"], input="aspjoc_x\n", env=env)
    assert added.exit_code == 0, added.output
    pulled = CliRunner().invoke(cli_app, ["misp", "pull", "gone"], env=env)
    assert pulled.exit_code == 1 and "cannot connect" in pulled.output
    with make.db.reader() as s:
        row = s.scalars(select(MispRemote).where(MispRemote.name == "gone")).one()
        assert "cannot connect" in row.last_error and row.pulled_until == 0 and row.api_key == "aspjoc_x"
    listed = CliRunner().invoke(cli_app, ["misp", "remotes"], env=env)
    assert listed.exit_code == 0 and "gone" in listed.output
    duplicate = CliRunner().invoke(cli_app, ["misp", "remote-add", "gone", "--url", "http://x/", "--org", c.fj.name,
                                             "--key", "k"], env=env)
    assert duplicate.exit_code != 0
