"""Benchmark: correlation of a batch of statements, related values on lookup, and the score over every statement.

    .venv/bin/python bench/correlation.py                  # 100,000 statements per side
    .venv/bin/python bench/correlation.py --size 10000     # a quick run while developing

Setup (not timed): a fresh migrated SQLite file; Thailand holds N identifiers under RED, the
Philippines the same N under GREEN plus N of its own; a tenth of the identifiers are URLs on
shared registered domains and IPv4 addresses inside stored /24 networks.

Timed:
* ``correlate`` over the Philippines' N matching statement ids (2·N notices written), and a
  baseline in the same run: bare sqlite3 doing the least the job needs (the statements of the
  same observables by index, and an executemany insert of the same 2·N notice rows);
* ``related_values`` for 1,000 URLs and IPv4 addresses (p50, p99), against a baseline of the bare
  (type, value) lookup of the same identifiers;
* ``score_expression`` over all statements (a block-list style ``WHERE score >= 30``), against a
  bare ``SELECT count(*) ... WHERE confidence >= 30`` over the same join.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from aspjoc.accounts import service as accounts
from aspjoc.db import Database
from aspjoc.intel.correlation.related import related_values
from aspjoc.intel.correlation.service import correlate
from aspjoc.intel.models import Observable, Statement
from aspjoc.intel.scoring import score_expression
from aspjoc.marking import TLP, MarkingSpec, marking_id_for
from aspjoc.migrate import upgrade
from aspjoc.observables import canonicalise

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
STAMP = NOW.strftime("%Y-%m-%d %H:%M:%S.%f")


def _value(i: int) -> tuple[str, str]:
    kind = i % 10
    if kind == 0:
        return "url", f"https://login-{i % 997}.bank-{i % 89}.example/p/{i}"
    if kind == 1:
        return "ipv4", f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}"
    return "phone", f"+6681{i:07d}"


def _setup(url: str, path: Path, size: int) -> tuple[list[int], int, int]:
    upgrade(url)
    db = Database(url)
    with db.unit_of_work() as s:
        th = accounts.add_organisation(s, "Thai Cyber Unit", "TH", "law_enforcement", NOW)
        ph = accounts.add_organisation(s, "Philippine Cyber Unit", "PH", "law_enforcement", NOW)
        red, green = marking_id_for(s, MarkingSpec(th.id, TLP.RED)), marking_id_for(s, MarkingSpec(ph.id, TLP.GREEN))
        th_id, ph_id = th.id, ph.id
    db.dispose()
    conn = sqlite3.connect(path)
    observables = []
    for i in range(2 * size):
        kind, value = _value(i)
        c = canonicalise(value, kind)
        observables.append((i + 1, c.type.value, c.value, c.domain, c.num_lo, c.num_hi, STAMP))
    for n in range(size // 2560 + 1):
        observables.append((2 * size + n + 1, "cidr", f"10.{n // 256}.{n % 256}.0/24", None,
                            (10 << 24) | (n << 8), (10 << 24) | (n << 8) | 255, STAMP))
    conn.executemany("INSERT INTO observables (id, type, value, domain, num_lo, num_hi, created_at) VALUES (?,?,?,?,?,?,?)",
                     observables)
    rows = [(f"t{i}", i + 1, th_id, red) for i in range(size)]
    rows += [(f"p{i}", i + 1, ph_id, green) for i in range(2 * size)]
    rows += [(f"c{n}", 2 * size + n + 1, ph_id, green) for n in range(size // 2560 + 1)]
    conn.executemany("INSERT INTO statements (uuid, observable_id, owner_org_id, marking_id, kind, confidence, first_seen, "
                     "last_seen, sightings, source, description, withdrawn, created_at, updated_at) "
                     f"VALUES (?,?,?,?,'indicator',60,'{STAMP}','{STAMP}',1,'bench','',0,'{STAMP}','{STAMP}')", rows)
    conn.commit()
    ids = [r[0] for r in conn.execute("SELECT id FROM statements WHERE owner_org_id = ? AND observable_id <= ? ORDER BY id",
                                      (ph_id, size))]
    conn.close()
    return ids, th_id, ph_id


def _baseline_correlate(path: Path, ids: list[int]) -> float:
    conn = sqlite3.connect(path)
    started = time.perf_counter()
    pairs = []
    for start in range(0, len(ids), 2000):
        chunk = ids[start:start + 2000]
        marks = ",".join("?" * len(chunk))
        obs = [r[0] for r in conn.execute(f"SELECT observable_id FROM statements WHERE id IN ({marks})", chunk)]
        marks = ",".join("?" * len(obs))
        pairs += conn.execute(f"SELECT observable_id, owner_org_id, id FROM statements WHERE observable_id IN ({marks})", obs).fetchall()
    conn.executemany("INSERT INTO notices (org_id, kind, observable_id, statement_id, actor_org_id, message, created_at) "
                     "VALUES (?, 'match', ?, ?, ?, 'bench', ?)", [(org, obs, sid, org, STAMP) for obs, org, sid in pairs])
    seconds = time.perf_counter() - started
    conn.rollback()
    conn.close()
    return seconds


def _time_correlate(db: Database, ids: list[int]) -> tuple[float, int]:
    with db.unit_of_work() as s:
        started = time.perf_counter()
        matches = correlate(s, ids, NOW)
        seconds = time.perf_counter() - started
    return seconds, matches


def _time_related(db: Database, ph_id: int, size: int) -> tuple[list[float], list[float]]:
    rng = random.Random(7)
    # URLs and IPv4 addresses only: a phone number has no related values and would flatter the figures.
    picks = [_value(rng.randrange(2 * size // 10) * 10 + rng.choice((0, 1))) for _ in range(1000)]
    queries = [canonicalise(value, kind) for kind, value in picks]
    with db.reader() as s:
        principal = accounts.principal_for_org(s, accounts.find_organisation(s, ph_id))
        related, bare = [], []
        for c in queries:
            t = time.perf_counter()
            related_values(s, principal, c, None)
            related.append(time.perf_counter() - t)
            t = time.perf_counter()
            s.scalar(select(Observable.id).where(Observable.type == c.type.value, Observable.value == c.value))
            bare.append(time.perf_counter() - t)
    return related, bare


def _time_score(db: Database) -> tuple[float, float, int]:
    with db.reader() as s:
        joined = select(func.count()).select_from(Statement).join(Observable, Observable.id == Statement.observable_id)
        started = time.perf_counter()
        chosen = s.scalar(joined.where(score_expression(NOW) >= 30)) or 0
        scored = time.perf_counter() - started
        started = time.perf_counter()
        s.scalar(joined.where(Statement.confidence >= 30))
        bare = time.perf_counter() - started
    return scored, bare, chosen


def _ms(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000, help="statements per side (default 100,000)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        url = f"sqlite:///{path}"
        ids, _, ph_id = _setup(url, path, args.size)
        db = Database(url)
        baseline = _baseline_correlate(path, ids)
        seconds, matches = _time_correlate(db, ids)
        print(f"correlate {len(ids):,} statements ({matches:,} matches, {2 * matches:,} notices): {seconds:.2f} s, "
              f"{len(ids) / seconds:,.0f} statements/s; bare sqlite3 baseline {baseline:.2f} s; ratio {seconds / baseline:.1f}x")
        related, bare = _time_related(db, ph_id, args.size)
        print(f"related values of URLs and IPs ({3 * args.size:,} statements): p50 {_ms(related, 50):.2f} ms, "
              f"p99 {_ms(related, 99):.2f} ms; bare (type, value) lookup p99 {_ms(bare, 99):.2f} ms")
        scored, plain, chosen = _time_score(db)
        print(f"score >= 30 over {3 * args.size:,} statements: {scored:.2f} s ({chosen:,} chosen); "
              f"bare confidence filter {plain:.2f} s; ratio {scored / plain:.1f}x")
        db.dispose()


if __name__ == "__main__":
    main()
