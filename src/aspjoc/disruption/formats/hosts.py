"""A hosts file: ``0.0.0.0 example.com`` per listed domain, for resolvers and devices that read one."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from aspjoc.disruption.formats.base import EntryRow, FeedContext, Format, chunked, header_lines
from aspjoc.disruption.formats.rpz import zone_name


def _lines(rows: Iterable[EntryRow]) -> Iterator[str]:
    for row in rows:
        name = zone_name(row.value)
        if name is None:
            yield f"# ref={row.id} left out: not a valid host name\n"
            continue
        yield f"0.0.0.0 {name} # ref={row.id}\n"


def render(ctx: FeedContext, rows: Iterable[EntryRow]) -> Iterator[str]:
    yield header_lines(ctx, "#")
    yield from chunked(_lines(rows))


FORMAT = Format(
    name="hosts",
    ext="hosts",
    media_type="text/plain; charset=us-ascii",
    label="hosts file",
    types=frozenset({"domain"}),
    tracked=(),
    render=render,
)
