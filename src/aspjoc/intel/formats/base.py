"""The importer interface every format module implements, and helpers they share."""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import BinaryIO

from aspjoc.intel.ingest.records import Record, Rejected

Item = Record | Rejected
Opener = Callable[[str], AbstractContextManager[BinaryIO]]


@dataclass(frozen=True)
class FormatOptions:
    """What a reader may need beyond the bytes.

    ``organisations`` and ``groups`` map lowercased names to ids, so STIX identities and MISP
    organisations or sharing groups can be matched to the platform's; ``column_map`` maps record
    fields (value, type, crime_type, confidence, first_seen, last_seen, description, tags, kind)
    to column names of a generic CSV; ``open_sibling`` opens a file beside the one being read
    (MISP feeds: event files next to ``manifest.json``).
    """

    default_region: str | None = None
    crime_type: str | None = None
    column_map: Mapping[str, str] = field(default_factory=dict)
    organisations: Mapping[str, int] = field(default_factory=dict)
    groups: Mapping[str, int] = field(default_factory=dict)
    open_sibling: Opener | None = None


Reader = Callable[[BinaryIO, FormatOptions], Iterator[Item]]


@dataclass(frozen=True)
class Format:
    """One importer: a name for ``--format``, what it reads, and its streaming reader."""

    name: str
    description: str
    read: Reader
    media_types: tuple[str, ...] = ()


def text_lines(source: BinaryIO) -> Iterator[str]:
    """Decode ``source`` as UTF-8 (a BOM dropped, bad bytes replaced) line by line, without loading it whole.

    ``source`` is left open: a text wrapper would close it when collected, so it is detached.
    """
    text = io.TextIOWrapper(source, encoding="utf-8-sig", errors="replace")
    try:
        yield from text
    finally:
        if not text.buffer.closed:
            text.detach()


def text_stream(source: BinaryIO) -> io.TextIOWrapper:
    """A streaming text view of ``source`` for ``csv`` and ``json`` readers (UTF-8, BOM dropped, bad bytes replaced)."""
    return io.TextIOWrapper(source, encoding="utf-8-sig", errors="replace", newline="")


def uncommented(lines: Iterator[str]) -> Iterator[tuple[int, str]]:
    """(line number, line) for lines that are neither blank nor ``#`` comments; numbers count every line."""
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            yield number, line


def csv_rows(numbered: Iterator[tuple[int, str]], skipinitialspace: bool = False) -> Iterator[tuple[int, list[str] | None, str]]:
    """Parse each numbered line as one CSV row: (line number, fields or None when unreadable, raw line).

    Feeds put one record per line, so reading line by line keeps a broken quote from swallowing
    the rest of the file; a quoted field that spans lines is reported as malformed.
    """
    for number, line in numbered:
        raw = line.rstrip("\r\n")
        # The common case, every field quoted and no quote inside one ("a","b,c",""): when the
        # quotes are exactly two per field, splitting on "," is what the csv module would read.
        if raw[:1] == '"' and raw[-1:] == '"' and len(raw) > 1:
            fields = raw[1:-1].split('","')
            if raw.count('"') == 2 * len(fields):
                yield number, fields, raw
                continue
        try:
            rows = list(csv.reader([raw], skipinitialspace=skipinitialspace))
        except csv.Error:
            yield number, None, raw
            continue
        yield number, (rows[0] if len(rows) == 1 else None), raw


def parse_time(text: str | None) -> datetime | None:
    """Read the timestamps feeds write: ISO 8601 with or without offset, ``YYYY-MM-DD HH:MM:SS[ UTC]``, dates.

    Times without an offset are UTC (abuse.ch writes UTC without saying so). Empty, ``None`` and
    ``null`` give None; anything else unreadable raises ValueError.
    """
    if text is None:
        return None
    return _parse_time(text)


@functools.lru_cache(maxsize=1 << 12)
def _parse_time(text: str) -> datetime | None:
    # Feeds repeat their timestamps line after line (a dump's "dateadded" moves by the second).
    value = text.strip()
    if not value or value in ("None", "null", "NULL"):
        return None
    if value.endswith(" UTC"):
        value = value[:-4]
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def split_tags(text: str | None) -> tuple[str, ...]:
    """Comma-separated tags as a tuple, blanks and the literal ``None`` dropped."""
    if not text:
        return ()
    return _split_tags(text)


@functools.lru_cache(maxsize=1 << 12)
def _split_tags(text: str) -> tuple[str, ...]:
    # A feed's rows carry a handful of distinct tag lists, over and over.
    return tuple(t for t in map(str.strip, text.split(",")) if t and t != "None")
