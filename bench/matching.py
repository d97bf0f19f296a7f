"""Private matching benchmark: build the keyed index over N holdings, then answer metered queries.

Ingests N phone numbers and N/4 IPv4 addresses as one unit's statements (through the real ingest
pipeline) into a fresh SQLite file, builds the HMAC index from nothing (``index.refresh``), and
compares that with a bare baseline: the same HMAC-SHA256 digests computed in a loop and inserted with
plain ``sqlite3`` ``executemany`` into a table with the same unique key.
Then times 300 queries of 10 values each through ``service.match_values`` (quota raised so none is
refused): p50 and p99 per query, with the index already current (the usual case), and the cost of an
incremental refresh after 1,000 more statements.

    .venv/bin/python bench/matching.py                      # 100,000 phone numbers
    .venv/bin/python bench/matching.py --statements 10000   # a quick run
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aspjoc.accounts import service as accounts
from aspjoc.config import Settings
from aspjoc.db import Database
from aspjoc.intel.ingest.pipeline import IngestOptions, ingest
from aspjoc.intel.ingest.records import Record
from aspjoc.marking import TLP
from aspjoc.migrate import upgrade
from aspjoc.sharing.matching import index, keys, service

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def _phones(start: int, count: int) -> list[str]:
    return [f"+6797{n:06d}" for n in range(start, start + count)]


def _records(values: list[str], kind: str) -> list[Record]:
    return [Record(index=i + 1, value=v, type=kind) for i, v in enumerate(values)]


def _store(db: Database, org_id: int, values: list[str], kind: str, now: datetime) -> None:
    ingest(db, _records(values, kind), IngestOptions(org_id=org_id, tlp=TLP.RED, source=f"bench-{kind}-{now:%H%M%S}"), now)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=100_000, help="phone numbers held (plus a quarter as many IPs)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="aspjoc-bench-matching-"))
    url = f"sqlite:///{folder / 'bench.db'}"
    upgrade(url)
    db = Database(url)
    with db.unit_of_work() as s:
        holder = accounts.add_organisation(s, "Holder unit", "TH", "law_enforcement", NOW)
        asker_org = accounts.add_organisation(s, "Asking unit", "FJ", "law_enforcement", NOW)
        asker = accounts.add_user(s, "asker@fj.bench", asker_org, "analyst", None, NOW)
        holder_id, asker_id = holder.id, asker.id
    phones = _phones(0, args.statements)
    ips = [f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}" for n in range(args.statements // 4)]
    started = time.perf_counter()
    _store(db, holder_id, phones, "phone", NOW)
    _store(db, holder_id, ips, "ipv4", NOW)
    print(f"ingested {len(phones) + len(ips):,} statements in {time.perf_counter() - started:.1f} s")

    with db.unit_of_work() as s:
        key = keys.current_key(s, NOW)
        started = time.perf_counter()
        built = index.refresh(s, key)
        build = time.perf_counter() - started
        secret = bytes.fromhex(key.secret)
    started = time.perf_counter()
    bare_db = sqlite3.connect(folder / "bare.db")
    bare_db.execute("CREATE TABLE entries (key_version INTEGER, digest TEXT, org_id INTEGER, observable_id INTEGER, "
                    "UNIQUE (key_version, digest, org_id))")
    rows = [(1, hmac.new(secret, f"phone:{value}".encode(), hashlib.sha256).hexdigest(), holder_id, i)
            for i, value in enumerate(phones + ips)]
    bare_db.executemany("INSERT INTO entries VALUES (?, ?, ?, ?)", rows)
    bare_db.commit()
    bare = time.perf_counter() - started
    print(f"index build: {built:,} holdings in {build:.2f} s ({built / build:,.0f}/s); "
          f"bare HMAC + SQLite executemany of the same rows {bare:.2f} s; ratio {build / bare:.1f}x")

    limits = service.Limits(batch_max=10, user_daily=10**9, org_daily=10**9)
    sign = service.signer(Settings(secret_key="bench-secret-" + "x" * 32))
    timings = []
    hits = 0
    with db.unit_of_work() as s:
        principal = accounts.principal_for(s, accounts.find_user(s, asker_id))
        for q in range(300):
            asked = _phones((q * 997) % (args.statements * 2), 10)
            started = time.perf_counter()
            outcome = service.match_values(s, principal, asked, NOW + timedelta(seconds=q), limits, sign)
            timings.append((time.perf_counter() - started) * 1000)
            assert isinstance(outcome, service.Outcome)
            hits += sum(a.hit for a in outcome.answers)
    timings.sort()
    print(f"queries of 10 values: p50 {statistics.median(timings):.1f} ms, p99 {timings[int(len(timings) * 0.99) - 1]:.1f} ms "
          f"({hits:,} hits of 3,000 items)")

    later = NOW + timedelta(hours=1)
    _store(db, holder_id, _phones(args.statements, 1000), "phone", later)
    with db.unit_of_work() as s:
        key = keys.current_key(s, later)
        started = time.perf_counter()
        seen = index.refresh(s, key)
        print(f"incremental refresh after 1,000 new statements: {seen:,} holdings looked at in "
              f"{(time.perf_counter() - started) * 1000:.0f} ms")
    db.dispose()


if __name__ == "__main__":
    main()
