"""Plain STIX objects (from other tools: stix2, medallion, vendors' TAXII feeds) into the ingest pipeline.

The objects of an envelope or page are handed to the platform's STIX reader
(``intel.formats.FORMATS["stix"]``: indicators with simple patterns, observables, and the context
of identities, reports and relationships) and stored by the ingest pipeline as statements of the
receiving organisation, marked with the TLP each object carries (TLP 1.0 or 2.0 ids; AMBER when
it carries none) plus the sharing group of the collection they were added to.

A pipeline run's marking is the widest its records may get (a record's own TLP only narrows it),
so the objects are grouped by TLP and each group is one run, with the context objects repeated
in every group. Re-reading an object re-sights its statement (sightings + 1, last seen moved on);
it never duplicates it.
"""

from __future__ import annotations

import io
import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from aspjoc.accounts.models import Organisation, SharingGroup
from aspjoc.db import Database
from aspjoc.intel.formats import FORMATS, FormatOptions
from aspjoc.intel.ingest.pipeline import IngestOptions, ingest
from aspjoc.intel.ingest.records import Record, Rejected
from aspjoc.marking import TLP
from aspjoc.sharing.receive import Inbound, Outcome
from aspjoc.sharing.stix.vocab import TLP_BY_MARKING_ID

DEFAULT_TLP = TLP.AMBER
# Objects the reader takes as context for others rather than as identifiers (intel.formats.stix).
CONTEXT_TYPES = frozenset({"identity", "marking-definition", "relationship", "report", "malware", "threat-actor",
                           "intrusion-set", "campaign", "attack-pattern", "tool", "infrastructure",
                           "extension-definition", "language-content", "note", "opinion", "sighting"})


def tlp_of(obj: dict[str, Any]) -> TLP:
    """The TLP an object's marking references give it (the strictest), AMBER when it has none."""
    levels = [TLP_BY_MARKING_ID[ref] for ref in obj.get("object_marking_refs") or [] if ref in TLP_BY_MARKING_ID]
    return max(levels) if levels else DEFAULT_TLP


def _format_options(db: Database, inbound: Inbound) -> FormatOptions:
    with db.reader() as session:
        orgs = {name.lower(): org_id for org_id, name in session.execute(select(Organisation.id, Organisation.name))}
        groups = {name.lower(): group_id for group_id, name in session.execute(select(SharingGroup.id, SharingGroup.name))}
    return FormatOptions(default_region=inbound.default_region, organisations=orgs, groups=groups)


def _read(objects: list[dict[str, Any]], options: FormatOptions) -> list[Record | Rejected]:
    stream = io.BytesIO(json.dumps({"type": "bundle", "objects": objects}).encode())
    return list(FORMATS["stix"].read(stream, options))


def ingest_plain(db: Database, objects: Sequence[dict[str, Any]], inbound: Inbound, now: datetime) -> list[Outcome]:
    """Store plain objects through the STIX reader and the ingest pipeline; one outcome per object, in order."""
    outcomes = [Outcome(str(o.get("id")), o.get("modified") or o.get("created"), True) for o in objects]
    context = [o for o in objects if o.get("type") in CONTEXT_TYPES]
    by_level: dict[TLP, list[int]] = defaultdict(list)
    for position, obj in enumerate(objects):
        if obj.get("type") in CONTEXT_TYPES:
            outcomes[position].message = "read as context of the other objects, not stored on its own"
        else:
            by_level[tlp_of(obj)].append(position)
    if not by_level:
        return outcomes
    options = _format_options(db, inbound)
    groups = frozenset({inbound.group_id}) if inbound.group_id else frozenset()
    for level, positions in sorted(by_level.items()):
        items = _read(context + [objects[p] for p in positions], options)
        records = [i for i in items if isinstance(i, Record)]
        rejected = [i for i in items if isinstance(i, Rejected)]
        if records:
            run = IngestOptions(org_id=inbound.org_id, tlp=level, source=inbound.source, format="stix",
                                default_region=inbound.default_region, recipient_group_ids=groups,
                                keep_rejections=len(records))
            rejected += ingest(db, records, run, now, principal=inbound.principal).rejections
        stored = {r.index for r in records}
        for index in {r.index for r in rejected}:
            stored.discard(index)
        first = len(context) + 1
        for offset, position in enumerate(positions):
            outcome, index = outcomes[position], first + offset
            problems = [f"{r.field}: {r.reason}" for r in rejected if r.index == index]
            if problems:
                outcome.ok, outcome.message = False, "; ".join(problems)
            elif index in stored:
                outcome.message, outcome.changed = "stored through the ingest pipeline", True
            else:
                outcome.ok, outcome.message = False, f"aspjoc stores identifiers; '{objects[position].get('type')}' objects are not kept"
    return outcomes
