"""Plain lists: one domain, URL, IP address or network per line, after a ``#`` banner.

Lines carry no trace comment, because many consumers read every non-banner line as a value;
the statements behind a value are found with ``/feeds/<id>/entries/<value>``.
"""

from __future__ import annotations

from collections.abc import Iterator

from aspjoc.disruption.formats.base import FeedContext, Format, Rows, chunked, header_lines


def render(ctx: FeedContext, rows: Rows) -> Iterator[str]:
    yield header_lines(ctx, "#")
    # Canonical values hold no whitespace (URLs are percent-encoded when canonicalised).
    yield from chunked(f"{value}\n" for _ref, value in rows)


FORMAT = Format(
    name="plain",
    ext="txt",
    media_type="text/plain; charset=utf-8",
    label="plain list (domains, URLs, IPs)",
    types=frozenset({"domain", "url", "ipv4", "ipv6", "cidr"}),
    tracked=(),
    render=render,
    columns=("id", "value"),
)
