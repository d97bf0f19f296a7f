"""The checks on one record before it is stored: its fields, its owner and its marking.

``Checker`` is pure (what it needs from the database is read before it is built), so it can run
in the producer process. A marking other than the run's is returned as a ``MarkingKey``, which
the writing process turns into a stored marking (``pipeline``).
"""

from __future__ import annotations

from dataclasses import dataclass

from aspjoc.intel.ingest.records import Record, RecordMarking
from aspjoc.intel.models import CRIME_TYPES, KINDS
from aspjoc.marking import TLP, Handling, MarkingSpec


# owner, TLP, handling, public use, recipient organisations, recipient sharing groups
MarkingKey = tuple[int, int, int, bool, frozenset[int], frozenset[int]]


def spec_of(key: MarkingKey) -> MarkingSpec:
    owner, tlp, handling, public_use, orgs, groups = key
    return MarkingSpec(owner, TLP(tlp), orgs, frozenset(), groups, Handling(handling), public_use)


@dataclass(frozen=True)
class Checker:
    """Checks records against the run's options.

    ``org_ids`` and ``group_ids`` are the organisations and sharing groups that exist;
    ``may_act_for_others`` is whether records may be filed under another organisation (STIX
    ``created_by_ref``, MISP ``Orgc``): only for an operator (the CLI, a configured source) or an
    administrator.
    """

    org_id: int
    base: MarkingSpec
    run_marking_id: int
    org_ids: frozenset[int]
    group_ids: frozenset[int]
    may_act_for_others: bool
    crime_type: str | None = None

    def problem(self, record: Record) -> tuple[str, str] | None:
        """(field, reason) when a record cannot be stored as given, else None."""
        if not record.value or not record.value.strip():
            return "value", "the value is empty"
        if record.kind not in KINDS:
            return "kind", f"'{record.kind}' is not one of {', '.join(sorted(KINDS))}"
        if record.crime_type is not None and record.crime_type not in CRIME_TYPES:
            return "crime_type", f"'{record.crime_type}' is not one of {', '.join(sorted(CRIME_TYPES))}"
        if record.confidence is not None and not 0 <= record.confidence <= 100:
            return "confidence", f"{record.confidence} is outside 0-100"
        if record.first_seen and record.last_seen and record.last_seen < record.first_seen:
            return "last_seen", "is before first_seen"
        return None

    def owner(self, record: Record) -> int:
        wanted = record.owner_org_id
        if wanted is not None and wanted in self.org_ids and self.may_act_for_others:
            return wanted
        return self.org_id

    def marking(self, owner: int, marking: RecordMarking | None) -> int | MarkingKey:
        """The run's marking id when the record adds nothing to it, else the key of its own.

        A record's marking narrows the run's: the stricter TLP, the handling codes of both, public
        use only when both allow it; recipients it names replace the run's, and ``owner_only``
        drops them all.
        """
        if marking is None and owner == self.org_id:
            return self.run_marking_id
        base = self.base
        tlp, handling, public_use = base.tlp, base.handling, base.public_use
        orgs, groups = base.orgs, base.groups
        if marking is not None:
            tlp = max(tlp, marking.tlp) if marking.tlp is not None else tlp
            handling |= marking.handling
            public_use = public_use and marking.public_use is not False
            if marking.owner_only:
                orgs = groups = frozenset()
            elif marking.org_ids or marking.group_ids:
                orgs = marking.org_ids & self.org_ids
                groups = marking.group_ids & self.group_ids
        return owner, int(tlp), int(handling), public_use, orgs, groups
