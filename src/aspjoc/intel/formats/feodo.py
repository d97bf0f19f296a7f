"""abuse.ch Feodo Tracker ``ipblocklist.csv``: a ``#`` banner, then ``first_seen_utc,dst_ip,dst_port,c2_status,last_online,malware``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from aspjoc.intel.ingest.records import Record, Rejected

from .base import FormatOptions, Item, csv_rows, parse_time, text_lines, uncommented

COLUMNS = ("first_seen_utc", "dst_ip", "dst_port", "c2_status", "last_online", "malware")


def read(source: BinaryIO, options: FormatOptions) -> Iterator[Item]:
    """An IP Record per botnet C2 row (crime type botnet); a short row or a bad date is Rejected."""
    for number, fields, raw in csv_rows(uncommented(text_lines(source))):
        if fields and fields[0].strip() == "first_seen_utc":
            continue  # the header row, in the files that write it uncommented
        if fields is None or len(fields) != len(COLUMNS):
            yield Rejected(number, "row", f"expected {len(COLUMNS)} fields, found {len(fields) if fields else 0}", raw)
            continue
        row = dict(zip(COLUMNS, (f.strip() for f in fields)))
        try:
            first = parse_time(row["first_seen_utc"])
            online = parse_time(row["last_online"])
        except ValueError:
            yield Rejected(number, "first_seen_utc", "a date is not in the form YYYY-MM-DD HH:MM:SS", raw)
            continue
        malware = row["malware"]
        yield Record(number, row["dst_ip"], "ipv4", crime_type=options.crime_type or "botnet", first_seen=first,
                     last_seen=max(online, first) if online and first else (online or first),
                     description=f"{malware} C2 on port {row['dst_port']} ({row['c2_status']})",
                     tags=(malware,) if malware else ())
