"""Helpers for the ingest tests: run a format over bytes, count what the store holds."""

from __future__ import annotations

import io
from typing import Any

from sqlalchemy import func, select

from aspjoc.db import Database
from aspjoc.intel.formats import FORMATS, FormatOptions
from aspjoc.intel.ingest.pipeline import IngestOptions, IngestReport, ingest
from aspjoc.intel.ingest.records import Record, Rejected
from aspjoc.intel.models import Observable, Statement
from aspjoc.marking import TLP
from support import T0


def read(format: str, data: bytes, **options: Any) -> list[Record | Rejected]:
    """Everything the format's reader yields for ``data``."""
    return list(FORMATS[format].read(io.BytesIO(data), FormatOptions(**options)))


def records(items: list[Record | Rejected]) -> list[Record]:
    return [i for i in items if isinstance(i, Record)]


def rejected(items: list[Record | Rejected]) -> list[Rejected]:
    return [i for i in items if isinstance(i, Rejected)]


def run(db: Database, org_id: int, format: str, data: bytes, tlp: TLP = TLP.AMBER, source: str = "test-feed",
        **options: Any) -> IngestReport:
    """Ingest ``data`` read as ``format`` for ``org_id``."""
    items = FORMATS[format].read(io.BytesIO(data), FormatOptions())
    return ingest(db, items, IngestOptions(org_id=org_id, tlp=tlp, source=source, format=format, **options), T0)


def counts(db: Database) -> tuple[int, int, int]:
    """(observables, statements, total sightings) in the store."""
    with db.reader() as s:
        observables = s.scalar(select(func.count()).select_from(Observable)) or 0
        statements = s.scalar(select(func.count()).select_from(Statement)) or 0
        sightings = s.scalar(select(func.coalesce(func.sum(Statement.sightings), 0))) or 0
    return observables, statements, sightings


def mixed_lines(count: int, seed: int = 3) -> bytes:
    """``count`` lines of assorted identifiers (IPs, domains, URLs, e-mail, hashes), every 50th malformed."""
    import random

    rng = random.Random(seed)
    out = ["# generated"]
    for i in range(count):
        if i % 50 == 49:
            out.append(f"not an identifier {i}")
            continue
        pick = i % 5
        if pick == 0:
            out.append(f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}")
        elif pick == 1:
            out.append(f"host{i}.evil-{rng.randrange(10**6)}.example")
        elif pick == 2:
            out.append(f"http://drop{i}.example/p/{rng.randrange(10**6)}")
        elif pick == 3:
            out.append(f"mule{i}@mail.example")
        else:
            out.append("%064x" % rng.getrandbits(256))
    return ("\n".join(out) + "\n").encode()
