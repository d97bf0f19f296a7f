"""Benchmark: clusters of shared infrastructure over N statements, against a bare scan of the same statements.

    .venv/bin/python bench/graph_clusters.py --statements 200000

Builds a synthetic SQLite store (five national units, URLs on a few thousand registered domains,
mule accounts and wallets shared between units, entities linked to some of them), then times:
* baseline: one gated SELECT of every visible statement's (id, observable) — the least any
  clustering must read;
* clusters(): the real service, gate and all, for a hub analyst;
* neighbourhood(): depth 2 around one shared account, and a shortest path.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, insert, select

from aspjoc.access import Principal
from aspjoc.accounts import service as accounts
from aspjoc.db import Database
from aspjoc.intel.models import Observable, Statement
from aspjoc.marking import MarkingSpec, TLP, marking_id_for
from aspjoc.migrate import upgrade
from aspjoc.operations.graph import service
from aspjoc.operations.graph.models import Entity, Relationship
from aspjoc.operations.graph.visibility import View, statement_condition

NOW = datetime(2026, 6, 1, tzinfo=UTC)
COUNTRIES = ("TH", "PH", "KH", "MY", "VN")


def _orgs(db: Database) -> tuple[list[int], Principal, dict[int, int]]:
    with db.unit_of_work() as s:
        orgs = [accounts.add_organisation(s, f"{c} Cyber Unit", c, "law_enforcement", NOW).id for c in COUNTRIES]
        hub = accounts.add_organisation(s, "Regional Hub", "SG", "hub", NOW)
        markings = {o: marking_id_for(s, MarkingSpec(o, TLP.GREEN)) for o in orgs}
        markings[-1] = marking_id_for(s, MarkingSpec(orgs[0], TLP.RED))
        principal = accounts.principal_for_org(s, hub)
    return orgs, principal, markings


def _observables(n: int, rng: random.Random) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    domains = max(10, n // 40)
    for i in range(n):
        kind = i % 3
        if kind == 0:
            domain = f"scam{rng.randrange(domains)}.test"
            rows.append({"type": "url", "value": f"https://p{i}.{domain}/login", "domain": domain})
        elif kind == 1:
            rows.append({"type": "bank_account", "value": f"TH:{i % 900 + 100}:{i:010d}", "domain": None})
        else:
            rows.append({"type": "phone", "value": f"+6681{i:07d}", "domain": None})
    for row in rows:
        row.update(country=None, num_lo=None, num_hi=None, created_at=NOW)
    return rows


def build(db: Database, statements: int, seed: int = 7) -> Principal:
    rng = random.Random(seed)
    orgs, hub, markings = _orgs(db)
    observable_rows = _observables(int(statements * 0.85), rng)
    with db.unit_of_work() as s:
        s.execute(insert(cast(Table, Observable.__table__)), observable_rows)
        ids = list(s.scalars(select(Observable.id).order_by(Observable.id)))
        seen: set[tuple[int, int]] = set()
        rows = []
        while len(rows) < statements:
            oid = ids[len(rows)] if len(rows) < len(ids) else rng.choice(ids)
            owner = rng.choice(orgs)
            if (oid, owner) in seen:
                continue
            seen.add((oid, owner))
            red = rng.random() < 0.05 and owner == orgs[0]
            rows.append({"uuid": f"00000000-0000-4000-8000-{len(rows):012d}", "observable_id": oid, "owner_org_id": owner,
                         "marking_id": markings[-1] if red else markings[owner], "kind": "indicator",
                         "crime_type": "investment_scam", "confidence": 50, "first_seen": NOW - timedelta(days=30),
                         "last_seen": NOW, "sightings": 1, "source": "bench", "description": "", "withdrawn": False,
                         "created_at": NOW, "updated_at": NOW, "author_user_id": None, "reliability": None,
                         "credibility": None, "valid_until": None, "retention_until": None})
        s.execute(insert(cast(Table, Statement.__table__)), rows)
        entity_rows = [{"uuid": f"10000000-0000-4000-8000-{i:012d}", "kind": "person", "role": "suspect", "name": f"Suspect {i}",
                        "aliases": "", "country": None, "description": "", "marking_id": markings[orgs[i % 5]],
                        "owner_org_id": orgs[i % 5], "created_by_user_id": None, "created_at": NOW, "updated_at": NOW}
                       for i in range(statements // 100)]
        s.execute(insert(cast(Table, Entity.__table__)), entity_rows)
        entity_ids = list(s.scalars(select(Entity.id)))
        rel_rows = [{"uuid": f"20000000-0000-4000-8000-{i:012d}", "kind": "uses", "source_type": "entity",
                     "source_id": eid, "target_type": "observable", "target_id": rng.choice(ids), "confidence": 50,
                     "description": "", "marking_id": markings[orgs[0]], "owner_org_id": orgs[0],
                     "created_by_user_id": None, "created_at": NOW} for i, eid in enumerate(entity_ids)]
        s.execute(insert(cast(Table, Relationship.__table__)), rel_rows)
    return hub


def timed(label: str, work: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = work()
    elapsed = time.perf_counter() - start
    print(f"{label:<44} {elapsed * 1000:10.1f} ms")
    return elapsed, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        db = Database(url)
        start = time.perf_counter()
        hub = build(db, args.statements)
        print(f"built {args.statements:,} statements in {time.perf_counter() - start:.1f} s")
        view = View(hub)
        with db.reader() as s:
            base, rows = timed("baseline: gated scan of visible statements",
                               lambda: s.execute(select(Statement.id, Statement.observable_id)
                                                 .where(statement_condition(view))).all())
            took, (found, total) = timed("clusters() (all, top 50)", lambda: service.clusters(s, hub, limit=50))
            shared = found[0].observables[0].id if found and found[0].observables else "entity:1"
            timed("neighbourhood(depth 2) of a shared node", lambda: service.neighbourhood(s, hub, shared, NOW, depth=2))
            timed("shortest_path(entity:1 → entity:2)", lambda: service.shortest_path(s, hub, "entity:1", "entity:2", NOW))
        print(f"visible statements {len(rows):,}; clusters {total:,}; largest {found[0].members if found else 0} records")
        print(f"ratio clusters / baseline scan: {took / base:.1f}x")
        db.dispose()


if __name__ == "__main__":
    main()
