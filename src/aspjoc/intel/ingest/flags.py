"""Known-good flags on observables, for block lists and the console.

Flags are set at ingest from the MISP warning lists (``warninglists``). They describe the public
identifier itself, not anyone's statement about it, so they carry no marking; callers ask only
about observables they already reached through the access gate.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from aspjoc.intel.ingest import warninglists
from aspjoc.intel.ingest.models import ObservableFlag
from aspjoc.intel.models import Observable

CHUNK = 5000


def flags_for(session: Session, observable_ids: Iterable[int]) -> dict[int, list[str]]:
    """The warning-list names flagging each of ``observable_ids``; ids without flags are left out."""
    ids = sorted(set(observable_ids))
    out: dict[int, list[str]] = {}
    for start in range(0, len(ids), CHUNK):
        rows = session.execute(select(ObservableFlag.observable_id, ObservableFlag.list_name)
                               .where(ObservableFlag.observable_id.in_(ids[start:start + CHUNK]))
                               .order_by(ObservableFlag.observable_id, ObservableFlag.list_name))
        for observable_id, name in rows:
            out.setdefault(observable_id, []).append(name)
    return out


def is_flagged(session: Session, observable_id: int) -> bool:
    """Whether any known-good list holds the observable."""
    return bool(session.scalar(select(exists().where(ObservableFlag.observable_id == observable_id))))


def not_flagged(column: object = Observable.id) -> object:
    """A condition keeping rows whose observable (``column``, an observable id) is on no known-good list; for block lists."""
    return ~exists().where(ObservableFlag.observable_id == column)  # type: ignore[operator]


def flag_observable(session: Session, observable: Observable) -> list[str]:
    """Look ``observable`` up in the warning lists now and store its flags (for observables made outside ingest)."""
    names = warninglists.lists_for(observable.type, observable.value)
    have = set(flags_for(session, [observable.id]).get(observable.id, []))
    for name in names:
        if name not in have:
            session.add(ObservableFlag(observable_id=observable.id, list_name=name))
    session.flush()
    return list(names)
