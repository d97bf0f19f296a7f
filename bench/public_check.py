"""Benchmark: the public scam check under load, beside the same server's bare /healthz (budget: ≥ 70 % of its
throughput, p99 under 20 ms, no errors).

    .venv/bin/python bench/public_check.py                          # 1,000,000 observables, 30 s per endpoint
    .venv/bin/python bench/public_check.py --size 100000 --duration 5   # a quick run while developing

Setup (not timed): a fresh SQLite file, migrated; a private partner and a national unit; observables
(phones, bank accounts, domains, URLs) and one statement each written with ``executemany``; a share
of them (``--public-share``, 20 % by default) under a CLEAR marking with public-use consent, the rest
AMBER or GREEN without it.

Timed: one Uvicorn worker (``aspjoc.web.asgi:app``, access log off) on loopback, the rate limit lifted
for 127.0.0.1 by configuration (``ASPJOC_PUBLIC_RATE_LIMIT_EXEMPT``); ``wrk`` with ``--connections``
connections for ``--duration`` seconds first against ``/healthz``, then against
``/public/api/check`` with a value drawn at random per request among ``--distinct`` values (a third
consented, a third held only under non-public statements, a third never seen). How often each value
is asked follows a Zipf law (``--zipf``, 1.0 by default, as real check traffic concentrates on the
numbers that are calling many people); ``--zipf 0`` asks each value equally often, so nearly every
request misses the 30-second answer cache and runs canonicalisation and the query. Both runs follow a
short warm-up.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from rich.progress import Progress

from aspjoc.accounts import service as accounts
from aspjoc.db import Database
from aspjoc.marking import TLP, Handling, MarkingSpec, marking_id_for
from aspjoc.migrate import upgrade
from aspjoc.public.check import facts_query

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
STAMP = "%Y-%m-%d %H:%M:%S.000000"
CRIMES = ("investment_scam", "phishing", "online_fraud", "romance_scam", "money_mule")
BATCH = 50_000
# wrk reports latencies in microseconds; ``done`` prints one JSON line the benchmark parses.
LUA = """
local paths = {}
for line in io.lines("%(pool)s") do paths[#paths + 1] = line end
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
request = function()
  if #paths == 0 then return wrk.format("GET", "/healthz") end
  return wrk.format("GET", paths[math.random(#paths)])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('JSON {"requests": %%d, "duration_us": %%d, "connect": %%d, "read": %%d, "write": %%d, '
    .. '"status": %%d, "timeout": %%d, "p50_us": %%d, "p99_us": %%d, "max_us": %%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""


def value_of(i: int) -> tuple[str, str, str | None]:
    """(type, canonical value, country) of observable ``i``: already canonical, so a check finds it as typed."""
    kind = i % 4
    if kind == 0:
        return "phone", f"+668{i % 100_000_000:08d}", "TH"
    if kind == 1:
        return "bank_account", f"TH:004:{i:010d}", "TH"
    if kind == 2:
        return "domain", f"shop-{i:07d}.example.com", None
    return "url", f"https://login-{i}.example.net/verify", None


@dataclass(frozen=True)
class Owners:
    vendor: int
    unit: int
    public: int  # CLEAR, public-use consent, owned by the vendor
    amber: int  # the unit's, no consent
    green: int


def _accounts(db: Database) -> Owners:
    """A private partner and a national unit with their markings, and a few hundred other markings besides,
    as a real node has (one per recipient set), so the gate's sub-select runs over a realistic table."""
    with db.unit_of_work() as s:
        vendor = accounts.add_organisation(s, "Coral Threat Labs", "SG", "private", NOW)
        unit = accounts.add_organisation(s, "Royal Thai Police Cyber Unit", "TH", "law_enforcement", NOW)
        owners = Owners(vendor.id, unit.id, marking_id_for(s, MarkingSpec(vendor.id, TLP.CLEAR, public_use=True)),
                        marking_id_for(s, MarkingSpec(unit.id, TLP.AMBER)), marking_id_for(s, MarkingSpec(unit.id, TLP.GREEN)))
        for n in range(300):
            level, rest = TLP(n % 5), n // 5
            marking_id_for(s, MarkingSpec(unit.id, level, handling=Handling(rest % 32), public_use=n % 20 == 0,
                                          orgs=frozenset({vendor.id}) if rest >= 32 else frozenset()))
        return owners


def populate(path: Path, size: int, public_share: float) -> set[int]:
    """Write ``size`` observables with one statement each; returns the ids whose statement has public-use consent."""
    db = Database(f"sqlite:///{path}")
    owners = _accounts(db)
    db.dispose()
    rng = random.Random(2026)
    consented: set[int] = set()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    created = NOW.strftime(STAMP)
    with Progress() as progress:
        task = progress.add_task("observables and statements", total=size)
        for start in range(1, size + 1, BATCH):
            ids = range(start, min(size, start + BATCH - 1) + 1)
            observables, statements = [], []
            for i in ids:
                kind, value, country = value_of(i)
                observables.append((i, kind, value, country, None, None, None, created))
                is_public = rng.random() < public_share
                if is_public:
                    consented.add(i)
                owner, marking = ((owners.vendor, owners.public) if is_public
                                  else (owners.unit, owners.amber if i % 2 else owners.green))
                first = (NOW - timedelta(days=rng.uniform(1, 700))).strftime(STAMP)
                statements.append((i, str(uuid.UUID(int=rng.getrandbits(128), version=4)), i, owner, marking, "indicator",
                                   CRIMES[i % len(CRIMES)], 60, first, first, created, 1, "bench feed", created, created))
            conn.executemany("INSERT INTO observables (id, type, value, country, domain, num_lo, num_hi, created_at) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", observables)
            conn.executemany("INSERT INTO statements (id, uuid, observable_id, owner_org_id, marking_id, kind, crime_type, "
                             "confidence, first_seen, last_seen, retention_until, sightings, source, created_at, updated_at, "
                             "withdrawn, description) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, '')", statements)
            conn.commit()
            progress.advance(task, len(ids))
    conn.execute("ANALYZE")
    conn.close()
    return consented


def stored_consented(db_path: Path) -> set[int]:
    """The observables of a kept database whose statement has public-use consent (for ``--reuse``)."""
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT s.observable_id FROM statements s JOIN markings m ON m.id = s.marking_id "
                            "WHERE m.public_use = 1").fetchall()
    return {int(row[0]) for row in rows}


def write_pool(path: Path, size: int, distinct: int, zipf: float, consented: set[int]) -> tuple[str, str, float]:
    """Write the request paths wrk draws from, uniformly: ``distinct`` values (a third consented, a third held
    only under non-public statements, a third never seen), repeated by a Zipf law of exponent ``zipf`` (0: each once).

    Returns one consented and one non-public value for the sanity check, and the share of lines that repeat
    an earlier value (the most the answer cache can save).
    """
    rng = random.Random(7)
    public_ids = sorted(consented)
    private = [i for i in range(1, min(size, 3 * distinct) + 1) if i not in consented]
    values: list[str] = []
    for n in range(distinct):
        which = n % 3
        if which == 0 and public_ids:
            _, value, _ = value_of(rng.choice(public_ids))
        elif which == 1 and private:
            _, value, _ = value_of(rng.choice(private))
        else:
            _, value, _ = value_of(size + 1 + rng.randrange(10 * max(size, 1)))  # same shapes, never stored
        values.append(f"/public/api/check?q={quote(value, safe='')}")
    rng.shuffle(values)
    if zipf > 0:
        weights = list(itertools.accumulate(1 / rank ** zipf for rank in range(1, distinct + 1)))
        lines = rng.choices(values, cum_weights=weights, k=2 * distinct)
    else:
        lines = values
    path.write_text("\n".join(lines) + "\n")
    return value_of(public_ids[0])[1], value_of(private[0])[1], 1 - len(set(lines)) / len(lines)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(db_path: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "ASPJOC_DATABASE_URL": f"sqlite:///{db_path}", "ASPJOC_PUBLIC_RATE_LIMIT_EXEMPT": "127.0.0.1",
           "ASPJOC_DATA_DIR": str(db_path.parent)}
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "aspjoc.web.asgi:app", "--host", "127.0.0.1", "--port",
                               str(port), "--workers", "1", "--no-access-log", "--log-level", "warning"], env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the server did not start")


def get_json(url: str) -> dict[str, object]:
    with urllib.request.urlopen(url, timeout=5) as reply:
        data: dict[str, object] = json.loads(reply.read())
        return data


def wrk(url: str, script: Path, seconds: int, connections: int, threads: int) -> dict[str, float]:
    """Run wrk (loopback only, bounded by ``seconds`` plus a grace period) and return its figures."""
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--timeout", "2s", "-s", str(script), url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30, check=True)
    line = next(ln for ln in done.stdout.splitlines() if ln.startswith("JSON "))
    data: dict[str, float] = json.loads(line[5:])
    data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
    data["errors"] = data["connect"] + data["read"] + data["write"] + data["status"] + data["timeout"]
    return data


def explain(db_path: Path) -> list[str]:
    """SQLite's plan for the check's one query (to show it is index lookups only)."""
    from sqlalchemy.dialects import sqlite

    compiled = facts_query(1).compile(dialect=sqlite.dialect())
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("EXPLAIN QUERY PLAN " + str(compiled), ["phone", "+66800000000"]).fetchall()
    return [str(row[-1]) for row in rows]


def run(args: argparse.Namespace, folder: Path) -> bool:
    db_path = folder / "public-check-bench.db"
    started = time.perf_counter()
    if args.reuse and db_path.exists():
        consented = stored_consented(db_path)
    else:
        db_path.unlink(missing_ok=True)
        upgrade(f"sqlite:///{db_path}")
        consented = populate(db_path, args.size, args.public_share)
    pool_file = folder / "pool.txt"
    public_value, private_value, repeats = write_pool(pool_file, args.size, args.distinct, args.zipf, consented)
    law = f"Zipf s={args.zipf}" if args.zipf > 0 else "uniform"
    print(f"setup (not timed): {args.size:,} observables, {len(consented):,} with public-use statements, "
          f"{args.distinct:,} distinct values asked ({law}; {repeats:.0%} of draws repeat a value), "
          f"in {time.perf_counter() - started:.1f} s")
    for line in explain(db_path):
        print(f"  plan: {line}")
    health_script, check_script = folder / "health.lua", folder / "check.lua"
    health_script.write_text(LUA % {"pool": folder / "empty.txt"})
    (folder / "empty.txt").write_text("")
    check_script.write_text(LUA % {"pool": pool_file})
    port = free_port()
    server = start_server(db_path, port)
    base = f"http://127.0.0.1:{port}"
    try:
        reported = get_json(f"{base}/public/api/check?q={quote(public_value, safe='')}")
        hidden = get_json(f"{base}/public/api/check?q={quote(private_value, safe='')}")
        assert reported["verdict"] == "reported" and hidden["verdict"] == "not_reported", (reported, hidden)
        wrk(f"{base}/healthz", health_script, 3, args.connections, args.threads)
        wrk(f"{base}/public/api/check", check_script, 3, args.connections, args.threads)
        health = wrk(f"{base}/healthz", health_script, args.duration, args.connections, args.threads)
        check = wrk(f"{base}/public/api/check", check_script, args.duration, args.connections, args.threads)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"wrk: {args.threads} threads, {args.connections} connections, {args.duration} s per endpoint, one Uvicorn worker")
    print(f"{'endpoint':<22}{'requests/s':>12}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for name, figures in (("/healthz", health), ("/public/api/check", check)):
        print(f"{name:<22}{figures['rps']:>12,.0f}{figures['p50_us'] / 1000:>9.2f}{figures['p99_us'] / 1000:>9.2f}"
              f"{figures['errors']:>8.0f}")
    ratio = check["rps"] / health["rps"]
    ok = ratio >= 0.70 and check["p99_us"] < 20_000 and check["errors"] == 0
    print(f"check / health throughput: {ratio:.0%} (budget ≥ 70 %); check p99 {check['p99_us'] / 1000:.1f} ms "
          f"(budget < 20 ms); errors {check['errors']:.0f} (budget 0) — {'within budget' if ok else 'OVER BUDGET'}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="observables to store (default 1,000,000)")
    parser.add_argument("--public-share", type=float, default=0.2, help="share with a public-use statement (default 0.2)")
    parser.add_argument("--distinct", type=int, default=100_000, help="distinct values the load asks about (default 100,000)")
    parser.add_argument("--zipf", type=float, default=1.0,
                        help="exponent of the Zipf law of how often each value is asked (default 1.0: public checks "
                             "concentrate on the numbers calling many people); 0 asks each value equally often")
    parser.add_argument("--duration", type=int, default=30, help="seconds of load per endpoint (default 30)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--keep", type=Path, help="keep the database and scripts in this folder")
    parser.add_argument("--reuse", action="store_true", help="with --keep: use the database already there (same --size)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: run scripts/system-deps.sh")
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        ok = run(args, args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="aspjoc-public-bench-") as folder:
            ok = run(args, Path(folder))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
