"""The demo operation: a hub-led wave over four countries, made through the services, with every page populated."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from aspjoc.access import Principal
from aspjoc.accounts import service as accounts
from aspjoc.clock import FixedClock
from aspjoc.db import Database
from aspjoc.demo import load_demo
from aspjoc.demo.operation import DEMO_OPERATION
from aspjoc.marking import TLP, Marking
from aspjoc.operations import actions, freezes, outcomes, packages, service, takedowns, tasks
from aspjoc.operations.evidence.models import CustodyEvent, EvidenceItem
from aspjoc.operations.evidence.store import EvidenceStore
from aspjoc.operations.graph import service as graph
from aspjoc.operations.models import Action, Operation, Target
from aspjoc.intel.models import Statement


def _user(s: object, email: str) -> Principal:
    return accounts.principal_for(s, accounts.find_user(s, email))  # type: ignore[arg-type]


def test_the_demo_runs_an_operation_from_targets_to_results(db: Database, clock: FixedClock, tmp_path: Path) -> None:
    now = clock.now()
    with db.unit_of_work() as s:
        load_demo(s, now, data_dir=tmp_path)
    with db.unit_of_work() as s:
        assert not load_demo(s, now, data_dir=tmp_path).created
    with db.reader() as s:
        hub, th = _user(s, "analyst@hub.aspjoc.test"), _user(s, "investigator@th.aspjoc.test")
        assert s.scalar(select(func.count()).select_from(Operation)) == 1, "a second load adds nothing"
        op, = service.list_operations(s, hub)
        assert op.name == DEMO_OPERATION and op.status == "active" and op.lead_org_id == hub.org_id

        rows = s.scalars(select(Target).where(Target.operation_id == op.id)).all()
        assert 20 <= len(rows) <= 30
        assert {t.acting_country for t in rows} == {"TH", "PH", "MY", "KH"}
        assert Counter(t.kind for t in rows)["entity"] == 2
        drawn = [t.statement_id for t in rows if t.statement_id is not None]
        levels = s.scalars(select(Marking.tlp).join(Statement, Statement.marking_id == Marking.id)
                           .where(Statement.id.in_(drawn))).all()
        assert len(drawn) >= 15 and max(levels) <= TLP.AMBER, "no RED or AMBER+STRICT case file became a target"

        assert [p.country for p in packages.list_packages(s, th, op.id)] == ["TH"]
        assert [p.country for p in packages.list_packages(s, hub, op.id)] == ["SG"]

        requests = takedowns.list_takedowns(s, hub, op.id)
        statuses = Counter(r.status for r in requests)
        assert statuses["confirmed"] >= 3 and statuses["refused"] == 1 and statuses["draft"] == 1
        assert len(takedowns.list_takedowns(s, hub, op.id, overdue_at=now)) == 1
        sent_file, = s.scalars(select(EvidenceItem)).all()
        assert EvidenceStore.for_data_dir(tmp_path).check(sent_file.sha256) == sent_file.sha256
        assert [e.action for e in s.scalars(select(CustodyEvent).where(CustodyEvent.evidence_id == sent_file.id))] == [
            "intake", "export"]

        running = [f for f in freezes.list_freezes(s, hub, operation_id=op.id) if f.status in ("requested", "acknowledged")]
        left = freezes.seconds_left(running[0], now)
        assert len(running) == 1 and left is not None and 0 < left < running[0].clock_freeze_hours * 3600
        assert {f.status for f in freezes.list_freezes(s, hub, open_only=False, operation_id=op.id)} >= {"held", "recovered"}

        due = tasks.list_tasks(s, hub, op.id)
        assert len(due) == 5 and sum(tasks.is_overdue(t, now) for t in due) == 1

        result = outcomes.outcomes(s, hub, op.id)
        log = actions.list_actions(s, hub, op.id)
        assert result.total.arrests == sum(a.quantity for a in log if a.kind == "arrest") >= 5
        assert result.total.victims_notified == sum(a.quantity for a in log if a.kind == "victims_notified") > 0
        assert result.total.takedowns_requested == len({a.target_id for a in log if a.kind == "takedown_requested"})
        assert result.total.takedown_rate is not None and 0.5 <= result.total.takedown_rate < 1
        assert result.total.amounts_held and result.total.amounts_recovered
        assert all(v > Decimal(0) for v in result.total.amounts_recovered.values())
        assert set(result.by_country) == {"TH", "PH", "MY", "KH"}
        assert s.scalar(select(func.count()).select_from(Action)) == len(log)

        crew, = [e for e in graph.list_entities(s, hub, limit=50)[0] if e.name == "Golden Lotus crew"]
        view = graph.neighbourhood(s, hub, f"entity:{crew.id}", now, depth=1)
        assert {n.kind for n in view.nodes} >= {"entity", "observable"} and len(view.edges) >= 3
        assert all(not n.victim_data for n in view.nodes), "the trafficked worker is kept apart by default"
        assert any(c.entities for c in graph.clusters(s, hub, since=now - timedelta(days=30))[0])
