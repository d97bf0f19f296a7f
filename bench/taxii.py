"""TAXII 2.1 serving speed: aspjoc on loopback (real uvicorn), read by taxii2-client in pages of 1,000.

1. ``--size`` indicator objects (default 100,000) visible to the reader, plus statements the reader
   may not see (RED and AMBER+STRICT of another country, so the gate has work to do), are stored in
   a fresh SQLite database; aspjoc is served by uvicorn in its own process and the whole community
   collection is read with taxii2-client's ``as_pages``. Budget: under 5 s (over 20,000 objects/s).
2. The first ``--baseline`` indicators (default 5,000), exactly as aspjoc served them, are loaded
   into the OASIS reference server medallion 3.0.0 (memory backend, its own process) and read the
   same way from both servers; objects/s of each and the ratio are printed.

Run: ``.venv/bin/python bench/taxii.py`` (``--size 20000 --baseline 1000`` for a quick run).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from taxii2client.v21 import Collection, as_pages

from aspjoc.accounts import service as accounts
from aspjoc.db import Database
from aspjoc.intel.models import Observable, Statement
from aspjoc.marking import TLP, MarkingSpec, marking_id_for
from aspjoc.migrate import upgrade
from aspjoc.sharing.taxii.collections import COMMUNITY_ID

VENV_BIN = Path(sys.executable).parent
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
PAGE = 1000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for_port(port: int, process: subprocess.Popen[bytes], seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port}")


def _value(i: int) -> tuple[str, str]:
    """A canonical identifier of a rotating type, unique for ``i``."""
    kind = i % 4
    if kind == 0:
        return "ipv4", f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
    if kind == 1:
        return "domain", f"host{i}.bench.example.net"
    if kind == 2:
        return "url", f"https://login{i}.bench.example.net/verify"
    return "phone", f"+6681{i:07d}"


def load(url: str, size: int, hidden: int) -> tuple[str, str]:
    """Store ``size`` statements the reader may see and ``hidden`` it may not; returns (reader e-mail, token)."""
    upgrade(url)
    db = Database(url)
    with db.unit_of_work() as s:
        owner = accounts.add_organisation(s, "Bench Thai Unit", "TH", "law_enforcement", NOW)
        reader_org = accounts.add_organisation(s, "Bench Philippine Unit", "PH", "law_enforcement", NOW)
        other = accounts.add_organisation(s, "Bench Fiji Unit", "FJ", "law_enforcement", NOW)
        reader = accounts.add_user(s, "reader@bench.aspjoc.test", reader_org, "analyst", None, NOW)
        token = accounts.create_token(s, reader, NOW)
        green = marking_id_for(s, MarkingSpec(owner.id, TLP.GREEN))
        amber_to_reader = marking_id_for(s, MarkingSpec(owner.id, TLP.AMBER, orgs=frozenset({reader_org.id})))
        strict_to_other = marking_id_for(s, MarkingSpec(owner.id, TLP.AMBER_STRICT, orgs=frozenset({other.id})))
        red = marking_id_for(s, MarkingSpec(owner.id, TLP.RED))
        owner_id, email = owner.id, reader.email
    total = size + hidden
    every = max(1, total // hidden) if hidden else 0
    batch: list[tuple[int, str, str, int]] = []

    def flush() -> None:
        with db.unit_of_work() as s:
            s.execute(insert(Observable), [{"type": t, "value": v, "created_at": NOW} for _, t, v, _ in batch])
            found = s.execute(select(Observable.value, Observable.id).where(Observable.value.in_([v for _, _, v, _ in batch])))
            ids = {value: observable_id for value, observable_id in found}
            s.execute(insert(Statement), [{
                "uuid": f"{i:08x}-0000-4000-8000-{i:012x}", "observable_id": ids[v], "owner_org_id": owner_id,
                "marking_id": m, "kind": "indicator", "crime_type": "phishing", "confidence": 70,
                "first_seen": NOW - timedelta(days=3), "last_seen": NOW, "sightings": 1, "source": "bench",
                "description": "", "withdrawn": False, "created_at": NOW - timedelta(days=3),
                "updated_at": NOW - timedelta(days=1) + timedelta(milliseconds=i)} for i, _, v, m in batch])
        batch.clear()

    for i in range(total):
        hide = bool(every) and i % every == every - 1
        marking = (red if i % 2 else strict_to_other) if hide else (amber_to_reader if i % 10 == 0 else green)
        batch.append((i, *_value(i), marking))
        if len(batch) == 5000:
            flush()
    if batch:
        flush()
    db.dispose()
    return email, token


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def serve_aspjoc(url: str, folder: Path) -> Iterator[tuple[str, int]]:
    port = free_port()
    env = os.environ | {"ASPJOC_DATABASE_URL": url, "ASPJOC_DATA_DIR": str(folder / "var"), "ASPJOC_MAX_PAGE_SIZE": str(PAGE)}
    process = subprocess.Popen([str(VENV_BIN / "uvicorn"), "aspjoc.web.asgi:app", "--host", "127.0.0.1", "--port", str(port),
                                "--log-level", "warning", "--no-access-log"], env=env)
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def serve_medallion(objects: list[dict[str, Any]], folder: Path) -> Iterator[str]:
    """medallion 3.0.0 with one collection holding ``objects`` (memory backend, from a data file)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    collection = "bench"
    manifest = [{"id": o["id"], "date_added": o["modified"], "version": o["modified"],
                 "media_type": "application/stix+json;version=2.1"} for o in objects]
    data = {
        "/discovery": {"title": "medallion bench", "default": f"{base}/bench/", "api_roots": [f"{base}/bench/"]},
        "bench": {"information": {"title": "bench", "versions": ["application/taxii+json;version=2.1"],
                                  "max_content_length": 100_000_000},
                  "status": [],
                  "collections": [{"id": collection, "title": "bench", "can_read": True, "can_write": False,
                                   "media_types": ["application/stix+json;version=2.1"], "objects": objects,
                                   "manifest": manifest}]},
    }
    (folder / "medallion-data.json").write_text(json.dumps(data))
    config = {"backend": {"module": "medallion.backends.memory_backend", "module_class": "MemoryBackend",
                          "filename": str(folder / "medallion-data.json")},
              "users": {"bench": "bench-secret"}, "taxii": {"max_page_size": PAGE}}
    (folder / "medallion.json").write_text(json.dumps(config))
    process = subprocess.Popen([str(VENV_BIN / "medallion"), "--host", "127.0.0.1", "--port", str(port),
                                "--log-level", "ERROR", str(folder / "medallion.json")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, process)
        yield f"{base}/bench/collections/{collection}/"
    finally:
        process.terminate()
        process.wait(timeout=10)


def read_all(collection: Collection, limit: int | None = None, **filters: Any) -> tuple[list[dict[str, Any]], float]:
    """Every object (or the first ``limit``) read page by page; (objects, seconds)."""
    started = time.perf_counter()
    found: list[dict[str, Any]] = []
    for page in as_pages(collection.get_objects, per_request=PAGE, **filters):
        found.extend(page.get("objects", []))
        if limit is not None and len(found) >= limit:
            break
    return found[:limit] if limit else found, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=100_000, help="indicator objects the reader may see")
    parser.add_argument("--hidden", type=int, default=2_000, help="RED/AMBER+STRICT statements the reader may not see")
    parser.add_argument("--baseline", type=int, default=5_000, help="objects served side by side by medallion (0: skip)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aspjoc-bench-taxii-") as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'bench.db'}"
        started = time.perf_counter()
        email, token = load(url, args.size, args.hidden)
        print(f"stored {args.size:,} visible + {args.hidden:,} hidden statements in {time.perf_counter() - started:.1f} s")
        print(f"machine load (1 min average) {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        with serve_aspjoc(url, folder) as (base, pid):
            collection = Collection(f"{base}/taxii2/aspjoc/collections/{COMMUNITY_ID}/", user=email, password=token)
            server_cpu, client_cpu = cpu_seconds(pid), time.process_time()
            objects, seconds = read_all(collection)
            server_cpu, client_cpu = cpu_seconds(pid) - server_cpu, time.process_time() - client_cpu
            indicators = [o for o in objects if o["type"] == "indicator"]
            assert len(indicators) == args.size, f"expected {args.size} indicators, got {len(indicators)}"
            rate = len(objects) / seconds
            verdict = "within" if seconds < 5 and rate > 20_000 else "OVER"
            print(f"aspjoc: {len(objects):,} objects ({len(indicators):,} indicators) in {seconds:.2f} s "
                  f"= {rate:,.0f} objects/s, pages of {PAGE} ({verdict} the budget: < 5 s, > 20,000 objects/s)")
            print(f"  CPU time: server {server_cpu:.2f} s, taxii2-client {client_cpu:.2f} s "
                  f"(their sum is the wall time on an idle machine, less overlap)")
            if args.baseline:
                first, a_seconds = read_all(collection, args.baseline, type="indicator")
        if args.baseline:
            with serve_medallion(first, folder) as medallion_url:
                reference = Collection(medallion_url, user="bench", password="bench-secret")
                theirs, m_seconds = read_all(reference)
            assert [o["id"] for o in theirs] == [o["id"] for o in first], "medallion served other objects"
            a_rate, m_rate = len(first) / a_seconds, len(theirs) / m_seconds
            print(f"first {len(first):,} indicators, pages of {PAGE}: aspjoc {a_seconds:.2f} s = {a_rate:,.0f} objects/s; "
                  f"medallion 3.0.0 {m_seconds:.2f} s = {m_rate:,.0f} objects/s; aspjoc is {a_rate / m_rate:,.1f}x faster")


if __name__ == "__main__":
    main()
