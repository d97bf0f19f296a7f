"""abuse.ch URLhaus: the CSV dump and the JSON dump (layouts in REFERENCE.md, "Open feed layouts").

CSV: a ``#`` banner, the header comment ``# id,dateadded,url,url_status,last_online,threat,tags,
urlhaus_link,reporter``, then fully quoted rows; dumps from 2020 and earlier lack ``last_online``.
JSON: ``{"<id>": [{"dateadded", "url", "url_status", "last_online", "threat", "tags", …}]}``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO

from aspjoc.intel.ingest.records import Record, Rejected

from .base import FormatOptions, Item, csv_rows, parse_time, split_tags, text_lines, uncommented
from .json_stream import top_level_items

COLUMNS = ("id", "dateadded", "url", "url_status", "last_online", "threat", "tags", "urlhaus_link", "reporter")
OLD_COLUMNS = tuple(c for c in COLUMNS if c != "last_online")
# URLhaus lists malware distribution sites; its "threat" is nearly always malware_download.
CRIME_BY_THREAT = {"malware_download": "malware"}


def read_csv(source: BinaryIO, options: FormatOptions) -> Iterator[Item]:
    """A url Record per row; a row with the wrong number of fields, no URL or a bad date is Rejected."""
    for number, fields, raw in csv_rows(uncommented(text_lines(source))):
        if fields is None or len(fields) not in (len(COLUMNS), len(OLD_COLUMNS)):
            found = "unreadable quoting" if fields is None else f"{len(fields)} fields"
            yield Rejected(number, "row", f"expected {len(COLUMNS)} (or {len(OLD_COLUMNS)}) quoted fields, found {found}", raw)
            continue
        names = COLUMNS if len(fields) == len(COLUMNS) else OLD_COLUMNS
        yield _record(number, dict(zip(names, fields)), options, raw)


def read_json(source: BinaryIO, options: FormatOptions) -> Iterator[Item]:
    """A url Record per entry, numbered by its position in the dump; a malformed entry is Rejected."""
    position = 0
    for key, entries in top_level_items(source):
        for entry in entries if isinstance(entries, list) else [entries]:
            position += 1
            raw = json.dumps(entry)[:500]
            if not isinstance(entry, dict):
                yield Rejected(position, "entry", f"entry of id {key} is not an object", raw)
                continue
            tags = entry.get("tags") or []
            yield _record(position, {**entry, "id": key, "tags": ",".join(str(t) for t in tags) if isinstance(tags, list) else str(tags)},
                          options, raw)


def _record(index: int, row: Mapping[str, Any], options: FormatOptions, raw: str) -> Item:
    url = str(row.get("url") or "").strip()
    if not url:
        return Rejected(index, "url", "the URL is empty", raw)
    try:
        added = parse_time(row.get("dateadded"))
    except ValueError:
        return Rejected(index, "dateadded", f"'{row.get('dateadded')}' is not a date and time", raw)
    try:
        online = parse_time(row.get("last_online"))
    except ValueError:
        return Rejected(index, "last_online", f"'{row.get('last_online')}' is not a date and time", raw)
    threat = str(row.get("threat") or "")
    tags = split_tags(row.get("tags"))
    return Record(index, url, "url", crime_type=options.crime_type or CRIME_BY_THREAT.get(threat, "malware"),
                  first_seen=added, last_seen=max(online, added) if online and added else (online or added),
                  tags=(*tags, threat) if threat else tags, external_id=f"urlhaus:{row.get('id', '')}")
