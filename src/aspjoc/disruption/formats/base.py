"""What every block-list format shares: the entry rows it renders, the feed context, and its description.

A format renders the current entries of one subscription, streamed in the order they joined the
list, into text chunks. It declares which entry columns its output shows (``tracked``): a refresh that
changes one of them bumps the entry's ``rev`` and the list's serial, and one that changes only
other columns (the statement ids behind an RPZ entry, say) updates the entry quietly, so an
unchanged file keeps its ETag.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from aspjoc.access import Principal

CHUNK_LINES = 2000


# The rows a format renders: tuples holding the format's ``columns``, in that order (unpacked by
# position: reading a million rows' columns by name cost more than writing the file).
Rows = Iterable[Sequence[Any]]


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


Render = Callable[[FeedContext, Rows], Iterator[str]]


@dataclass(frozen=True)
class Format:
    """One block-list format: its name, URL extension, media type, the identifier types it carries, its renderer
    and the entry columns the renderer reads, in the order its rows hold them (only those are fetched).

    Entry columns: id, observable_id, type, value, country, crime_mask, score, first_seen, last_seen,
    rev, added_at, changed_at; timestamps as the database hands them over (see ``stamp``).
    """

    name: str
    ext: str
    media_type: str
    label: str
    types: frozenset[str]
    tracked: tuple[str, ...]
    render: Render
    columns: tuple[str, ...] = ("id", "value")
    needs_score: bool = False


def stamp(value: Any) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` from a stored timestamp: SQLite text (UTC, no offset) or a datetime; '' for None."""
    if value is None:
        return ""
    if isinstance(value, str):
        return f"{value[:10]}T{value[11:19]}Z"
    return f"{value:%Y-%m-%dT%H:%M:%SZ}"


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
