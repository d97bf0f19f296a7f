"""Benchmark: an operation's outcomes, computed in SQL (GROUP BY) from the action log through the access gate.

    .venv/bin/python bench/operations_outcomes.py                   # 20,000 targets, 200,000 actions
    .venv/bin/python bench/operations_outcomes.py --actions 20000   # a quick run while developing

Setup (not timed): a fresh SQLite file, migrated; a hub and ten national units in one operation; targets
spread over the ten countries (one in twenty marked RED for its author), actions of every kind with
counts and amounts in three currencies, written with ``executemany``.

Timed: ``outcomes(session, principal, operation)`` for the hub analyst (per country and total, every
figure), best of three; then two baselines measured in the same run: loading the same visible action rows
(joined to their targets, through the same gate) into Python and summing them there, which is what a
page would do without GROUP BY (the answers are checked to agree); and the floor, one bare
``SELECT country, sum(quantity) ... GROUP BY country`` over the same join without the gate.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from aspjoc.accounts import service as accounts
from aspjoc.db import Database
from aspjoc.marking import TLP, MarkingSpec, marking_id_for
from aspjoc.migrate import upgrade
from aspjoc.operations import outcomes, service
from aspjoc.operations.actions import visible_action
from aspjoc.operations.models import Action, ActionKind, Target
from aspjoc.operations.money import from_micros
from aspjoc.operations.schemas import OperationIn

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
COUNTRIES = ("TH", "PH", "MY", "ID", "VN", "KH", "LA", "FJ", "TO", "WS")
KINDS = list(ActionKind)
CURRENCIES = ("USD", "THB", "USDT")


def _setup(db: Database, targets: int, actions: int, rng: random.Random) -> tuple[Any, int]:
    with db.unit_of_work() as s:
        hub = accounts.add_organisation(s, "Hub", "SG", "hub", NOW)
        units = [accounts.add_organisation(s, f"Unit {c}", c, "law_enforcement", NOW) for c in COUNTRIES]
        analyst = accounts.add_user(s, "analyst@hub.bench", hub, "analyst", None, NOW)
        principal = accounts.principal_for(s, analyst)
        op = service.create_operation(s, principal, OperationIn(
            name="Bench", crime_type="phishing", starts_on=date(2026, 6, 1), ends_on=date(2026, 6, 30),
            participants=[u.id for u in units]), NOW)
        amber = marking_id_for(s, MarkingSpec(hub.id, TLP.AMBER, groups=frozenset({op.group_id})))
        red = {u.id: marking_id_for(s, MarkingSpec(u.id, TLP.RED)) for u in units}
        rows = []
        for i in range(targets):
            unit = units[i % len(units)]
            rows.append({"operation_id": op.id, "kind": "entity", "entity_id": i, "label": f"target {i}",
                         "acting_country": unit.country, "recommended_action": "takedown", "priority": 2, "status": "open",
                         "rationale": "", "owner_org_id": unit.id, "created_at": NOW, "updated_at": NOW,
                         "marking_id": red[unit.id] if i % 20 == 0 else amber})
        s.execute(insert(Target), rows)
        ids = list(s.scalars(select(Target.id).where(Target.operation_id == op.id)))
        batch = []
        for _ in range(actions):
            kind = rng.choice(KINDS)
            funds = kind in (ActionKind.FUNDS_HELD, ActionKind.FUNDS_RECOVERED)
            batch.append({"operation_id": op.id, "target_id": rng.choice(ids), "kind": kind.value, "occurred_at": NOW,
                          "quantity": rng.randint(1, 50), "servers": rng.randint(0, 3), "devices": rng.randint(0, 5),
                          "amount_micros": rng.randint(1, 10**12) if funds else None,
                          "currency": rng.choice(CURRENCIES) if funds else None, "note": "", "marking_id": amber,
                          "owner_org_id": hub.id, "recorded_at": NOW})
        s.execute(insert(Action), batch)
    return principal, op.id


def _baseline(db: Database, principal: Any, operation_id: int) -> dict[str, Any]:
    """The same totals summed in Python over every visible row (what a page without GROUP BY does)."""
    with db.reader() as s:
        rows = s.execute(select(Target.acting_country, Action.kind, Action.target_id, Action.quantity, Action.servers,
                                Action.devices, Action.amount_micros, Action.currency)
                         .select_from(Action).join(Target, Target.id == Action.target_id)
                         .where(Action.operation_id == operation_id, visible_action(principal))).all()
    arrests = sum(r.quantity for r in rows if r.kind == "arrest")
    requested = {r.target_id for r in rows if r.kind.startswith("takedown")}
    held: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        if r.kind == "funds_held":
            held[r.currency] += from_micros(r.amount_micros)
    return {"arrests": arrests, "requested": len(requested), "held": dict(held), "rows": len(rows)}


def _floor(db: Database, operation_id: int) -> None:
    with db.reader() as s:
        s.execute(select(Target.acting_country, func.sum(Action.quantity)).select_from(Action)
                  .join(Target, Target.id == Action.target_id).where(Action.operation_id == operation_id)
                  .group_by(Target.acting_country)).all()


def _best(runs: int, work: Any) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=200_000)
    parser.add_argument("--targets", type=int, default=0, help="default: a tenth of --actions")
    args = parser.parse_args()
    targets = args.targets or max(10, args.actions // 10)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        db = Database(url)
        start = time.perf_counter()
        principal, op = _setup(db, targets, args.actions, random.Random(11))
        print(f"setup: {targets:,} targets, {args.actions:,} actions in {time.perf_counter() - start:.1f} s")

        def sql() -> Any:
            with db.reader() as s:
                return outcomes.outcomes(s, principal, op)

        t_sql, figures = _best(3, sql)
        t_base, base = _best(3, lambda: _baseline(db, principal, op))
        assert figures.total.arrests == base["arrests"] and figures.total.takedowns_requested == base["requested"]
        assert figures.total.amounts_held == base["held"]
        print(f"outcomes in SQL (GROUP BY, per country and total): {t_sql * 1000:,.1f} ms")
        print(f"baseline, {base['rows']:,} visible rows loaded and summed in Python: {t_base * 1000:,.1f} ms")
        t_floor, _ = _best(3, lambda: _floor(db, op))
        print(f"floor, one bare GROUP BY sum over the same join, no gate: {t_floor * 1000:,.1f} ms")
        print(f"ratio SQL / Python baseline: {t_sql / t_base:.2f}; SQL / floor: {t_sql / t_floor:.2f}")
        db.dispose()


if __name__ == "__main__":
    sys.exit(main())
