"""abuse.ch ThreatFox: the JSON export and the CSV export (layouts in REFERENCE.md, "Open feed layouts").

JSON: ``{"<id>": [{"ioc_value", "ioc_type", "threat_type", "malware_printable", "first_seen_utc",
"last_seen_utc", "confidence_level", "tags": "a, b", …}]}``. CSV: a ``#`` banner, quoted fields
separated by ``", "``, the literal ``None`` for null, a trailing ``# Number of entries`` comment.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO

from aspjoc.intel.ingest.records import Record, Rejected

from .base import FormatOptions, Item, csv_rows, parse_time, split_tags, text_lines, uncommented
from .json_stream import top_level_items

CSV_COLUMNS = ("first_seen_utc", "ioc_id", "ioc_value", "ioc_type", "threat_type", "fk_malware", "malware_alias",
               "malware_printable", "last_seen_utc", "confidence_level", "is_compromised", "reference", "tags",
               "anonymous", "reporter")
IOC_TYPES = {"ip:port": "ipv4", "domain": "domain", "url": "url", "md5_hash": "md5", "sha1_hash": "sha1",
             "sha256_hash": "sha256", "envelope_from": "email", "body_from": "email"}
CRIME_BY_THREAT = {"botnet_cc": "botnet", "payload_delivery": "malware", "payload": "malware", "cc_skimming": "online_fraud"}


def read_json(source: BinaryIO, options: FormatOptions) -> Iterator[Item]:
    """A Record per IOC, numbered by position in the export; a malformed entry is Rejected."""
    position = 0
    for key, entries in top_level_items(source):
        for entry in entries if isinstance(entries, list) else [entries]:
            position += 1
            if not isinstance(entry, dict):
                yield Rejected(position, "entry", f"entry of id {key} is not an object", json.dumps(entry)[:500])
                continue
            yield _record(position, {**entry, "ioc_id": key}, options, json.dumps(entry)[:500])


def read_csv(source: BinaryIO, options: FormatOptions) -> Iterator[Item]:
    """A Record per row, numbered by line; a row with the wrong number of fields is Rejected."""
    for number, fields, raw in csv_rows(uncommented(text_lines(source)), skipinitialspace=True):
        if fields is None or len(fields) != len(CSV_COLUMNS):
            found = "unreadable quoting" if fields is None else f"{len(fields)} fields"
            yield Rejected(number, "row", f"expected {len(CSV_COLUMNS)} fields, found {found}", raw)
            continue
        yield _record(number, dict(zip(CSV_COLUMNS, fields)), options, raw)


def _record(index: int, row: Mapping[str, Any], options: FormatOptions, raw: str) -> Item:
    ioc_type = str(row.get("ioc_type") or "")
    our_type = IOC_TYPES.get(ioc_type)
    if our_type is None:
        return Rejected(index, "ioc_type", f"'{ioc_type}' is not an IOC type aspjoc reads", raw)
    value = str(row.get("ioc_value") or "").strip()
    if ioc_type == "ip:port":
        value = value.rsplit(":", 1)[0]
    try:
        first = parse_time(row.get("first_seen_utc"))
        last = parse_time(row.get("last_seen_utc"))
    except ValueError:
        return Rejected(index, "first_seen_utc", "a date is not in the form YYYY-MM-DD HH:MM:SS", raw)
    try:
        confidence = int(row["confidence_level"]) if str(row.get("confidence_level") or "None") != "None" else None
    except ValueError:
        return Rejected(index, "confidence_level", f"'{row.get('confidence_level')}' is not a number", raw)
    malware = str(row.get("malware_printable") or "")
    tags = split_tags(row.get("tags") if isinstance(row.get("tags"), str) else ",".join(row.get("tags") or []))
    return Record(index, value, our_type, crime_type=options.crime_type or CRIME_BY_THREAT.get(str(row.get("threat_type")), "malware"),
                  confidence=confidence, first_seen=first, last_seen=max(last, first) if last and first else (last or first),
                  description=malware if malware not in ("", "None", "Unknown malware") else "",
                  tags=(*tags, malware) if malware and malware != "None" else tags,
                  external_id=f"threatfox:{row.get('ioc_id', '')}")
