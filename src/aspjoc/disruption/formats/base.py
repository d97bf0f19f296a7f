"""What every block-list format shares: the entry rows it renders, the feed context, and its description.

A format renders the current entries of one subscription, streamed in ``observable_id`` order,
into text chunks. It declares which entry columns its output shows (``tracked``): a refresh that
changes one of them bumps the entry's ``rev`` and the list's serial, and one that changes only
other columns (the statement ids behind an RPZ entry, say) updates the entry quietly, so an
unchanged file keeps its ETag.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Select
from sqlalchemy.orm import Session

from aspjoc.access import Principal

CHUNK_LINES = 2000


class EntryRow(NamedTuple):
    """One current entry as a format sees it; timestamps as the database hands them over (see ``stamp``)."""

    id: int
    observable_id: int
    type: str
    value: str
    country: str | None
    crime_mask: int
    score: int
    first_seen: Any
    last_seen: Any
    rev: int
    added_at: Any
    changed_at: Any


@dataclass(frozen=True)
class FeedContext:
    """The subscription being rendered and what a format may need beyond its rows.

    ``statements`` is a SELECT of the ids of the statements behind the current entries (for the
    STIX format, which renders statements rather than entries); ``session`` and ``principal`` are
    the subscriber's view, used only by that format.
    """

    subscription_id: int
    name: str
    subscriber: str
    serial: int
    generated_at: datetime
    entries: int
    sid_first: int
    sid_last: int
    session: Session | None = None
    principal: Principal | None = None
    statements: Select[Any] | None = None


Render = Callable[[FeedContext, Iterable[EntryRow]], Iterator[str]]


@dataclass(frozen=True)
class Format:
    """One block-list format: its name, URL extension, media type, the identifier types it carries and its renderer."""

    name: str
    ext: str
    media_type: str
    label: str
    types: frozenset[str]
    tracked: tuple[str, ...]
    render: Render
    needs_score: bool = False


def stamp(value: Any) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` from a stored timestamp: SQLite text (UTC, no offset) or a datetime; '' for None."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    text = str(value)
    return f"{text[:10]}T{text[11:19]}Z"


def day(value: Any) -> str:
    """``YYYY_MM_DD`` (the Suricata metadata date form) from a stored timestamp."""
    return stamp(value)[:10].replace("-", "_")


def header_lines(ctx: FeedContext, comment: str) -> str:
    """The banner every text format starts with, each line opened by ``comment``."""
    lines = [
        f"aspjoc block list \"{ctx.name}\" (subscription {ctx.subscription_id}) for {ctx.subscriber}",
        f"serial {ctx.serial}; generated {ctx.generated_at.strftime('%Y-%m-%dT%H:%M:%SZ')}; {ctx.entries} entries",
        "what was removed since a serial: /feeds/<id>/removed?since=<serial>; the statements behind an entry: "
        "/feeds/<id>/refs/<ref>",
    ]
    return "".join(f"{comment} {line}\n" for line in lines)


def chunked(lines: Iterable[str]) -> Iterator[str]:
    """Join lines into chunks of about CHUNK_LINES lines, so a streamed response makes few writes."""
    buffer: list[str] = []
    for line in lines:
        buffer.append(line)
        if len(buffer) >= CHUNK_LINES:
            yield "".join(buffer)
            buffer.clear()
    if buffer:
        yield "".join(buffer)
