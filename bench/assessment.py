"""Benchmark: a threat assessment over N observables and their statements, to PDF (budget: 1 M in under 15 s).

    .venv/bin/python bench/assessment.py                 # 1,000,000 observables (about 1.35 M statements)
    .venv/bin/python bench/assessment.py --size 100000   # a quick run while developing

Setup (not timed): a fresh SQLite file, migrated; the demo's organisations; observables and
statements written with ``executemany`` in id order. Statements spread over two years, under a mix
of markings (CLEAR, GREEN, AMBER, AMBER+STRICT, RED), about one identifier in nine held by units of
two countries, URLs and domains on shared registered domains, IPv4 addresses in a few hundred /24s.

Timed: a GREEN assessment of the last twelve months by the hub analyst (who reads far more than
GREEN), each section, the charts and the PDF; then a baseline measured in the same run: a bare
``SELECT crime_type, count(*) FROM statements GROUP BY crime_type`` over the same rows.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from aspjoc.accounts import service as accounts
from aspjoc.accounts.models import User
from aspjoc.db import Database
from aspjoc.marking import TLP, Handling, MarkingSpec, marking_id_for
from aspjoc.migrate import upgrade
from aspjoc.products import generate as generation
from aspjoc.products.document import build
from aspjoc.products.models import ProductKind
from aspjoc.products.preview import preview
from aspjoc.products.render_pdf import pdf_bytes
from aspjoc.products.scope import Scope

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
CRIMES = ("investment_scam", "phishing", "online_fraud", "romance_scam", "money_mule", "infostealer", "bec", "sextortion",
          "malware", "ransomware", "botnet")
CRIME_WEIGHTS = (24, 20, 12, 10, 9, 6, 5, 4, 3, 2, 1)
TYPES = ("phone", "bank_account", "url", "social_handle", "crypto_wallet", "domain", "ipv4", "email", "app", "sha256")
TYPE_WEIGHTS = (22, 18, 16, 12, 10, 7, 6, 5, 2, 2)
TLDS = ("com", "net", "xyz", "top", "shop", "online", "example", "site")
CHAINS = ("tron", "tron", "tron", "eth", "btc")
LEVELS = (TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED)
LEVEL_WEIGHTS = (15, 35, 30, 10, 10)
STAMP = "%Y-%m-%d %H:%M:%S.000000"


def _setup_accounts(db: Database) -> tuple[list[tuple[int, str]], dict[tuple[int, TLP], int], int]:
    """The demo's organisations and the hub analyst; per owner, one marking per level. Returns (units, markings, hub id)."""
    from aspjoc.demo.region import build_region

    with db.unit_of_work() as s:
        region = build_region(s, NOW, "bench-password")
        hub = region.org_id("hub")
        markings: dict[tuple[int, TLP], int] = {}
        for org in region.orgs.values():
            for level in LEVELS:
                orgs = frozenset({hub}) if level >= TLP.AMBER_STRICT else frozenset()
                handling = Handling.NO_EXPORT if level is TLP.RED else Handling.NONE
                markings[(org.id, level)] = marking_id_for(s, MarkingSpec(org.id, level, orgs=orgs, handling=handling))
        units = [(o.id, o.country or "") for o in region.orgs.values() if o.kind == "law_enforcement"]
        units += [(region.org_id(k), region.orgs[k].country or "") for k in ("hub", "vendor", "bank", "telco")]
    return units, markings, hub


def _observable(rng: random.Random, i: int, n: int) -> tuple[str, str, str | None, str | None, int | None]:
    """(type, value, country, registered domain, ipv4 number) of observable ``i`` of ``n``; values unique by ``i``."""
    kind = rng.choices(TYPES, TYPE_WEIGHTS)[0]
    country = ("PH", "TH", "ID", "MY", "VN", "SG", "KH", "LA", "FJ", "PG", "BN", "TL", "WS", "TO")[i % 14]
    site = f"d{rng.randrange(max(1, n // 25))}.{TLDS[i % len(TLDS)]}"
    if kind == "phone":
        return kind, f"+6{i:011d}", country, None, None
    if kind == "bank_account":
        return kind, f"{country}:{100 + i % 50}:{i:012d}", country, None, None
    if kind == "url":
        return kind, f"https://{site}/p/{i}", None, site, None
    if kind == "domain":
        return kind, f"h{i}.{site}", None, site, None
    if kind == "email":
        return kind, f"u{i}@{site}", None, site, None
    if kind == "ipv4":
        number = (203 << 24) + (rng.randrange(400) << 8) + rng.randrange(256) + (i % 7 << 16)
        return kind, f"n{i}", None, None, number
    if kind == "crypto_wallet":
        return kind, f"{CHAINS[i % len(CHAINS)]}:T{i:033d}", None, None, None
    return kind, f"{kind}:{i}", None, None, None


def _statement(rng: random.Random, sid: int, obs: int, owner: int, marking: int, crime: str,
               source: str) -> tuple[object, ...]:
    first = NOW - timedelta(days=rng.uniform(0.1, 730))
    last = min(NOW, first + timedelta(days=rng.expovariate(1 / 20)))
    return (sid, str(uuid.UUID(int=rng.getrandbits(128), version=4)), obs, owner, marking,
            rng.choices(("indicator", "sighting", "target", "victim"), (70, 15, 10, 5))[0], crime, 50 + sid % 50,
            first.strftime(STAMP), last.strftime(STAMP), (first + timedelta(days=1825)).strftime(STAMP), 1, source,
            first.strftime(STAMP), last.strftime(STAMP))


def _populate(path: Path, n: int, units: list[tuple[int, str]], markings: dict[tuple[int, TLP], int]) -> int:
    """Write ``n`` observables and their statements with executemany; returns the number of statements."""
    rng = random.Random(2026)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    created = NOW.strftime(STAMP)
    observables, statements = [], []
    sid = 0
    for i in range(1, n + 1):
        kind, value, country, domain, number = _observable(rng, i, n)
        observables.append((i, kind, value, country, domain, number, number, created))
        crime = rng.choices(CRIMES, CRIME_WEIGHTS)[0]
        holders = [rng.choice(units)] + ([rng.choice(units)] if rng.random() < 0.11 else [])
        for owner, _ in dict.fromkeys(holders):
            level = rng.choices(LEVELS, LEVEL_WEIGHTS)[0]
            sid += 1
            statements.append(_statement(rng, sid, i, owner, markings[(owner, level)], crime, "partner feed"))
            if rng.random() < 0.2:
                sid += 1
                statements.append(_statement(rng, sid, i, owner, markings[(owner, level)], crime, "public reports"))
    conn.executemany("INSERT INTO observables (id, type, value, country, domain, num_lo, num_hi, created_at) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", observables)
    conn.executemany("INSERT INTO statements (id, uuid, observable_id, owner_org_id, marking_id, kind, crime_type, confidence, "
                     "first_seen, last_seen, retention_until, sightings, source, created_at, updated_at, withdrawn, "
                     "description) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, '')", statements)
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()
    return len(statements)


def _baseline(db: Database, sql: str) -> float:
    with db.reader() as s:
        conn = s.connection().connection.dbapi_connection
        assert conn is not None
        started = time.perf_counter()
        conn.execute(sql).fetchall()
        return time.perf_counter() - started


def run(size: int, folder: Path) -> None:
    path = folder / "assessment-bench.db"
    url = f"sqlite:///{path}"
    started = time.perf_counter()
    upgrade(url)
    db = Database(url)
    units, markings, _hub = _setup_accounts(db)
    statements = _populate(path, size, units, markings)
    print(f"setup (not timed): {size:,} observables, {statements:,} statements in {time.perf_counter() - started:.1f} s")

    baseline = _baseline(db, "SELECT crime_type, count(*) FROM statements GROUP BY crime_type")
    # The same on a column without an index: one full scan and sort of every statement.
    scan = _baseline(db, "SELECT kind, count(*) FROM statements GROUP BY kind")
    phases: list[tuple[str, float, float]] = []
    mark, cpu_mark = time.perf_counter(), time.process_time()
    total_start, cpu_start = mark, cpu_mark

    def tick(name: str) -> None:
        nonlocal mark, cpu_mark
        now, cpu = time.perf_counter(), time.process_time()
        phases.append((name, now - mark, cpu - cpu_mark))
        mark, cpu_mark = now, cpu

    with db.unit_of_work() as s:
        analyst = s.scalar(select(User).where(User.email == "analyst@hub.aspjoc.test"))
        assert analyst is not None
        principal = accounts.principal_for(s, analyst)
        assert principal.org_id is not None
        scope = Scope(date(2025, 6, 1), date(2026, 5, 31))
        product = preview(s, principal, ProductKind.ASSESSMENT, scope, MarkingSpec(principal.org_id, TLP.GREEN), NOW,
                          "Regional threat assessment (benchmark)", tick)
        from aspjoc.products.export import content_of

        doc = build(product, content_of(product), charts=True)
        tick("charts")
        pdf = pdf_bytes(doc)
        tick("pdf")
        s.rollback()
    total, cpu_total = time.perf_counter() - total_start, time.process_time() - cpu_start
    (folder / "assessment-bench.pdf").write_bytes(pdf)
    content = content_of(product)
    print(f"  {'phase':<40} {'wall':>8} {'CPU':>8}")
    for name, seconds, cpu in phases:
        title = generation.SECTION_TITLES.get(name, name)
        print(f"  {title:<40} {seconds:7.2f}s {cpu:7.2f}s")
    # CPU time below wall time means the process waited: for the disk, or for a core other programs held.
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; CPU time {cpu_total:.2f} s")
    print(f"total: {total:.2f} s (budget 15 s) — PDF {len(pdf):,} bytes; {content.volumes.statements if content.volumes else 0:,} "
          f"statements shown, {content.left_out:,} left out for the GREEN audience")
    print(f"baseline: SELECT crime_type, count(*) FROM statements GROUP BY crime_type (indexed): {baseline:.2f} s; "
          f"ratio total/baseline {total / baseline:.1f}x")
    print(f"baseline: SELECT kind, count(*) FROM statements GROUP BY kind (full scan and sort): {scan:.2f} s; "
          f"ratio total/baseline {total / scan:.1f}x")
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="observables to generate (default 1,000,000)")
    parser.add_argument("--keep", type=Path, help="keep the database and the PDF in this folder")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        (args.keep / "assessment-bench.db").unlink(missing_ok=True)
        run(args.size, args.keep)
        return
    with tempfile.TemporaryDirectory() as folder:
        run(args.size, Path(folder))


if __name__ == "__main__":
    sys.exit(main())
