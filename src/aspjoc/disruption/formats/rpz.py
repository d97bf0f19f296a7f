"""DNS Response Policy Zone (RPZ) zone file, for BIND (``response-policy``) and Unbound (``rpz:``).

Each listed domain gets two records, ``example.com CNAME .`` and ``*.example.com CNAME .``: the
"CNAME ." action makes the resolver answer NXDOMAIN for the name and every name below it
(draft-vixie-dnsop-dns-rpz §4.1). Owner names are relative and the file has no ``$ORIGIN``, so the
subscriber loads it under whatever zone name its resolver configuration gives; names are kept
short enough for a zone name of up to ``ORIGIN_ALLOWANCE`` characters. The SOA serial is the
subscription's serial, which grows on every change of the list (RFC 1982 arithmetic is left to
the resolver). Domains are stored in IDNA punycode; anything that still is not a plain
LDH (plus underscore) name is left out with a comment, never written half-valid.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import idna

from aspjoc.disruption.formats.base import FeedContext, Format, Rows, chunked, header_lines

TTL = 300
# SOA timers: refresh 1 h, retry 10 min, expire 1 week, negative-cache 60 s (a delisted name must
# stop being blocked quickly once the resolver has the new zone).
SOA_TIMERS = "3600 600 604800 60"
ORIGIN_ALLOWANCE = 63
MAX_NAME = 253 - ORIGIN_ALLOWANCE - 1
NAME = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)(\.(?!-)[a-z0-9_-]{1,63}(?<!-))*$")


def zone_name(value: str) -> str | None:
    """``value`` as an ASCII owner name fit for the zone, or None when it cannot be one."""
    name = value  # canonical: lower case, no trailing dot
    if not name.isascii():
        try:
            name = idna.encode(name, uts46=True).decode("ascii")
        except idna.IDNAError:
            return None
    if len(name) + 2 > MAX_NAME or not NAME.match(name):
        return None
    return name


def _header(ctx: FeedContext) -> str:
    return (f"$TTL {TTL}\n"
            f"@ IN SOA localhost. hostmaster.localhost. ( {ctx.serial} {SOA_TIMERS} )\n"
            "@ IN NS localhost.\n" + header_lines(ctx, ";"))


def _lines(rows: Rows) -> Iterator[str]:
    for ref, value in rows:
        name = zone_name(value)
        if name is None:
            yield f"; ref={ref} left out: not a valid DNS name for a zone\n"
            continue
        yield f"{name} CNAME . ; ref={ref}\n*.{name} CNAME .\n"


def render(ctx: FeedContext, rows: Rows) -> Iterator[str]:
    yield _header(ctx)
    yield from chunked(_lines(rows))


FORMAT = Format(
    name="rpz",
    ext="rpz",
    media_type="text/dns; charset=us-ascii",
    label="DNS RPZ zone (BIND, Unbound)",
    types=frozenset({"domain"}),
    tracked=(),
    render=render,
    columns=("id", "value"),
)
