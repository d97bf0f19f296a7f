"""Synchronisation with remote TAXII 2.1 collections: hub–node federation, and plain STIX feeds.

A ``SyncRemote`` names a remote collection, the credentials of this instance's account there,
and the local organisation the sync acts for. One run (``run_remote``) first pushes, then pulls:

* **push** sends the organisation's own statements that may leave — never RED, never
  ``no_export``, never a statement that came from elsewhere — in batches of ``page_size``,
  oldest change first, as indicators with aspjoc's statement extension (owner and full
  marking). The push cursor (updated_at, id) moves only after the remote's status says the
  batch is stored, so a broken link re-sends the batch and the remote, which keys statements
  by uuid and version, stores nothing twice;
* **pull** reads pages with ``added_after`` and ``next``. Each page is stored together with
  the new cursor in one transaction, so a run cut mid-way resumes after the last stored page.
  Statements of other instances keep their owner and marking (``sharing.receive``); plain STIX
  objects go through the ingest pipeline as the organisation's (``sharing.intake``).
  With another aspjoc instance, a new paging chain starts ``RESUME_OVERLAP`` before the last date
  added seen: aspjoc's date added is a statement's updated_at, and an ingest run commits batch
  after batch under one time, so rows can become visible after others with a later date added.
  Re-reading a few minutes of statements is harmless, as receiving them is idempotent. Other
  servers (medallion, vendors) are read strictly after the cursor, because a re-read plain
  object would count as a new sighting.

A failed run leaves its error on the remote (``last_error``), shown by ``aspjoc sync`` and the
sharing page; the next scheduled run retries. ``run_due_syncs(db, now)`` is the worker's entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, select, tuple_
from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.access import Principal, Purpose, gate
from aspjoc.accounts.models import Organisation
from aspjoc.accounts.service import principal_for_org
from aspjoc.db import Database
from aspjoc.intel.models import Statement
from aspjoc.marking import TLP, Handling, Marking
from aspjoc.sharing.intake import ingest_plain
from aspjoc.sharing.models import Direction, StatementOrigin, SyncRemote
from aspjoc.sharing.receive import Inbound, carries_statement, receive_statements
from aspjoc.sharing.retrieval import record_retrieval
from aspjoc.sharing.stix.objects import IndicatorBuilder
from aspjoc.sharing.stix.rows import RecipientCache, statement_rows
from aspjoc.sharing.stix.vocab import stamp
from aspjoc.sharing.taxii.client import (
    RemotePage,
    RemoteRefused,
    RemoteUnavailable,
    TaxiiClient,
)
from aspjoc.sharing.taxii.paging import parse_timestamp

RESUME_OVERLAP = timedelta(minutes=5)
Progress = Callable[[str, int], None]


@dataclass
class SyncResult:
    """What one run did: statements pushed and pulled, objects refused by either side, and the error that stopped it."""

    remote: str
    pushed: int = 0
    pulled: int = 0
    refused: int = 0
    error: str = ""

    @property
    def complete(self) -> bool:
        return not self.error


def client_for(remote: SyncRemote) -> TaxiiClient:
    return TaxiiClient(remote.api_root_url, remote.auth, remote.username, remote.secret)


def _acting(session: Session, remote: SyncRemote) -> Principal:
    org = session.get(Organisation, remote.org_id)
    assert org is not None
    return principal_for_org(session, org)


def pushable(principal: Principal, org_id: int) -> list[Any]:
    """Conditions for the statements a sync may send for ``org_id``: its own, made here, and allowed to leave."""
    came_from_elsewhere = exists().where(StatementOrigin.statement_id == Statement.id)
    return [gate(principal, Statement, Purpose.EXPORT), Statement.owner_org_id == org_id, Marking.tlp != int(TLP.RED),
            Marking.handling.op("&")(int(Handling.NO_EXPORT)) == 0, ~came_from_elsewhere]


def _push_batch(db: Database, remote_id: int, now: datetime) -> tuple[SyncRemote, list[Any], list[dict[str, Any]]]:
    with db.unit_of_work() as session:
        remote = session.get(SyncRemote, remote_id)
        assert remote is not None
        principal = _acting(session, remote)
        query = statement_rows().where(*pushable(principal, remote.org_id))
        if remote.push_updated_at is not None:
            query = query.where(tuple_(Statement.updated_at, Statement.id) > tuple_(remote.push_updated_at,
                                                                                  remote.push_statement_id))
        rows = list(session.execute(query.order_by(Statement.updated_at, Statement.id).limit(remote.page_size)))
        builder = IndicatorBuilder(RecipientCache(session))
        builder.load(rows)
        return remote, rows, [builder.build(r) for r in rows]


def push(db: Database, remote_id: int, now: datetime, result: SyncResult, progress: Progress | None = None) -> None:
    """Send every pushable statement changed since the push cursor, batch by batch."""
    while True:
        remote, rows, objects = _push_batch(db, remote_id, now)
        if not rows:
            return
        with client_for(remote) as client:
            status = client.add_objects(remote.collection_id, objects)
        refused = [f"{f.get('id')}: {f.get('message', '')}" for f in status.get("failures", [])]
        with db.unit_of_work() as session:
            stored = session.get(SyncRemote, remote_id)
            assert stored is not None
            stored.push_updated_at = parse_timestamp(stamp(rows[-1].updated_at), "updated_at")
            stored.push_statement_id = rows[-1].id
            stored.pushed_total += len(rows) - len(refused)
            record_retrieval(session, _acting(session, stored), rows, now, "sync")
            if refused:
                stored.last_error = f"the remote refused {len(refused)} statements: " + "; ".join(refused[:5])
        result.pushed += len(rows) - len(refused)
        result.refused += len(refused)
        if progress is not None:
            progress("push", len(rows))


def _later(a: str | None, b: str | None) -> str | None:
    """The later of two TAXII timestamps, as the remote wrote it."""
    if a is None or b is None:
        return a or b
    return a if parse_timestamp(a, "added") >= parse_timestamp(b, "added") else b


def _fetch(client: TaxiiClient, remote: SyncRemote) -> tuple[RemotePage, str | None]:
    """The next page, continuing the stored ``next`` chain when the remote still honours it; with the chain's added_after."""
    if remote.pull_next:
        try:
            return client.get_objects(remote.collection_id, remote.pull_chain_after, remote.pull_next,
                                      remote.page_size), remote.pull_chain_after
        except RemoteRefused as exc:
            if exc.status not in (400, 404):
                raise
            # The remote forgot the token (medallion keeps them 30 s): restart from the date added.
    after = remote.pull_added_after
    if after is not None and remote.aspjoc_peer:
        after = stamp(parse_timestamp(after, "pull_added_after") - RESUME_OVERLAP)
    return client.get_objects(remote.collection_id, after, None, remote.page_size), after


def _store_page(db: Database, remote_id: int, page: RemotePage, chain_after: str | None, now: datetime,
                default_region: str | None) -> tuple[int, int]:
    """Store one pulled page and move the cursor; (statements stored or updated, objects refused)."""
    with db.reader() as session:
        remote = session.get(SyncRemote, remote_id)
        assert remote is not None
        inbound = Inbound("pull", _acting(session, remote), remote.org_id, remote_id=remote.id,
                          source=f"taxii:{remote.name}", default_region=default_region)
    plain = [o for o in page.objects if not carries_statement(o)]
    outcomes = ingest_plain(db, plain, inbound, now) if plain else []
    with db.unit_of_work() as session:
        outcomes += receive_statements(session, [o for o in page.objects if carries_statement(o)], inbound, now)
        stored = session.get(SyncRemote, remote_id)
        assert stored is not None
        stored.pull_next = page.next if page.more else None
        stored.pull_chain_after = chain_after if page.more else None
        stored.pull_added_after = _later(stored.pull_added_after, page.added_last)
        stored.aspjoc_peer = stored.aspjoc_peer or len(plain) < len(page.objects)
        changed = sum(1 for o in outcomes if o.changed)
        stored.pulled_total += changed
        refused = [f"{o.id}: {o.message}" for o in outcomes if not o.ok]
        if refused:
            stored.last_error = f"{len(refused)} objects could not be stored: " + "; ".join(refused[:5])
    return changed, len(refused)


def pull(db: Database, remote_id: int, now: datetime, result: SyncResult, progress: Progress | None = None,
         default_region: str | None = None) -> None:
    """Read every page added since the pull cursor; each page is committed with the cursor that follows it."""
    while True:
        with db.reader() as session:
            remote = session.get(SyncRemote, remote_id)
            assert remote is not None
        with client_for(remote) as client:
            page, chain_after = _fetch(client, remote)
        changed, refused = _store_page(db, remote_id, page, chain_after, now, default_region)
        result.pulled += changed
        result.refused += refused
        if progress is not None:
            progress("pull", len(page.objects))
        if not page.more:
            return


def run_remote(db: Database, remote_id: int, now: datetime, progress: Progress | None = None,
               default_region: str | None = None) -> SyncResult:
    """Push then pull one remote (as its direction allows); record the outcome on it and in the audit log."""
    with db.unit_of_work() as session:
        remote = session.get(SyncRemote, remote_id)
        assert remote is not None
        result = SyncResult(remote.name)
        direction, interval = remote.direction, remote.interval_minutes
        remote.last_run_at, remote.last_error = now, ""
    try:
        if direction in (Direction.PUSH.value, Direction.BOTH.value):
            push(db, remote_id, now, result, progress)
        if direction in (Direction.PULL.value, Direction.BOTH.value):
            pull(db, remote_id, now, result, progress, default_region)
    except (RemoteUnavailable, RemoteRefused) as exc:
        result.error = str(exc)
    with db.unit_of_work() as session:
        stored = session.get(SyncRemote, remote_id)
        assert stored is not None
        stored.next_run_at = now + timedelta(minutes=interval)
        if result.error:
            stored.last_error = result.error
        elif result.refused == 0:
            stored.last_error = ""
        if not result.error:
            stored.last_success_at = now
        audit.record(session, None, "sync.run", now, "sync_remote", remote_id,
                     {"remote": stored.name, "pushed": result.pushed, "pulled": result.pulled,
                      "refused": result.refused, "error": result.error})
    return result


def run_due_syncs(db: Database, now: datetime, default_region: str | None = None) -> list[SyncResult]:
    """Run every enabled remote whose next run is due (or that never ran); the worker calls this on a schedule."""
    with db.reader() as session:
        due = list(session.scalars(select(SyncRemote.id).where(
            SyncRemote.enabled.is_(True),
            (SyncRemote.next_run_at.is_(None)) | (SyncRemote.next_run_at <= now)).order_by(SyncRemote.name)))
    return [run_remote(db, remote_id, now, default_region=default_region) for remote_id in due]
