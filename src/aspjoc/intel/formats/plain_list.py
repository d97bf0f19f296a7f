"""One identifier of any type per line (a paste, a block list); ``#`` comments and blank lines are skipped.

The type of each value is detected by the pipeline; an optional ``type:`` prefix (``iban:…``) names it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from aspjoc.intel.ingest.records import Record

from .base import FormatOptions, Item, text_lines, uncommented


def read(source: BinaryIO, options: FormatOptions) -> Iterator[Item]:
    """A Record per non-comment line, numbered by its line in the file; nothing is rejected here."""
    crime_type = options.crime_type
    for number, line in uncommented(text_lines(source)):
        yield Record(number, line.strip(), crime_type=crime_type)
