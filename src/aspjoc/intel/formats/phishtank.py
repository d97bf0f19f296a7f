"""PhishTank ``online-valid.csv``: header ``phish_id,url,phish_detail_url,submission_time,verified,verification_time,online,target``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from aspjoc.intel.ingest.records import Record, Rejected

from .base import FormatOptions, Item, csv_rows, parse_time, text_lines, uncommented

COLUMNS = ("phish_id", "url", "phish_detail_url", "submission_time", "verified", "verification_time", "online", "target")


def read(source: BinaryIO, options: FormatOptions) -> Iterator[Item]:
    """A url Record per row (crime type phishing; the target brand as a tag); a malformed row is Rejected."""
    for number, fields, raw in csv_rows(uncommented(text_lines(source))):
        if fields and fields[0] == "phish_id":
            continue
        if fields is None or len(fields) != len(COLUMNS):
            yield Rejected(number, "row", f"expected {len(COLUMNS)} fields, found {len(fields) if fields else 0}", raw)
            continue
        row = dict(zip(COLUMNS, fields))
        try:
            first = parse_time(row["submission_time"])
        except ValueError:
            yield Rejected(number, "submission_time", f"'{row['submission_time']}' is not an ISO 8601 time", raw)
            continue
        target = row["target"].strip()
        yield Record(number, row["url"], "url", crime_type=options.crime_type or "phishing", first_seen=first,
                     confidence=90 if row["verified"].strip().lower() == "yes" else 50,
                     tags=(target,) if target and target != "Other" else (), external_id=f"phishtank:{row['phish_id']}")
