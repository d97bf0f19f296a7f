"""A hosts file: ``0.0.0.0 example.com`` per listed domain, for resolvers and devices that read one."""

from __future__ import annotations

from collections.abc import Iterator

from aspjoc.disruption.formats.base import FeedContext, Format, Rows, chunked, header_lines
from aspjoc.disruption.formats.rpz import zone_name


def _lines(rows: Rows) -> Iterator[str]:
    for ref, value in rows:
        name = zone_name(value)
        if name is None:
            yield f"# ref={ref} left out: not a valid host name\n"
            continue
        yield f"0.0.0.0 {name} # ref={ref}\n"


def render(ctx: FeedContext, rows: Rows) -> Iterator[str]:
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
    columns=("id", "value"),
)
