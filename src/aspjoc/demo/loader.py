"""Store the demo region: accounts first, then observables and statements in bulk."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar, cast

from rich.console import Console
from rich.progress import Progress
from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.accounts.models import Organisation
from aspjoc.demo import operation
from aspjoc.demo import operation_requests as requests
from aspjoc.demo.dataset import Planned, Planner
from aspjoc.demo.region import HUB_NAME, Region, build_region, count_demo_accounts, demo_org_names, demo_sign_ins
from aspjoc.demo.showcase import plan_showcase
from aspjoc.intel.correlation.service import correlate
from aspjoc.intel.models import Observable, Statement
from aspjoc.marking import MarkingSpec, marking_id_for
from aspjoc.observables import Canonical
from aspjoc.operations.evidence.store import EvidenceStore

DEMO_PASSWORD = "demo-password-2026"
BATCH = 500
T = TypeVar("T")
# Core tables: executemany without the ORM's per-row work (its bulk insert with RETURNING goes row by row on SQLite).
OBSERVABLE_TABLE = cast(Table, Observable.__table__)
STATEMENT_TABLE = cast(Table, Statement.__table__)


@dataclass(frozen=True)
class DemoResult:
    organisations: int
    users: int
    statements: int
    created: bool
    sign_ins: list[tuple[str, str]]


def load_demo(session: Session, now: datetime, seed: int = 7, progress: bool = False,
              data_dir: Path | None = None) -> DemoResult:
    """Load the demo region and its operation into ``session`` (not committed); return what the database holds.

    Idempotent: when the hub organisation exists, nothing changes and ``created`` is False.
    The same seed and ``now`` give the same data. With ``data_dir`` (the platform's data folder) the
    operation's first takedown notice carries an evidence file kept in that folder's evidence store.
    """
    if session.scalar(select(Organisation.id).where(Organisation.name == HUB_NAME)) is not None:
        return _result(session, created=False)
    region = build_region(session, now, DEMO_PASSWORD)
    planner = Planner(random.Random(seed), region, now)
    plan_showcase(planner)
    planner.plan_random()
    observable_ids = _store_observables(session, list(planner.observables.values()), now)
    _store_statements(session, region, planner.statements, observable_ids, progress)
    _correlate_overlaps(session, now)
    _refresh_statistics(session)
    _operation(session, region, now, data_dir)
    result = _result(session, created=True)
    audit.record(session, None, "demo.load", now, detail={
        "seed": seed, "organisations": result.organisations, "users": result.users,
        "observables": len(planner.observables), "statements": result.statements})
    return result


def _refresh_statistics(session: Session) -> None:
    """On PostgreSQL, ANALYZE the bulk-loaded tables before the operation queries them.

    Left with the statistics of an emptier database, the planner can pick nested loops that take minutes
    over the gated queries of the operation's packages; ANALYZE in the loading transaction sees its rows.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in ("observables", "statements", "markings", "marking_recipients", "organisations", "notices"):
        session.execute(text(f"ANALYZE {table}"))


def _operation(session: Session, region: Region, now: datetime, data_dir: Path | None) -> None:
    """The demo operation, from opening to results (``demo.operation`` and ``demo.operation_requests``)."""
    wave = operation.open_operation(session, region, now)
    operation.add_targets(session, region, wave, now)
    operation.link_the_crew(session, wave)
    operation.task_the_units(session, wave, now)
    operation.generate_packages(session, wave)
    # Without a data folder the demo attaches no evidence file, so this store is never opened.
    store = EvidenceStore.for_data_dir(data_dir if data_dir is not None else Path())
    requests.request_takedowns(session, wave, store, data_dir is not None, now)
    requests.request_freezes(session, wave, now)
    requests.record_actions(session, wave)
    requests.settle_targets(session, wave, now)


def _correlate_overlaps(session: Session, now: datetime) -> None:
    """Match notices for identifiers held by two or more organisations, as ingest would have sent them."""
    shared = (select(Statement.observable_id).group_by(Statement.observable_id)
              .having(func.count(func.distinct(Statement.owner_org_id)) > 1))
    ids = list(session.scalars(select(Statement.id).where(Statement.observable_id.in_(shared))))
    correlate(session, ids, now)


def _result(session: Session, created: bool) -> DemoResult:
    orgs, users = count_demo_accounts(session)
    statements = session.scalar(
        select(func.count()).select_from(Statement).join(Organisation, Organisation.id == Statement.owner_org_id)
        .where(Organisation.name.in_(demo_org_names()))) or 0
    return DemoResult(orgs, users, statements, created, demo_sign_ins(session))


def _batches(items: Sequence[T], size: int = BATCH) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _store_observables(session: Session, canonicals: list[Canonical], now: datetime) -> dict[tuple[str, str], int]:
    """Ids of every observable in ``canonicals``, inserting those the database does not hold yet."""
    found: dict[tuple[str, str], int] = {}
    for batch in _batches(canonicals):
        rows = session.execute(select(Observable.id, Observable.type, Observable.value)
                               .where(Observable.value.in_([c.value for c in batch])))
        found.update({(type_, value): id_ for id_, type_, value in rows})
    missing = [c for c in canonicals if (c.type.value, c.value) not in found]
    session.execute(insert(OBSERVABLE_TABLE), [
        {"type": c.type.value, "value": c.value, "country": c.country, "domain": c.domain,
         "num_lo": c.num_lo, "num_hi": c.num_hi, "created_at": now} for c in missing])
    for batch in _batches(missing):
        rows = session.execute(select(Observable.id, Observable.type, Observable.value)
                               .where(Observable.value.in_([c.value for c in batch])))
        found.update({(type_, value): id_ for id_, type_, value in rows})
    return found


def _store_statements(session: Session, region: Region, planned: list[Planned],
                      observable_ids: dict[tuple[str, str], int], progress: bool) -> None:
    markings: dict[MarkingSpec, int] = {}
    authors = {key: (user.id if (user := region.user_of(key)) else None) for key in region.orgs}
    rows: list[dict[str, Any]] = []
    for p in planned:
        if p.spec not in markings:
            markings[p.spec] = marking_id_for(session, p.spec)
        rows.append({
            "observable_id": observable_ids[p.observable], "owner_org_id": region.org_id(p.owner),
            "author_user_id": authors[p.owner], "marking_id": markings[p.spec], "kind": p.kind,
            "crime_type": p.crime, "source": p.source, "description": p.description, "withdrawn": False,
            **p.fields,
        })
    with _progress_bar(progress, len(rows)) as advance:
        for batch in _batches(rows):
            session.execute(insert(STATEMENT_TABLE), list(batch))
            advance(len(batch))


@contextmanager
def _progress_bar(enabled: bool, total: int) -> Iterator[Any]:
    """Yield a function that advances a Rich progress bar on stderr, or does nothing when disabled."""
    if not enabled:
        yield lambda n: None
        return
    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("Demo statements", total=total)
        yield lambda n: bar.advance(task, n)
