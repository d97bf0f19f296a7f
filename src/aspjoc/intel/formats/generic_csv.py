"""Any CSV with a header row, read through a column mapping (``--map value=col,type=col,crime_type=col,…``).

Without a mapping, columns named like the fields are used (at least ``value``). Lines starting with
``#`` are comments. ``type`` may be left out: each value's type is then detected.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import BinaryIO

from aspjoc.errors import InvalidInput
from aspjoc.intel.ingest.records import Record, Rejected

from .base import FormatOptions, Item, csv_rows, parse_time, split_tags, text_lines, uncommented

FIELDS = ("value", "type", "kind", "crime_type", "confidence", "first_seen", "last_seen", "description", "tags")


def parse_map(text: str) -> dict[str, str]:
    """``value=col,type=col`` as a dict; InvalidInput (field ``map``) for an unknown field or a bad pair."""
    mapping: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in text.split(","))):
        name, equals, column = pair.partition("=")
        if not equals or not column.strip():
            raise InvalidInput("map", f"'{pair}' is not field=column")
        if name.strip() not in FIELDS:
            raise InvalidInput("map", f"'{name.strip()}' is not a field; use {', '.join(FIELDS)}")
        mapping[name.strip()] = column.strip()
    return mapping


def _columns(header: list[str], mapping: Mapping[str, str]) -> dict[str, int]:
    names = [h.strip() for h in header]
    wanted = dict(mapping) or {f: f for f in FIELDS if f in names}
    if "value" not in wanted:
        raise InvalidInput("map", "say which column holds the identifier: --map value=COLUMN")
    missing = [c for c in wanted.values() if c not in names]
    if missing:
        raise InvalidInput("map", f"the header has no column {', '.join(missing)}; it has {', '.join(names)}")
    return {field: names.index(column) for field, column in wanted.items()}


def read(source: BinaryIO, options: FormatOptions) -> Iterator[Item]:
    """A Record per data row; a short row, a bad number or date is Rejected naming its column."""
    rows = csv_rows(uncommented(text_lines(source)))
    columns: dict[str, int] | None = None
    for number, fields, raw in rows:
        if columns is None:
            if fields is None:
                raise InvalidInput("header", f"line {number}: the header row is not valid CSV")
            columns = _columns(fields, options.column_map)
            continue
        if fields is None or len(fields) <= max(columns.values()):
            yield Rejected(number, "row", f"expected at least {max(columns.values()) + 1} fields, found {len(fields or [])}", raw)
            continue
        yield _record(number, {f: fields[i].strip() for f, i in columns.items()}, options, raw)


def _record(number: int, row: dict[str, str], options: FormatOptions, raw: str) -> Item:
    try:
        confidence = int(row["confidence"]) if row.get("confidence") else None
    except ValueError:
        return Rejected(number, "confidence", f"'{row['confidence']}' is not a number 0-100", raw)
    times = {}
    for name in ("first_seen", "last_seen"):
        try:
            times[name] = parse_time(row.get(name))
        except ValueError:
            return Rejected(number, name, f"'{row[name]}' is not a date and time (ISO 8601)", raw)
    return Record(number, row.get("value", ""), row.get("type") or None, kind=row.get("kind") or "indicator",
                  crime_type=row.get("crime_type") or options.crime_type, confidence=confidence,
                  first_seen=times["first_seen"], last_seen=times["last_seen"], description=row.get("description", ""),
                  tags=split_tags(row.get("tags")))
