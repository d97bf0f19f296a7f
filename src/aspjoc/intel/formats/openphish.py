"""OpenPhish: one phishing URL per line, no header."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from aspjoc.intel.ingest.records import Record

from .base import FormatOptions, Item, text_lines, uncommented


def read(source: BinaryIO, options: FormatOptions) -> Iterator[Item]:
    """A url Record per line (crime type phishing unless the options say otherwise)."""
    crime_type = options.crime_type or "phishing"
    for number, line in uncommented(text_lines(source)):
        yield Record(number, line.strip(), "url", crime_type=crime_type)
