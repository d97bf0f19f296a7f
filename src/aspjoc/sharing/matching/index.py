"""The matching index, kept in step with statements: (key version, HMAC of the value, holder organisation).

``refresh`` is incremental and runs before every query, so answers follow the statements: it
looks at statements inserted since the last refresh (id above the key's ``indexed_max_id``) or
changed after its ``indexed_until`` (withdrawn, restored), and for each (observable, owner) touched
makes the index say whether the owner still holds a current statement on it. When nothing was
added or changed, two index look-ups decide that and nothing is scanned.

``refresh(full=True)`` reconciles everything: it also drops the entries of statements deleted (by
retention) or changed by a transaction that committed late with an earlier clock, which the
incremental pass cannot see. A key rotation runs it; schedule ``aspjoc match reindex --full``
(daily is plenty) so such drift is bounded. On SQLite one writer at a time commits, so new rows
always come in id order and the incremental pass never misses an insert.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import ColumnElement, and_, delete, exists, func, insert, or_, select
from sqlalchemy.orm import Session

from aspjoc.intel.models import Observable, Statement
from aspjoc.observables import ObservableType
from aspjoc.sharing.matching.keys import digest
from aspjoc.sharing.matching.models import MatchingEntry, MatchingKey

T = ObservableType
# Phone numbers, bank accounts (e-wallets are accounts at the wallet provider, or phone numbers),
# IBANs, crypto wallets, e-mail addresses and IP addresses: the small, enumerable spaces.
MATCHABLE = (T.phone, T.bank_account, T.iban, T.crypto_wallet, T.email, T.ipv4, T.ipv6)
MATCHABLE_TYPES = tuple(t.value for t in MATCHABLE)
CHUNK = 500


def _changes(key: MatchingKey) -> list[ColumnElement[bool] | None]:
    """What the incremental pass scans: everything the first time, then new ids and later changes.

    Two conditions scanned one after the other, each on its own index (an OR of them scans the table);
    a pair in both is applied twice, which changes nothing.
    """
    if key.indexed_until is None:
        return [None]
    return [Statement.id > key.indexed_max_id, Statement.updated_at > key.indexed_until]


def _touched(session: Session, changed: ColumnElement[bool] | None) -> Iterator[list[tuple[int, int]]]:
    """(observable id, owner org id) pairs of matchable statements matching ``changed`` (all when None), in chunks."""
    query = (select(Statement.observable_id, Statement.owner_org_id).join(Observable, Observable.id == Statement.observable_id)
             .where(Observable.type.in_(MATCHABLE_TYPES)).distinct().order_by(Statement.observable_id, Statement.owner_org_id))
    if changed is not None:
        query = query.where(changed)
    chunk: list[tuple[int, int]] = []
    for row in session.execute(query).tuples():
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _apply(session: Session, key: MatchingKey, chunk: list[tuple[int, int]]) -> None:
    """Make the index agree with the statements for the (observable, owner) pairs of ``chunk``."""
    observable_ids = {o for o, _ in chunk}
    touched = set(chunk)
    # By observable id (indexed), then narrowed to the chunk's pairs here: a row-value IN would scan.
    live = touched & set(session.execute(select(Statement.observable_id, Statement.owner_org_id).where(
        Statement.observable_id.in_(observable_ids), Statement.withdrawn.is_(False)).distinct()).tuples())
    present = set(session.execute(select(MatchingEntry.observable_id, MatchingEntry.org_id).where(
        MatchingEntry.key_version == key.version, MatchingEntry.observable_id.in_(observable_ids))).tuples())
    gone = (touched - live) & present
    if gone:
        session.execute(delete(MatchingEntry).where(MatchingEntry.key_version == key.version, or_(
            *(and_(MatchingEntry.observable_id == o, MatchingEntry.org_id == org) for o, org in gone))))
    new = live - present
    if new:
        typed = {row[0]: (row[1], row[2]) for row in session.execute(
            select(Observable.id, Observable.type, Observable.value).where(Observable.id.in_({o for o, _ in new}))).tuples()}
        session.connection().execute(insert(MatchingEntry), [
            {"key_version": key.version, "observable_id": o, "org_id": org, "digest": digest(key.secret, *typed[o])}
            for o, org in new])


def _drop_orphans(session: Session, key: MatchingKey) -> None:
    """Delete entries whose owner no longer holds a current statement on the observable (withdrawn or deleted)."""
    held = exists().where(Statement.observable_id == MatchingEntry.observable_id, Statement.owner_org_id == MatchingEntry.org_id,
                          Statement.withdrawn.is_(False))
    session.execute(delete(MatchingEntry).where(MatchingEntry.key_version == key.version, ~held))


def refresh(session: Session, key: MatchingKey, full: bool = False) -> int:
    """Bring the index under ``key`` up to date with statements; returns the (observable, owner) pairs looked at."""
    # Two queries, not one: SQLite answers a lone max() from an index, but scans the table for two.
    newest = session.scalar(select(func.max(Statement.updated_at)))
    top_id = session.scalar(select(func.max(Statement.id)))
    unchanged = key.indexed_until is not None and newest == key.indexed_until and (top_id or 0) == key.indexed_max_id
    if unchanged and not full:
        return 0
    seen = 0
    for changed in [None] if full else _changes(key):
        for chunk in _touched(session, changed):
            _apply(session, key, chunk)
            seen += len(chunk)
    if full:
        _drop_orphans(session, key)
    if newest is not None:
        key.indexed_until = max(newest, key.indexed_until) if key.indexed_until else newest
    key.indexed_max_id = max(top_id or 0, key.indexed_max_id)
    session.flush()
    return seen
