"""Hub–node federation over TAXII 2.1: two aspjoc instances on loopback, a link that breaks mid-sync.

The hub is the test's app (its own SQLite database, served by uvicorn); the node is Fiji's laptop
instance with a database of its own. The node pushes what its markings let leave and pulls what
Fiji may see on the hub; both keep owners and markings and enforce them with their own gate.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sharing_helpers import Region, second_instance
from sharing_network import FlakyLink
from sqlalchemy import func, select
from support import Factory, LiveServer

from aspjoc.access import Principal, gate
from aspjoc.accounts.models import Organisation, SharingGroup, SharingGroupMember
from aspjoc.clock import FixedClock
from aspjoc.db import Database
from aspjoc.intel.models import Observable, Statement
from aspjoc.marking import TLP, Marking, MarkingRecipient
from aspjoc.sharing.federation import run_remote
from aspjoc.sharing.models import FederatedOrganisation, StatementOrigin
from aspjoc.sharing.service import RemoteSpec, add_remote
from aspjoc.sharing.taxii.collections import COMMUNITY_ID


def _node_region(node_make: Factory) -> Region:
    """The node knows Fiji (its own unit), the Thai unit (to name it as a recipient) and a local telecom partner."""
    region = Region(node_make)
    for key, name, country, kind in (("fj", "Fiji Cyber Unit", "FJ", "law_enforcement"),
                                     ("th", "Thai Cyber Unit", "TH", "law_enforcement"),
                                     ("telco", "Vanua Telecom", "FJ", "private")):
        region.orgs[key] = node_make.org(name, country, kind)
        region.users[key] = node_make.user(f"analyst@{key}.node.test", region.orgs[key],
                                           role="partner" if kind == "private" else "analyst", password=None)
    return region


def _uuids(db: Database, condition: Any = None) -> list[str]:
    with db.reader() as session:
        query = select(Statement.uuid)
        if condition is not None:
            query = query.where(condition)
        return list(session.scalars(query))


def _visible(db: Database, principal: Principal) -> set[str]:
    with db.reader() as session:
        return set(session.scalars(select(Statement.uuid).where(gate(principal, Statement))))


def _recipient_names(db: Database, statement_uuid: str) -> tuple[int, set[str]]:
    with db.reader() as session:
        tlp, marking_id = session.execute(select(Marking.tlp, Marking.id).join(Statement, Statement.marking_id == Marking.id)
                                          .where(Statement.uuid == statement_uuid)).one()
        names = set(session.scalars(select(Organisation.name).join(MarkingRecipient, MarkingRecipient.org_id == Organisation.id)
                                    .where(MarkingRecipient.marking_id == marking_id)))
        return tlp, names


def test_node_and_hub_exchange_resume_after_broken_links_and_enforce_markings(
        live_server: LiveServer, make: Factory, db: Database, clock: FixedClock, _template_db: str, tmp_path: Path) -> None:
    hub = Region.build(make)
    make.group("Pacific Circle", hub.orgs["hub"], [hub.orgs["fj"], hub.orgs["ph"]])
    hub_green = [hub.state("th", f"+6681234{7100 + i}", "green") for i in range(12)]
    hub_to_fiji = {
        "strict_fj": hub.state("th", "+66812347201", "amber+strict", orgs=["fj"]),
        "amber_le": hub.state("ph", "+639171234567", "amber"),
        "amber_group": hub.state("ph", "+639171234568", "amber", groups=["Pacific Circle"]),
    }
    hub_kept = {
        "red": hub.state("th", "+66812347202", "red", orgs=["fj"]),
        "strict_ph": hub.state("th", "+66812347203", "amber+strict", orgs=["ph"]),
        "no_export": hub.state("ph", "+639171234569", "green", handling=["no_export"]),
    }

    node = second_instance(_template_db, tmp_path / "node", clock)
    local = _node_region(node.make)
    clock.advance(minutes=1)
    node_green = [local.state("fj", f"+67999{10000 + i}", "green") for i in range(15)]
    node_strict = local.state("fj", "+6799920001", "amber+strict", orgs=["th"])
    node_kept = [local.state("fj", "+6799920002", "red"), local.state("fj", "+6799920003", "green", handling=["no_export"]),
                 local.state("telco", "+6799920004", "green")]

    link = FlakyLink(live_server.port)
    with node.db.unit_of_work() as session:
        spec = RemoteSpec("hub", f"{link.url}/taxii2/aspjoc/", COMMUNITY_ID, local.orgs["fj"].id, "both", "basic",
                          hub.users["fj"].email, hub.tokens["fj"], page_size=5)
        remote_id = add_remote(session, None, spec, clock.now()).id

    # 1. The fourth push reaches the hub but its reply is lost: the node must re-send it, the hub store it once.
    link.cut_after(3, lose="response")
    broken = run_remote(node.db, remote_id, clock.now())
    assert broken.error and broken.pushed == 15 and link.dropped == 1
    # 2. Next time the link drops a pull page request mid-way.
    link.restore()
    link.cut_after(5, lose="request")
    broken_again = run_remote(node.db, remote_id, clock.now())
    assert broken_again.error and broken_again.pulled > 0
    # 3. The link holds: the run completes.
    link.restore()
    done = run_remote(node.db, remote_id, clock.now())
    assert done.error == "" and done.refused == 0
    quiet = run_remote(node.db, remote_id, clock.now())
    assert (quiet.pushed, quiet.pulled, quiet.error) == (0, 0, "")

    # The hub holds each pushable node statement exactly once, under Fiji, with its marking mapped by name.
    fiji_on_hub = _uuids(db, Statement.owner_org_id == hub.orgs["fj"].id)
    assert sorted(fiji_on_hub) == sorted(node_green + [node_strict])
    assert not set(node_kept) & set(_uuids(db))
    assert _recipient_names(db, node_strict) == (int(TLP.AMBER_STRICT), {"Thai Cyber Unit"})
    assert node_strict in _visible(db, hub.principal("th")) and node_strict not in _visible(db, hub.principal("ph"))

    # The node holds what Fiji may export from the hub, once each, owners and markings kept; nothing else.
    pulled = _uuids(node.db, Statement.id.in_(select(StatementOrigin.statement_id)))
    assert sorted(pulled) == sorted(hub_green + list(hub_to_fiji.values()))
    assert not set(hub_kept.values()) & set(_uuids(node.db))
    with node.db.reader() as session:
        assert session.scalar(select(func.count()).select_from(Statement)) == 15 + 1 + 3 + 15
        values = set(session.scalars(select(Observable.value)))
        owners = {uuid: name for uuid, name in session.execute(
            select(Statement.uuid, Organisation.name).join(Organisation, Organisation.id == Statement.owner_org_id))}
        placeholder = session.scalar(select(Organisation.id).where(Organisation.name == "Philippine Cyber Unit"))
        assert placeholder is not None and session.get(FederatedOrganisation, placeholder) is not None
        group = session.scalar(select(SharingGroup.id).where(SharingGroup.name == "Pacific Circle"))
        members = set(session.scalars(select(SharingGroupMember.org_id).where(SharingGroupMember.group_id == group)))
        assert members == {placeholder, local.orgs["fj"].id}
    assert "+66812347202" not in values and "+66812347203" not in values
    assert owners[hub_green[0]] == "Thai Cyber Unit" and owners[hub_to_fiji["amber_le"]] == "Philippine Cyber Unit"
    assert _recipient_names(node.db, hub_to_fiji["strict_fj"]) == (int(TLP.AMBER_STRICT), {"Fiji Cyber Unit"})
    # The node's own gate enforces the markings: its telecom partner sees the GREEN ones only.
    telco = node.make.principal(local.users["telco"])
    assert _visible(node.db, telco) & set(pulled) == set(hub_green)
    assert set(pulled) <= _visible(node.db, node.make.principal(local.users["fj"]))

    # Changes travel both ways on the next run, as new versions, without duplicates.
    clock.advance(hours=1)
    hub.state("th", "+66812347100", "green", description="now tied to a scam compound")
    local.state("fj", "+6799910000", "green", description="reported again by a bank")
    again = run_remote(node.db, remote_id, clock.now())
    assert again.error == "" and (again.pushed, again.pulled) == (1, 1)
    with node.db.reader() as session:
        assert session.scalar(select(Statement.description).where(Statement.uuid == hub_green[0])) == \
            "now tied to a scam compound"
    with db.reader() as session:
        assert session.scalar(select(Statement.description).where(Statement.uuid == node_green[0])) == \
            "reported again by a bank"
        assert session.scalar(select(func.count()).select_from(Statement)
                              .where(Statement.owner_org_id == hub.orgs["fj"].id)) == 16
    link.close()
    node.db.dispose()
