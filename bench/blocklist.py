"""Block-list benchmark: an RPZ zone and a bank CSV from a million stored observables, against a bare SELECT.

Setup (not timed): a fresh migrated SQLite file holding ``--size`` observables, half domains and
half financial identifiers (60% bank accounts, 20% IBANs, 20% TRON wallets), one statement each
plus a second owner's statement on every tenth, under a realistic mix of markings (85% GREEN,
5% AMBER+STRICT to the bank, 3% community AMBER, 4% RED, 3% GREEN with no_export), 1% withdrawn,
0.5% on a warning list, last seen over the past 400 days. Written with ``executemany``.

Timed, each in a child process of its own so its peak memory (maxrss) is its own:

* ``rpz``: the bank's RPZ subscription (every domain, no selection) refreshed from nothing
  (selection with the export gate, warning-list and handling filters, grouped by observable, into
  entries) and written to a file; then ``rpz again``: the same list refreshed when nothing
  changed (the steady state of a feed every 15 minutes) and written again;
* ``bank csv``: the bank's CSV subscription, with scores, likewise;
* ``baseline``: bare sqlite3 streaming the ``type, value`` of the same identifier types (one
  line each, no gate, no grouping) to a file, in the same run.

    .venv/bin/python bench/blocklist.py                 # a million observables (budget: < 10 s, < 500 MB each)
    .venv/bin/python bench/blocklist.py --size 100000   # a quick run
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
BUDGET_SECONDS = 10.0
BUDGET_MB = 500.0
FINANCIAL = ("bank_account", "iban", "crypto_wallet")


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def _iban(i: int) -> str:
    bban = f"{37040044 + i % 50:08d}{i:010d}"
    check = 98 - int(bban + "131400") % 97  # ISO 13616: DE -> 1314, then 00 for the check digits
    return f"DE{check:02d}{bban}"


def _observable(i: int) -> tuple[str, str, str | None]:
    if i % 2 == 0:
        return "domain", f"login-{i}.secure-{i % 997}.example", None
    j = i // 2
    pick = j % 10
    if pick < 6:
        return "bank_account", f"TH:{j % 40:03d}:{j:010d}", "TH"
    if pick < 8:
        return "iban", _iban(j), "DE"
    return "crypto_wallet", f"tron:T{j:033d}", None


def _markings(path: Path) -> tuple[dict[str, int], dict[str, int]]:
    from aspjoc.accounts import service as accounts
    from aspjoc.db import Database
    from aspjoc.marking import TLP, Handling, MarkingSpec, marking_id_for
    from aspjoc.migrate import upgrade

    url = f"sqlite:///{path}"
    upgrade(url)
    db = Database(url)
    with db.unit_of_work() as s:
        orgs = {key: accounts.add_organisation(s, name, country, kind, NOW) for key, name, country, kind in (
            ("th", "Thai Cyber Unit", "TH", "law_enforcement"), ("ph", "Philippine Cyber Unit", "PH", "law_enforcement"),
            ("hub", "Regional Hub", "SG", "hub"), ("bank", "Coral Bank", "FJ", "private"))}
        th, bank = orgs["th"].id, orgs["bank"].id
        marks = {"green": marking_id_for(s, MarkingSpec(th, TLP.GREEN)),
                 "strict": marking_id_for(s, MarkingSpec(th, TLP.AMBER_STRICT, orgs=frozenset({bank}))),
                 "amber": marking_id_for(s, MarkingSpec(th, TLP.AMBER)),
                 "red": marking_id_for(s, MarkingSpec(th, TLP.RED)),
                 "no_export": marking_id_for(s, MarkingSpec(th, TLP.GREEN, handling=Handling.NO_EXPORT)),
                 "ph_green": marking_id_for(s, MarkingSpec(orgs["ph"].id, TLP.GREEN))}
        ids = {key: org.id for key, org in orgs.items()}
    db.dispose()
    return ids, marks


def _marking_of(i: int, marks: dict[str, int]) -> int:
    pick = i % 100
    if pick < 85:
        return marks["green"]
    if pick < 90:
        return marks["strict"]
    if pick < 93:
        return marks["amber"]
    if pick < 97:
        return marks["red"]
    return marks["no_export"]


def setup(path: Path, size: int) -> dict[str, int]:
    """Fill ``path`` with ``size`` observables and their statements; returns the organisation ids."""
    orgs, marks = _markings(path)
    rng = random.Random(7)
    created = _stamp(NOW - timedelta(days=400))
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    conn.executemany("INSERT INTO observables (id, type, value, country, created_at) VALUES (?,?,?,?,?)",
                     ((i + 1, *_observable(i), created) for i in range(size)))
    crimes = {"domain": ("phishing", "infostealer"), "bank_account": ("money_mule", "investment_scam"),
              "iban": ("money_mule", "bec"), "crypto_wallet": ("investment_scam", "romance_scam")}

    def statements() -> object:
        for i in range(size):
            kind = _observable(i)[0]
            seen = _stamp(NOW - timedelta(days=rng.randrange(400), seconds=rng.randrange(86400)))
            retain = _stamp(NOW + timedelta(days=1500))
            yield (f"s{i}", i + 1, orgs["th"], _marking_of(i, marks), crimes[kind][i % 2], 40 + i % 60, seen, seen,
                   retain, int(i % 100 == 42), seen, seen)
            if i % 10 == 3:
                yield (f"p{i}", i + 1, orgs["ph"], marks["ph_green"], crimes[kind][1], 80, seen, seen, retain, 0, seen, seen)

    conn.executemany(
        "INSERT INTO statements (uuid, observable_id, owner_org_id, marking_id, kind, crime_type, confidence, first_seen, "
        "last_seen, retention_until, withdrawn, created_at, updated_at, sightings, source, description) "
        "VALUES (?,?,?,?,'indicator',?,?,?,?,?,?,?,?,1,'bench','')", statements())  # type: ignore[arg-type]
    conn.executemany("INSERT INTO observable_flags (observable_id, list_name) VALUES (?, 'bench known-good')",
                     ((i + 1,) for i in range(size) if i % 200 == 17))
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()
    return orgs


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def job_list(path: Path, fmt: str, bank_id: int, out: Path) -> dict[str, float]:
    """Refresh the bank's ``fmt`` subscription from nothing, write it, then refresh and write it again."""
    from aspjoc.config import Settings
    from aspjoc.db import Database
    from aspjoc.disruption import feeds, service
    from aspjoc.disruption.refresh import refresh

    settings = Settings(database_url=f"sqlite:///{path}")
    db = Database(settings.database_url)
    timings: dict[str, float] = {}
    for label in ("first", "again"):
        started, cpu = time.perf_counter(), time.process_time()
        with db.unit_of_work() as s:
            target = service.create_offline(s, service.SubscriptionData(name=f"bench {fmt}", subscriber=bank_id, format=fmt), NOW)
            result = refresh(s, target, NOW)
            with out.open("w", encoding="utf-8", newline="") as sink:
                for chunk in feeds.render(s, target, NOW, settings):
                    sink.write(chunk)
        timings[label] = time.perf_counter() - started
        timings[f"{label}_cpu"] = time.process_time() - cpu
        timings[f"{label}_entries"] = result.entries
        timings[f"{label}_added"] = result.added
    db.dispose()
    timings["peak_mb"] = _peak_mb()
    timings["bytes"] = out.stat().st_size
    return timings


def job_baseline(path: Path, types: tuple[str, ...], out: Path) -> dict[str, float]:
    """Bare sqlite3: the (type, value) of every observable of ``types`` streamed to a file, one line each."""
    started, cpu = time.perf_counter(), time.process_time()
    conn = sqlite3.connect(path)
    marks = ",".join("?" * len(types))
    rows = 0
    with out.open("w", encoding="utf-8") as sink:
        for kind, value in conn.execute(f"SELECT type, value FROM observables WHERE type IN ({marks})", types):
            sink.write(f"{kind},{value}\n")
            rows += 1
    conn.close()
    return {"seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu, "rows": rows,
            "peak_mb": _peak_mb()}


def _child(args: list[str]) -> dict[str, float]:
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _verdict(seconds: float, mb: float) -> str:
    return "within budget" if seconds < BUDGET_SECONDS and mb < BUDGET_MB else "OVER BUDGET"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="stored observables (default 1,000,000)")
    parser.add_argument("--job", choices=("rpz", "bank_csv", "baseline-domain", "baseline-financial"), help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--bank", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.job:
        out = args.db.with_suffix(f".{args.job}.out")
        if args.job.startswith("baseline"):
            found = job_baseline(args.db, ("domain",) if args.job == "baseline-domain" else FINANCIAL, out)
        else:
            found = job_list(args.db, args.job, args.bank, out)
        print(json.dumps(found))
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        started = time.perf_counter()
        orgs = setup(path, args.size)
        print(f"setup: {args.size:,} observables with their statements in {time.perf_counter() - started:.1f} s (not timed)")
        common = ["--db", str(path), "--bank", str(orgs["bank"])]
        for fmt, baseline, label in (("rpz", "baseline-domain", "RPZ zone"), ("bank_csv", "baseline-financial", "bank CSV")):
            bare = _child(["--job", baseline, *common])
            got = _child(["--job", fmt, *common])
            print(f"{label}: {int(got['first_entries']):,} entries from {args.size:,} stored observables, "
                  f"{got['bytes'] / 1e6:.1f} MB written")
            print(f"  refresh from nothing + write: {got['first']:.2f} s (CPU {got['first_cpu']:.2f} s); refresh unchanged "
                  f"+ write: {got['again']:.2f} s (CPU {got['again_cpu']:.2f} s); peak memory {got['peak_mb']:.0f} MB "
                  f"({_verdict(got['first'], got['peak_mb'])}: < {BUDGET_SECONDS:.0f} s, < {BUDGET_MB:.0f} MB)")
            print(f"  baseline, bare SELECT of {int(bare['rows']):,} rows streamed to a file: {bare['seconds']:.2f} s "
                  f"(CPU {bare['cpu']:.2f} s), peak {bare['peak_mb']:.0f} MB; ratio {got['first'] / bare['seconds']:.1f}x "
                  f"(unchanged: {got['again'] / bare['seconds']:.1f}x)")
        load = os.getloadavg()
        print(f"load average at the end: {load[0]:.1f} (1 min), {load[1]:.1f} (5 min) on {os.cpu_count()} CPUs; wall "
              "times stretch when other work shares the machine, CPU times much less")

if __name__ == "__main__":
    main()
