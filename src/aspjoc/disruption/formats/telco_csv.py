"""CSV for telcos: E.164 phone numbers used in scams.

Columns: number, country, crime_types, score, first_seen, last_seen, reference (as in
``bank_csv``). Numbers keep their leading ``+``.
"""

from __future__ import annotations

from collections.abc import Iterator

from aspjoc.disruption.formats.bank_csv import TRACKED, reference_prefix, write_rows
from aspjoc.disruption.formats.base import FeedContext, Format, Rows, stamp
from aspjoc.disruption.selection import crime_text

COLUMNS = ["number", "country", "crime_types", "score", "first_seen", "last_seen", "reference"]


def _rows(ctx: FeedContext, rows: Rows) -> Iterator[list[object]]:
    prefix = reference_prefix(ctx)
    for ref, number, country, crime_mask, score, first_seen, last_seen in rows:
        yield [number, country or "", crime_text(crime_mask), score, stamp(first_seen), stamp(last_seen),
               f"{prefix}{ref}"]


def render(ctx: FeedContext, rows: Rows) -> Iterator[str]:
    return write_rows(COLUMNS, _rows(ctx, rows))


FORMAT = Format(
    name="telco_csv",
    ext="csv",
    media_type="text/csv; charset=utf-8",
    label="CSV for telcos (phone numbers)",
    types=frozenset({"phone"}),
    tracked=TRACKED,
    render=render,
    columns=("id", "value", "country", "crime_mask", "score", "first_seen", "last_seen"),
    needs_score=True,
)
