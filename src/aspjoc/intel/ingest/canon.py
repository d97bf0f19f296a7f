"""Canonicalisation of records' values, and their known-good flags, as plain tuples cheap to keep, compare and pickle."""

from __future__ import annotations

from aspjoc.intel.ingest import warninglists
from aspjoc.observables import Canonical, canonicalise_many

# (type, value, country, domain, num_lo, num_hi) or, for a refusal, (field, reason)
Canon = tuple[str, str, str | None, str | None, int | None, int | None]
Refusal = tuple[str, str]
Outcome = Canon | Refusal
Flags = dict[tuple[str, str], tuple[str, ...]]  # (type, value) → names of the warning lists holding it


def canonical_many(values: list[str], types: list[str | None], region: str | None) -> tuple[list[Outcome], Flags]:
    """The canonical form of each value (of its type, or detected when None), or (field, reason) when it has none;
    and the known-good flags of the results (see ``flags_of``).

    The job a helper process does for a batch: plain lists in and out pickle cheaply.
    """
    outcomes: list[Outcome] = [
        (c.type._value_, c.value, c.country, c.domain, c.num_lo, c.num_hi) if isinstance(c, Canonical) else c
        for c in canonicalise_many(values, types, default_region=region)
    ]
    return outcomes, flags_of(outcomes)


def flags_of(outcomes: list[Outcome]) -> Flags:
    """The warning lists holding each distinct canonical value among ``outcomes``; values on none are left out."""
    keys = list(dict.fromkeys((o[0], o[1]) for o in outcomes if len(o) != 2))
    return {key: names for key, names in zip(keys, warninglists.lists_for_many(keys)) if names}
