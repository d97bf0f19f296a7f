"""How one ingest stores what it reads: ``IngestOptions`` (re-exported by ``pipeline``)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from aspjoc.marking import TLP, Handling

BULK_BATCH = 50_000  # records per transaction for files and feeds (the CLI's and the benchmark's default)


def bulk_workers() -> int:
    """Worker processes for a bulk ingest on this machine: a producer and one helper when there are two cores or more.

    Three processes on two cores still finish sooner than two: the writer and the producer each
    wait on the other now and then, and the helper fills those gaps.
    """
    return 2 if (os.cpu_count() or 1) > 1 else 0


@dataclass(frozen=True)
class IngestOptions:
    """How to store what is read: owner, default marking, source name, defaults for records.

    ``workers`` > 0 reads, checks and canonicalises in a producer process while this one writes
    (for large files; the CLI uses one); ``batch_size`` records make one transaction;
    ``resume_key`` names the input (for a file: its content digest) so an interrupted run is
    continued rather than repeated; ``keep_rejections`` is how many rejections the report carries
    in memory (all are stored).
    """

    org_id: int
    tlp: TLP
    source: str
    default_region: str | None = None
    handling: Handling = Handling.NONE
    public_use: bool = False
    recipient_org_ids: frozenset[int] = frozenset()
    recipient_group_ids: frozenset[int] = frozenset()
    crime_type: str | None = None
    batch_size: int = 5000
    format: str = ""
    workers: int = 0
    resume_key: str | None = None
    keep_rejections: int = 100
