"""A batch's merge, column by column, against a plain record-by-record reference over random groups."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from aspjoc.intel.ingest.canon import Outcome
from aspjoc.intel.ingest.prepare import _Group, merged
from aspjoc.intel.tags import NO_TAGS

VALUES = ["a.example", "b.example", "198.51.100.7", "+66812345678", "bad"]
TYPES = {"a.example": "domain", "b.example": "domain", "198.51.100.7": "ipv4", "+66812345678": "phone"}
KEY = (1, 2, 0, False, frozenset({7}), frozenset())  # a marking of its own, as a record's may be

records = st.lists(st.tuples(
    st.sampled_from(VALUES), st.sampled_from([1, 2]), st.sampled_from(["indicator", "sighting"]),
    st.sampled_from([10, 11, KEY]), st.sampled_from([None, "phishing", "malware"]), st.integers(0, 100),
    st.sampled_from(["2026-05-01", "2026-05-02", "2026-05-03"]), st.sampled_from(["2026-05-03", "2026-05-04"]),
    st.sampled_from(["", "first", "second"]), st.sampled_from([NO_TAGS, '["x"]', '["y", "z"]'])), max_size=40)


def _outcome(value: str) -> Outcome:
    if value == "bad":
        return ("value", "could not tell what kind of identifier 'bad' is")
    return (TYPES[value], value, None, None, None, None)


def _group(rows: list[tuple[Any, ...]]) -> _Group:
    g = _Group(read=len(rows), last_index=len(rows))
    for i, (value, owner, kind, marking, crime, confidence, first, last, description, tags) in enumerate(rows, 1):
        g.index.append(i)
        g.value.append(value)
        g.type.append(None)
        g.owner.append(owner)
        g.kind.append(kind)
        g.marking.append(marking)
        g.crime_type.append(crime)
        g.confidence.append(confidence)
        g.first_seen.append(first)
        g.last_seen.append(max(first, last))
        g.description.append(description)
        g.tags.append(tags)
    return g


def _reference(rows: list[tuple[Any, ...]]) -> dict[tuple[Any, ...], dict[str, Any]]:
    """Record by record: the first of a statement sets it; each repeat adds a sighting and its newer fields win."""
    found: dict[tuple[Any, ...], dict[str, Any]] = {}
    for value, owner, kind, marking, crime, confidence, first, last, description, tags in rows:
        if value == "bad":
            continue
        last = max(first, last)
        key = (TYPES[value], value, owner, kind)
        s = found.get(key)
        if s is None:
            found[key] = {"marking": marking, "crime_type": crime, "confidence": confidence, "first_seen": first,
                          "last_seen": last, "sightings": 1, "description": description, "tags": tags}
            continue
        s["sightings"] += 1
        s["first_seen"], s["last_seen"] = min(s["first_seen"], first), max(s["last_seen"], last)
        s["marking"], s["confidence"] = marking, confidence
        s["crime_type"] = crime or s["crime_type"]
        s["description"] = description or s["description"]
        s["tags"] = tags if tags != NO_TAGS else s["tags"]
    return found


@settings(max_examples=300, deadline=None)
@given(records)
def test_the_merge_matches_the_record_by_record_reference(rows: list[tuple[Any, ...]]) -> None:
    group = _group(rows)
    out = merged(group, [_outcome(v) for v in group.value], {})

    st_ = out.statements
    got = {}
    for p in range(len(st_)):
        c = out.observables[st_.observable[p]]
        marking = st_.marking[p] if st_.marking[p] >= 0 else out.markings[-st_.marking[p] - 1]
        got[(c[0], c[1], st_.owner[p], st_.kind[p])] = {
            "marking": marking, "crime_type": st_.crime_type[p], "confidence": st_.confidence[p],
            "first_seen": st_.first_seen[p], "last_seen": st_.last_seen[p], "sightings": st_.sightings[p],
            "description": st_.description[p], "tags": st_.tags[p]}
    assert got == _reference(rows)
    assert len(got) == len(st_)  # one row per statement
    keys = [(c[0], c[1]) for c in out.observables]
    assert keys == sorted(set(keys)) and st_.observable == sorted(st_.observable)  # observables sorted, statements by them
    assert out.stored == sum(1 for r in rows if r[0] != "bad")
    assert [r.index for r in out.rejected] == [i for i, r in enumerate(rows, 1) if r[0] == "bad"]
    assert len(set(st_.uuid)) == len(st_.uuid)
