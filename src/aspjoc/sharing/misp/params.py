"""The filters PyMISP sends to ``events/restSearch``, ``attributes/restSearch`` and ``events/index``, checked.

A filter value may be a string, a list (OR), a ``{"OR": [...], "AND": [...], "NOT": [...]}`` object
(PyMISP's ``build_complex_query``), and a leading ``!`` negates a term. Times are Unix seconds, ISO
dates or relative spans (``7d``, ``12h``, ``30m``, ``2w``); a pair is a range. Filters aspjoc has no
use for (warning lists, decay scores, attachments) are accepted and ignored, as MISP ignores what it
does not apply; an unknown ``returnFormat`` is refused since only JSON is served.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from aspjoc.errors import InvalidInput
from aspjoc.sharing.misp.parse import as_bool, as_date, as_int

_SPAN = re.compile(r"^([0-9]+)([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


@dataclass(frozen=True)
class Terms:
    """Terms of one filter: ``include`` are OR-ed (AND-ed when ``all``), ``exclude`` are NOT-ed."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    all: bool = False

    def __bool__(self) -> bool:
        return bool(self.include or self.exclude)


@dataclass(frozen=True)
class Span:
    start: datetime | None = None
    end: datetime | None = None


@dataclass
class SearchParams:
    value: Terms = field(default_factory=Terms)
    type: Terms = field(default_factory=Terms)
    category: Terms = field(default_factory=Terms)
    tags: Terms = field(default_factory=Terms)
    event_tags: Terms = field(default_factory=Terms)
    org: Terms = field(default_factory=Terms)
    eventid: Terms = field(default_factory=Terms)
    uuid: Terms = field(default_factory=Terms)
    eventinfo: Terms = field(default_factory=Terms)
    searchall: Terms = field(default_factory=Terms)
    sharinggroup: Terms = field(default_factory=Terms)
    to_ids: bool | None = None
    published: bool | None = None
    timestamp: Span | None = None
    publish_timestamp: Span | None = None
    event_timestamp: Span | None = None
    date_from: date | None = None
    date_to: date | None = None
    limit: int | None = None
    page: int = 1
    metadata: bool = False
    include_event_tags: bool = False

    @property
    def attribute_level(self) -> bool:
        """Whether any filter applies to attributes (so an event matches through one of its attributes)."""
        return bool(self.value or self.type or self.category or self.to_ids is not None or self.searchall)


def _strings(raw: Any, where: str) -> list[str]:
    items = raw if isinstance(raw, list) else [raw]
    out = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            raise InvalidInput(where, "must be a text, a number or a list of them")
        text = str(item).strip()
        if text:
            out.append(text)
    return out


def terms(raw: Any, where: str) -> Terms:
    """Read one filter; InvalidInput naming ``where`` when its shape is wrong."""
    if raw is None or raw == "" or raw == []:
        return Terms()
    if isinstance(raw, dict):
        unknown = set(raw) - {"OR", "AND", "NOT"}
        if unknown:
            raise InvalidInput(where, f"a complex query has only OR, AND and NOT keys, not {sorted(unknown)}")
        either = _strings(raw.get("OR", []), where) + _strings(raw.get("AND", []), where)
        return Terms(tuple(either), tuple(_strings(raw.get("NOT", []), where)), all=bool(raw.get("AND")) and not raw.get("OR"))
    include: list[str] = []
    exclude: list[str] = []
    for text in _strings(raw, where):
        (exclude if text.startswith("!") else include).append(text.removeprefix("!"))
    return Terms(tuple(include), tuple(exclude))


def moment(raw: Any, where: str, now: datetime) -> datetime | None:
    """One point in time: Unix seconds, an ISO date or time, or a span back from ``now`` (``7d``)."""
    if raw is None or raw == "":
        return None
    text = str(raw).strip().lower()
    span = _SPAN.match(text)
    if span:
        return now - timedelta(**{_UNITS[span.group(2)]: int(span.group(1))})
    try:
        if text.replace(".", "", 1).isdigit():
            return datetime.fromtimestamp(float(text), UTC)
        parsed = datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError) as exc:
        raise InvalidInput(where, f"'{raw}' is not a time: use Unix seconds, an ISO date or a span such as 7d") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def span(raw: Any, where: str, now: datetime) -> Span | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, (list, tuple)):
        if len(raw) != 2:
            raise InvalidInput(where, "a range is a pair [from, to]")
        return Span(moment(raw[0], where, now), moment(raw[1], where, now))
    return Span(moment(raw, where, now), None)


_TERMS: dict[str, str] = {"value": "value", "type": "type", "category": "category", "tags": "tags", "event_tags": "event_tags",
          "org": "org", "eventid": "eventid", "uuid": "uuid", "eventinfo": "eventinfo", "searchall": "searchall",
          "all": "searchall", "sharinggroup": "sharinggroup", "attribute": "value"}


def search_params(body: dict[str, Any], now: datetime) -> SearchParams:
    """Check a restSearch or index body (named URL parameters already merged in)."""
    fmt = body.get("returnFormat")
    if fmt not in (None, "", "json"):
        raise InvalidInput("returnFormat", f"'{fmt}' is not served here; use json")
    params = SearchParams()
    for key, attr in _TERMS.items():
        if key in body:
            setattr(params, attr, terms(body[key], key))
    for key, attr in (("to_ids", "to_ids"), ("published", "published")):
        if body.get(key) not in (None, ""):
            setattr(params, attr, as_bool(body[key], key))
    params.timestamp = span(body.get("timestamp"), "timestamp", now)
    params.publish_timestamp = span(body.get("publish_timestamp") or body.get("last"), "publish_timestamp", now)
    params.event_timestamp = span(body.get("event_timestamp"), "event_timestamp", now)
    start = body.get("from") or body.get("datefrom")
    end = body.get("to") or body.get("dateuntil")
    params.date_from = _day(start, "from", now)
    params.date_to = _day(end, "to", now)
    if body.get("limit") not in (None, ""):
        params.limit = as_int(body["limit"], "limit", 1, 100000)
    if body.get("page") not in (None, ""):
        params.page = as_int(body["page"], "page", 1, 10**9)
    params.metadata = as_bool(body.get("metadata", False), "metadata")
    params.include_event_tags = as_bool(body.get("includeEventTags", False), "includeEventTags")
    return params


def _day(raw: Any, where: str, now: datetime) -> date | None:
    if raw is None or raw == "":
        return None
    text = str(raw).strip()
    if text.replace(".", "", 1).isdigit() or _SPAN.match(text.lower()):
        found = moment(raw, where, now)
        return found.date() if found else None
    return as_date(text, where)


def named_params(rest: str) -> tuple[list[str], dict[str, str]]:
    """Split a CakePHP-style path tail ``5/noSightings:1/metadata:1`` into positional parts and named ones."""
    positional: list[str] = []
    named: dict[str, str] = {}
    for part in (p for p in rest.split("/") if p):
        key, colon, value = part.partition(":")
        if colon and key.replace("_", "").isalnum():
            named[key] = value
        else:
            positional.append(part)
    return positional, named
