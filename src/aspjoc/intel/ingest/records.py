"""What a format reader yields and the pipeline consumes: one record per identifier, or one rejection.

Format readers (``aspjoc.intel.formats``), TAXII and MISP intake and configured sources all produce
these; ``aspjoc.intel.ingest.pipeline.ingest`` stores them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aspjoc.marking import TLP, Handling

RAW_LIMIT = 500  # characters of a rejected line kept for review


@dataclass(slots=True)
class RecordMarking:
    """A marking the source put on one record (STIX ``object_marking_refs``, MISP tags and distribution).

    ``None`` fields fall back to the ingest's options. A record's marking can only narrow the
    ingest's: the stricter TLP of the two applies. Named recipients (``org_ids``, ``group_ids``)
    replace the ingest's; ``owner_only`` drops every recipient (MISP distribution 0, "your
    organisation only").
    """

    tlp: TLP | None = None
    handling: Handling = Handling.NONE
    public_use: bool | None = None
    org_ids: frozenset[int] = frozenset()
    group_ids: frozenset[int] = frozenset()
    owner_only: bool = False


@dataclass(slots=True)
class Record:
    """One identifier read from a source, not yet canonical.

    ``index`` is the 1-based line number (or position) in the source, for error reports.
    ``type`` None means "detect it". ``owner_org_id`` None means the ingest's organisation.
    """

    index: int
    value: str
    type: str | None = None
    kind: str = "indicator"
    crime_type: str | None = None
    confidence: int | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    description: str = ""
    tags: tuple[str, ...] = ()
    marking: RecordMarking | None = None
    owner_org_id: int | None = None
    external_id: str | None = None


@dataclass(slots=True)
class Rejected:
    """A record that could not be read or stored: where (``index``), which ``field``, why, and the raw text."""

    index: int
    field: str
    reason: str
    raw: str

    def __post_init__(self) -> None:
        if len(self.raw) > RAW_LIMIT:
            self.raw = self.raw[:RAW_LIMIT] + "…"
