"""Ingest benchmark: a million feed lines into a fresh SQLite file, against a bare bulk insert of the same rows.

Generates half the lines as a URLhaus-style CSV and half as a mixed list of identifier types
(IPs, domains, URLs, e-mail addresses, hashes, phone numbers, bank accounts, wallets), each with
10% repeated values and 1% malformed lines; ingests both through the real pipeline
(``aspjoc.intel.ingest.pipeline.ingest`` with the real format readers); then inserts the same
canonical rows (read back from the result) into another fresh file with plain ``executemany``
INSERTs in one transaction. Prints lines/s, peak memory (maxrss of this process and of its
largest child), the per-phase breakdown, and the ratio to the bare insert.

    .venv/bin/python bench/ingest.py                # the full million (budget: < 30 s, < 1 GB, < 3x)
    .venv/bin/python bench/ingest.py --lines 100000 # a quick run
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from aspjoc.accounts import service as accounts
from aspjoc.db import Database
from aspjoc.intel.formats import FORMATS, FormatOptions
from aspjoc.intel.ingest import warninglists
from aspjoc.intel.ingest.options import BULK_BATCH, bulk_workers
from aspjoc.intel.ingest.pipeline import IngestOptions, IngestReport, ingest
from aspjoc.marking import TLP
from aspjoc.migrate import upgrade

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
HEADER = "# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter\n"


def _ip(rng: random.Random) -> str:
    return f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


def _url(rng: random.Random, i: int) -> str:
    if i % 3 == 0:
        return f"http://{_ip(rng)}:{rng.randrange(1024, 65535)}/bins/{rng.choice(['mozi.m', 'mozi.a', 'i', 'x86'])}"
    host = f"{rng.choice(['cdn', 'files', 'update', 'dl'])}{i % 997}.{rng.choice(['shop', 'site', 'xyz', 'com', 'net'])}-{i}.{rng.choice(['com', 'net', 'top', 'ru', 'co.uk'])}"
    return f"https://{host}/{rng.choice(['wp-content', 'uploads', 'x'])}/{i:x}.{rng.choice(['exe', 'zip', 'apk', 'php'])}"


def _mixed(rng: random.Random, i: int) -> str:
    pick = i % 20
    if pick < 4:
        return _ip(rng)
    if pick < 8:
        return f"login-{i}.{rng.choice(['secure', 'verify', 'account'])}-{rng.randrange(10**6)}.{rng.choice(['com', 'net', 'info', 'top'])}"
    if pick < 11:
        return _url(rng, i)
    if pick < 13:
        return f"mule{i}@{rng.choice(['gmail.com', 'yahoo.com', 'proton.me', 'outlook.com'])}"
    if pick == 13:
        return "%032x" % rng.getrandbits(128)
    if pick < 16:
        return "%064x" % rng.getrandbits(256)
    if pick < 18:
        prefix, digits = rng.choice([("+66 8", 8), ("+63 917 ", 7), ("+679 9", 6)])
        return prefix + str(rng.randrange(10 ** (digits - 1), 10 ** digits))
    if pick == 18:
        return f"TH:{rng.choice(['002', '004', '014', '025'])}:{rng.randrange(10**9, 10**10)}"
    return "0x%040x" % rng.getrandbits(160)


def _lines(rng: random.Random, count: int, make: object) -> list[str]:
    """``count`` values: 10% repeat an earlier one, 1% are malformed."""
    values: list[str] = []
    for i in range(count):
        roll = rng.random()
        if roll < 0.01:
            values.append(rng.choice(["not-an-identifier", "999.1.1.1", "http://", "+66 12", "zz:??:!!"]))
        elif roll < 0.11 and values:
            values.append(values[rng.randrange(len(values))])
        else:
            values.append(make(rng, i))  # type: ignore[operator]
    return values


def generate(folder: Path, lines: int, seed: int = 7) -> tuple[Path, Path]:
    rng = random.Random(seed)
    half = lines // 2
    csv_path = folder / "urlhaus.csv"
    with csv_path.open("w") as out:
        out.write("################################################################\n# abuse.ch URLhaus Database Dump (CSV)\n#\n")
        out.write(HEADER)
        for i, url in enumerate(_lines(rng, half, _url)):
            added = f"2026-05-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:{(i * 7) % 60:02d}"
            out.write(f'"{3000000 + i}","{added}","{url}","online","","malware_download","elf,mozi","https://urlhaus.abuse.ch/url/{3000000 + i}/","reporter{i % 50}"\n')
    list_path = folder / "mixed.txt"
    with list_path.open("w") as out:
        out.write("# mixed identifiers\n")
        for value in _lines(rng, lines - half, _mixed):
            out.write(value + "\n")
    return csv_path, list_path


def cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def run_pipeline(url: str, files: list[tuple[str, Path]], workers: int, args_batch: int = BULK_BATCH) -> tuple[list[IngestReport], float]:
    db = Database(url)
    with db.unit_of_work() as session:
        org = accounts.add_organisation(session, "Bench Unit", "TH", "law_enforcement", NOW)
        org_id = org.id
    reports = []
    started = time.perf_counter()
    for name, path in files:
        with path.open("rb") as source:
            items = FORMATS[name].read(source, FormatOptions())
            options = IngestOptions(org_id=org_id, tlp=TLP.AMBER, source=f"bench-{name}", format=name, workers=workers, batch_size=args_batch)
            reports.append(ingest(db, items, options, NOW))
    elapsed = time.perf_counter() - started
    db.dispose()
    return reports, elapsed


def bare_insert(source_file: Path, target_url: str) -> tuple[float, float, int]:
    """Insert the canonical observables and statements of ``source_file`` into a fresh migrated file, bare."""
    src = sqlite3.connect(source_file)
    observables = src.execute("SELECT id, type, value, country, domain, num_lo, num_hi, created_at FROM observables ORDER BY id").fetchall()
    statements = src.execute(
        "SELECT uuid, observable_id, owner_org_id, author_user_id, marking_id, kind, crime_type, confidence, first_seen, "
        "last_seen, retention_until, sightings, source, description, withdrawn, created_at, updated_at, tags "
        "FROM statements ORDER BY id").fetchall()
    org = src.execute("SELECT id, name, country, kind, created_at FROM organisations").fetchall()
    marks = src.execute("SELECT id, fingerprint, owner_org_id, tlp, handling, public_use, has_recipients FROM markings").fetchall()
    src.close()
    upgrade(target_url)
    dst = sqlite3.connect(target_url.split("///", 1)[1])
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "cache_size=-65536", "foreign_keys=ON"):
        dst.execute(f"PRAGMA {pragma}")
    dst.executemany("INSERT INTO organisations (id, name, country, kind, created_at) VALUES (?, ?, ?, ?, ?)", org)
    dst.executemany("INSERT INTO markings VALUES (?, ?, ?, ?, ?, ?, ?)", marks)
    dst.commit()
    started = time.perf_counter()
    cpu_started = cpu(resource.RUSAGE_SELF)
    dst.executemany("INSERT INTO observables (id, type, value, country, domain, num_lo, num_hi, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", observables)
    dst.executemany(
        "INSERT INTO statements (uuid, observable_id, owner_org_id, author_user_id, marking_id, kind, crime_type, confidence, "
        "first_seen, last_seen, retention_until, sightings, source, description, withdrawn, created_at, updated_at, tags) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", statements)
    dst.commit()
    elapsed = time.perf_counter() - started
    cpu_used = cpu(resource.RUSAGE_SELF) - cpu_started
    dst.close()
    return elapsed, cpu_used, len(observables) + len(statements)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=1_000_000, help="feed lines in all (half CSV, half mixed list)")
    parser.add_argument("--workers", type=int, default=bulk_workers(),
                        help="worker processes reading and canonicalising (default: as the CLI, %(default)s here)")
    parser.add_argument("--batch-size", type=int, default=BULK_BATCH, help="records per committed batch (default: as the CLI)")
    parser.add_argument("--folder", type=Path, default=None, help="where to write the files (a temporary folder by default)")
    args = parser.parse_args()
    warninglists.index()  # builds the known-good cache file once per machine if missing; not part of the timing
    with tempfile.TemporaryDirectory(dir=args.folder) as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        csv_path, list_path = generate(folder, args.lines)
        print(f"generated {args.lines:,} lines in {time.perf_counter() - t:.1f} s "
              f"({csv_path.stat().st_size / 1e6:.0f} MB CSV, {list_path.stat().st_size / 1e6:.0f} MB list)")
        db_file = folder / "ingest.db"
        upgrade(f"sqlite:///{db_file}")
        cpu_before = cpu(resource.RUSAGE_SELF)
        reports, elapsed = run_pipeline(f"sqlite:///{db_file}", [("urlhaus-csv", csv_path), ("list", list_path)], args.workers,
                                        args.batch_size)
        cpu_main = cpu(resource.RUSAGE_SELF) - cpu_before
        cpu_workers = cpu(resource.RUSAGE_CHILDREN)
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        bare, bare_cpu, rows = bare_insert(db_file, f"sqlite:///{folder / 'bare.db'}")
    read = sum(r.read for r in reports)
    print(f"pipeline: {read:,} lines in {elapsed:.1f} s = {read / elapsed:,.0f} lines/s")
    for name, r in zip(("urlhaus-csv", "list"), reports):
        print(f"  {name:<12} read {r.read:,} stored {r.stored:,} new {r.new:,} updated {r.updated:,} "
              f"rejected {r.rejected:,} flagged {r.flagged:,} in {r.seconds:.1f} s")
        print("    phases (wall): " + ", ".join(f"{k.strip()} {v:.1f} s" for k, v in r.phases.items()))
        print("    phases (main-thread CPU): " + ", ".join(f"{k.strip()} {v:.1f} s" for k, v in r.phases.cpu.items()))
    print(f"peak memory: {own:.0f} MB this process + {child:.0f} MB largest worker = {own + child:.0f} MB")
    print(f"CPU: {cpu_main:.1f} s main process + {cpu_workers:.1f} s workers "
          f"(on an idle 2-core machine the wall time approaches the larger of the two)")
    print(f"bare SQLite insert of the same {rows:,} rows: {bare:.1f} s ({bare_cpu:.1f} s CPU)")
    print(f"ratio pipeline / bare insert: {elapsed / bare:.2f}x wall, {cpu_main / bare_cpu:.2f}x CPU of the main process")
    load = os.getloadavg()[0]
    if load > 2.5:
        print(f"note: load average {load:.1f} on {os.cpu_count()} cores: other work shared the machine; wall times are inflated")
    ok = elapsed < 30 and own + child < 1024 and elapsed / bare < 3
    print("within budget (< 30 s, < 1 GB, < 3x)" if ok else "OVER BUDGET (< 30 s, < 1 GB, < 3x)")
    if args.lines >= 1_000_000 and not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
