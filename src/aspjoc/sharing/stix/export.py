"""STIX 2.1 bundles of any selection a principal may export, streamed for large selections.

The entry points for every STIX output of the platform:

* ``export_bundle(session, principal, selection, now, interop=False) -> dict``: a whole bundle in memory;
* ``stream_bundle(...) -> Iterator[str]``: the same bundle as text chunks, a thousand statements at a
  time, for exports of any size.

``selection`` is a ``StatementFilter`` (the filters of ``GET /api/v1/statements``), a sequence of
statement ids, or a ``Select`` of statement ids (a case's or an operation's statements). Whatever it
is, the access gate for ``Purpose.EXPORT`` is added, so RED and ``no_export`` statements of other
organisations never leave, and withdrawn statements are left out.

A bundle holds the indicators, the identities of their owners, the TLP marking definitions they
use (TLP 1.0 ones in interoperability mode, where one exists), the aspjoc system identity and the
statement extension definition.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Select
from sqlalchemy.orm import Session

from aspjoc.access import Principal, Purpose, gate
from aspjoc.intel.models import Statement
from aspjoc.intel.service import StatementFilter, visible_statements
from aspjoc.marking import TLP
from aspjoc.sharing.retrieval import record_retrieval
from aspjoc.sharing.stix.objects import (
    IndicatorBuilder,
    organisation_identity,
    statement_extension,
    system_identity,
    tlp_marking,
)
from aspjoc.sharing.stix.rows import RecipientCache, statement_rows

Selection = StatementFilter | Sequence[int] | Select[Any]
CHUNK = 1000


def selection_conditions(session: Session, principal: Principal, selection: Selection) -> list[ColumnElement[bool]]:
    """The WHERE conditions for ``selection`` as ``principal`` may export it."""
    conditions: list[ColumnElement[bool]] = [gate(principal, Statement, Purpose.EXPORT), Statement.withdrawn.is_(False)]
    if isinstance(selection, StatementFilter):
        found, _join = visible_statements(session, principal, selection)
        conditions += found  # type: ignore[arg-type]
    elif isinstance(selection, Select):
        conditions.append(Statement.id.in_(selection))
    else:
        conditions.append(Statement.id.in_(sorted(set(selection))))
    return conditions


def export_rows(session: Session, principal: Principal, selection: Selection, chunk: int = CHUNK) -> Iterator[list[Any]]:
    """The exportable rows of ``selection`` in chunks, walking statement ids upwards (keyset, no OFFSET)."""
    conditions = selection_conditions(session, principal, selection)
    last_id = 0
    while True:
        rows = list(session.execute(statement_rows().where(*conditions, Statement.id > last_id)
                                    .order_by(Statement.id).limit(chunk)))
        if not rows:
            return
        yield rows
        last_id = rows[-1].id


class _Support:
    """The identities and marking definitions referenced so far, emitted once at the end of the bundle."""

    def __init__(self, interop: bool) -> None:
        self.interop = interop
        self.owners: dict[str, tuple[str | None, str, datetime | str]] = {}
        self.levels: set[TLP] = set()

    def note(self, row: Any) -> None:
        self.owners.setdefault(row.owner_name, (row.owner_country, row.owner_kind, row.owner_created))
        self.levels.add(TLP(row.tlp))

    def objects(self) -> list[dict[str, Any]]:
        found = [system_identity(), statement_extension()]
        found += [organisation_identity(name, country, kind, created)
                  for name, (country, kind, created) in sorted(self.owners.items())]
        if not self.interop:
            # In interoperability mode the TLP 1.0 definitions are the predefined ones of STIX 2.1
            # (§7.2.1.4) and are referenced, not repeated: the interop profile demands created_by_ref
            # and modified on every object, which the predefined definitions lack.
            found += [tlp_marking(level) for level in sorted(self.levels)]
        return found


def stream_bundle(session: Session, principal: Principal, selection: Selection, now: datetime, interop: bool = False,
                  progress: Callable[[int], None] | None = None, channel: str = "export.stix") -> Iterator[str]:
    """The bundle as JSON text chunks; ``progress`` is called with the number of indicators in each chunk written.

    Retrievals are audited and notified per chunk in ``session``; the caller commits.
    """
    builder = IndicatorBuilder(RecipientCache(session), interop)
    support = _Support(interop)
    yield f'{{"type":"bundle","id":"bundle--{uuid.uuid4()}","objects":['
    first = True
    for rows in export_rows(session, principal, selection):
        builder.load(rows)
        parts = []
        for row in rows:
            support.note(row)
            parts.append(orjson.dumps(builder.build(row)).decode())
        yield ("" if first else ",") + ",".join(parts)
        first = False
        record_retrieval(session, principal, rows, now, channel)
        if progress is not None:
            progress(len(rows))
    tail = ",".join(json.dumps(obj, separators=(",", ":")) for obj in support.objects())
    yield ("" if first else ",") + tail + "]}"


def export_bundle(session: Session, principal: Principal, selection: Selection, now: datetime,
                  interop: bool = False) -> dict[str, Any]:
    """The whole bundle as a dict (for products and small selections; use ``stream_bundle`` for large ones)."""
    bundle: dict[str, Any] = json.loads("".join(stream_bundle(session, principal, selection, now, interop)))
    return bundle


def count_indicators(bundle: dict[str, Any]) -> int:
    return sum(1 for obj in bundle.get("objects", []) if obj.get("type") == "indicator")

