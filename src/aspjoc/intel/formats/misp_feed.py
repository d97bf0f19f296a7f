"""MISP feeds: ``manifest.json`` listing events by uuid, each in ``<uuid>.json`` beside it (REFERENCE.md, "MISP").

The reader is given the manifest; ``FormatOptions.open_sibling`` opens the event files (in the
feed's folder, or under its URL). Events are read one at a time with the MISP event reader.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import BinaryIO

from aspjoc.errors import AspjocError, InvalidInput
from aspjoc.intel.ingest.records import Rejected

from .base import FormatOptions, Item
from .json_stream import top_level_items
from .misp import event_records, events

UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def read(source: BinaryIO, options: FormatOptions) -> Iterator[Item]:
    """Records of every event the manifest lists; a missing or unreadable event file is one Rejected."""
    if options.open_sibling is None:
        raise InvalidInput("format", "a MISP feed is read from its folder or URL (manifest.json and the event files)")
    counter = [0]
    for uuid, entry in top_level_items(source):
        if not UUID.fullmatch(uuid):
            counter[0] += 1
            yield Rejected(counter[0], "manifest", f"'{uuid}' is not an event uuid", json.dumps(entry)[:500])
            continue
        try:
            with options.open_sibling(f"{uuid}.json") as event_file:
                for _, event in events(event_file):
                    yield from event_records(event, options, counter)
        except (OSError, AspjocError) as exc:
            counter[0] += 1
            reason = exc.reason if isinstance(exc, AspjocError) else str(exc)
            yield Rejected(counter[0], f"{uuid}.json", f"cannot read the event file: {reason}", uuid)
