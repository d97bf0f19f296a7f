"""Refresh: materialise a subscription's list as entries, diffed against what it held, all in SQL.

A refresh runs the grouped selection once and compares it with the stored entries:

* entries no longer selected get ``removed_serial`` (they leave the list; the removed-since feed
  lists them);
* entries whose shown columns (the format's ``tracked``) changed, or which come back after a
  removal, get the new values, ``rev + 1`` and ``changed_serial``;
* entries whose other columns changed (the statement ids behind an RPZ entry) are updated quietly;
* new identifiers are inserted.

The list's serial grows only when one of the first, second or fourth happened, so an unchanged
list keeps its serial and its ETag. The first refresh inserts straight from the selection; later
ones stage the selection in a temporary table keyed by observable, so each comparison is a join
on that key. No row passes through Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column, ColumnElement, DateTime, Integer, MetaData, Select, String, Table, Text, and_, case, exists, func, insert,
    literal, or_, select, text, update,
)
from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.access import Principal, Purpose, marking_condition
from aspjoc.accounts.models import Organisation
from aspjoc.accounts.service import principal_for_org
from aspjoc.disruption import formats
from aspjoc.disruption.models import Entry, Subscription
from aspjoc.disruption.selection import SELECTED, Selection, grouped, statement_conditions
from aspjoc.intel.models import Notice, Observable, Statement
from aspjoc.marking import TLP, Handling, Marking

_STAGE = Table(
    "blocklist_stage", MetaData(),
    Column("observable_id", Integer, primary_key=True), Column("type", String(16)), Column("value", Text),
    Column("country", String(2)), Column("crime_mask", Integer), Column("statement_ids", Text),
    Column("first_seen", DateTime(timezone=True)), Column("last_seen", DateTime(timezone=True)), Column("score", Integer),
    prefixes=["TEMPORARY"],
)
RESTRICTED = (int(TLP.AMBER_STRICT), int(TLP.RED))
VALUE_COLUMNS = ("country", "crime_mask", "statement_ids", "first_seen", "last_seen", "score")


@dataclass(frozen=True)
class RefreshResult:
    serial: int
    added: int
    removed: int
    changed: int
    entries: int


def subscriber_principal(session: Session, subscription: Subscription) -> Principal:
    """The access-gate principal of the subscriber organisation as a whole."""
    org = session.get(Organisation, subscription.subscriber_org_id)
    assert org is not None  # a foreign key
    return principal_for_org(session, org)


def selection_query(session: Session, subscription: Subscription, now: datetime) -> Select[Any]:
    """The grouped selection of ``subscription`` as its subscriber may receive it (columns ``SELECTED``)."""
    spec = formats.get(subscription.format)
    return grouped(subscriber_principal(session, subscription), Selection.from_json(subscription.selection), spec.types,
                   now, spec.needs_score)


def _insert_new(session: Session, subscription_id: int, source: Select[Any], serial: int, now: datetime) -> int:
    columns = [*SELECTED, "subscription_id", "rev", "added_serial", "changed_serial", "added_at", "changed_at"]
    body = source.add_columns(literal(subscription_id), literal(1), literal(serial), literal(serial),
                              literal(now, Entry.added_at.type), literal(now, Entry.changed_at.type))
    # preserve_rowcount: SQLAlchemy keeps the count of an INSERT only when asked (psycopg gives -1 otherwise).
    result = session.execute(insert(Entry).from_select(columns, body).execution_options(preserve_rowcount=True))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _same_row(stage: Table) -> ColumnElement[bool]:
    return and_(stage.c.observable_id == Entry.observable_id, stage.c.value == Entry.value)


def _mark_removed(session: Session, subscription_id: int, stage: Table, serial: int, now: datetime) -> int:
    result = session.execute(
        update(Entry).where(Entry.subscription_id == subscription_id, Entry.removed_serial.is_(None),
                            ~exists().where(_same_row(stage)))
        .values(removed_serial=serial, changed_at=now).execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _differs(stage: Table, names: tuple[str, ...]) -> ColumnElement[bool]:
    return or_(*(getattr(Entry, n).is_distinct_from(stage.c[n]) for n in names)) if names else literal(False)


def _update_shown(session: Session, subscription_id: int, stage: Table, tracked: tuple[str, ...], serial: int,
                  now: datetime) -> int:
    """Entries back after a removal, or whose shown columns changed: new values, rev + 1; returns how many."""
    back = Entry.removed_serial.is_not(None)
    result = session.execute(
        update(Entry).where(Entry.subscription_id == subscription_id, _same_row(stage), or_(back, _differs(stage, tracked)))
        .values({**{n: stage.c[n] for n in VALUE_COLUMNS}, "rev": Entry.rev + 1, "changed_serial": serial,
                 "changed_at": now, "removed_serial": None,
                 "added_serial": case((back, literal(serial)), else_=Entry.added_serial),
                 "added_at": case((back, literal(now, Entry.added_at.type)), else_=Entry.added_at)})
        .execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _update_quietly(session: Session, subscription_id: int, stage: Table) -> None:
    session.execute(
        update(Entry).where(Entry.subscription_id == subscription_id, _same_row(stage), Entry.removed_serial.is_(None),
                            _differs(stage, VALUE_COLUMNS))
        .values({n: stage.c[n] for n in VALUE_COLUMNS}).execution_options(synchronize_session=False))


def _stage(session: Session, chosen: Select[Any]) -> Table:
    connection = session.connection()
    connection.execute(text("DROP TABLE IF EXISTS blocklist_stage"))
    _STAGE.create(connection)
    connection.execute(insert(_STAGE).from_select(list(SELECTED), chosen))
    return _STAGE


def _unstage(session: Session) -> None:
    session.connection().execute(text("DROP TABLE IF EXISTS blocklist_stage"))


def _diff(session: Session, subscription: Subscription, chosen: Select[Any], serial: int, now: datetime) -> tuple[int, int, int]:
    """(added, removed, changed) after merging ``chosen`` into the stored entries."""
    has_entries = session.scalar(select(exists().where(Entry.subscription_id == subscription.id)))
    if not has_entries:
        return _insert_new(session, subscription.id, chosen, serial, now), 0, 0
    tracked = formats.get(subscription.format).tracked
    stage = _stage(session, chosen)
    try:
        removed = _mark_removed(session, subscription.id, stage, serial, now)
        changed = _update_shown(session, subscription.id, stage, tracked, serial, now)
        _update_quietly(session, subscription.id, stage)
        fresh = select(*(stage.c[n] for n in SELECTED)).where(~exists().where(
            Entry.subscription_id == subscription.id, _same_row(stage)))
        added = _insert_new(session, subscription.id, fresh, serial, now)
    finally:
        _unstage(session)
    return added, removed, changed


def current_count(session: Session, subscription_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Entry).where(
        Entry.subscription_id == subscription_id, Entry.removed_serial.is_(None))) or 0


def _delivered_to_others(session: Session, subscription: Subscription, principal: Principal, serial: int,
                         now: datetime) -> list[tuple[int, bool, bool, int]]:
    """(owner, restricted, owner asked to be told, count) of others' statements behind entries that entered or
    changed at ``serial``, for restricted (AMBER+STRICT, RED) or notify-owner markings only."""
    watched = select(Marking.id).where(Marking.owner_org_id != principal.org_id, or_(
        Marking.tlp.in_(RESTRICTED), Marking.handling.op("&")(int(Handling.NOTIFY_OWNER)) != 0))
    if not session.scalar(select(exists().where(Marking.id.in_(watched), marking_condition(principal, Purpose.EXPORT)))):
        return []  # the usual case: nothing restricted or watched can reach this subscriber at all
    spec = formats.get(subscription.format)
    restricted = Marking.tlp.in_(RESTRICTED)
    notify = Marking.handling.op("&")(int(Handling.NOTIFY_OWNER)) != 0
    # Driven by the few watched markings, each statement then checked against the entries by index.
    entered = and_(Entry.subscription_id == subscription.id, Entry.observable_id == Statement.observable_id,
                   Entry.value == Observable.value, Entry.changed_serial == serial, Entry.removed_serial.is_(None))
    rows = session.execute(
        select(Statement.owner_org_id, restricted, notify, func.count())
        .join(Observable, Observable.id == Statement.observable_id).join(Marking, Marking.id == Statement.marking_id)
        .join(Entry, entered)
        .where(Statement.marking_id.in_(watched),
               *statement_conditions(principal, Selection.from_json(subscription.selection), spec.types, now))
        .group_by(Statement.owner_org_id, restricted, notify))
    return [(int(owner), bool(r), bool(n), int(count)) for owner, r, n, count in rows]


def _account_for_delivery(session: Session, subscription: Subscription, principal: Principal, serial: int,
                          now: datetime) -> None:
    """Audit restricted statements of others that reached the list, and notify owners whose handling asks for it."""
    told: dict[int, int] = {}
    for owner, restricted, notify, count in _delivered_to_others(session, subscription, principal, serial, now):
        if restricted:
            audit.record(session, principal, "blocklist.restricted", now, "blocklist_subscription", subscription.id,
                         {"owner": owner, "statements": count, "serial": serial})
        if notify:
            told[owner] = told.get(owner, 0) + count
    for owner, count in sorted(told.items()):
        session.add(Notice(org_id=owner, kind="retrieval", actor_org_id=principal.org_id, created_at=now,
                           message=f"{count} of your statements went onto the block list '{subscription.name}' "
                                   f"({subscription.format}) delivered to {principal.org_name}."))


def refresh(session: Session, subscription: Subscription, now: datetime, actor: Principal | None = None) -> RefreshResult:
    """Bring ``subscription``'s entries up to date as of ``now`` (audited); the serial grows only on a change.

    Others' restricted statements that reach the list are audited, and owners whose marking asks to
    be told get a notice, once per refresh that adds or changes their entries.
    """
    serial = subscription.serial + 1
    added, removed, changed = _diff(session, subscription, selection_query(session, subscription, now), serial, now)
    if added or changed:
        _account_for_delivery(session, subscription, subscriber_principal(session, subscription), serial, now)
    if added or removed or changed:
        subscription.serial = serial
    subscription.entry_count = current_count(session, subscription.id)
    subscription.refreshed_at = now
    result = RefreshResult(subscription.serial, added, removed, changed, subscription.entry_count)
    audit.record(session, actor, "blocklist.refresh", now, "blocklist_subscription", subscription.id,
                 {"serial": result.serial, "added": added, "removed": removed, "changed": changed,
                  "entries": result.entries})
    return result
