"""Suricata rules: a DNS query, a TLS SNI and an HTTP Host rule per listed domain.

Each rule matches the domain and every name below it (``dotprefix; content:".example.com";
endswith;``, the Suricata 6+ idiom). ``sid``s are derived from the observable id alone,
``first + 3·observable_id + k`` for k = 0 (DNS), 1 (TLS), 2 (HTTP), so they are stable across
refreshes and across subscriptions, and two identifiers never share one. An identifier whose sid
would fall past the configured range is left out with a comment naming the setting. ``rev`` is the
entry's revision, which grows when the rule text changes (its crime types) or the entry comes back.
``target:src_ip`` marks the client as the one at risk. The metadata (last, as suricata-check
prefers) carries ``tag aspjoc_ref_<entry id>`` so an alert leads back to the statements
behind it (``/feeds/<id>/refs/<entry id>``).
"""

from __future__ import annotations

from collections.abc import Iterator

from aspjoc.disruption.formats.base import FeedContext, Format, Rows, chunked, day, header_lines
from aspjoc.disruption.formats.rpz import zone_name
from aspjoc.disruption.selection import crime_names

# (header, buffer and its options, what the message calls it) of the DNS, TLS and HTTP rules
RULES = (
    ("alert dns $HOME_NET any -> any any", "dns.query; dotprefix; content:\"{content}\"; nocase; endswith;",
     "DNS lookup of"),
    ("alert tls $HOME_NET any -> $EXTERNAL_NET any",
     "flow:established,to_server; tls.sni; dotprefix; content:\"{content}\"; nocase; endswith;", "TLS SNI of"),
    # http.host is normalised to lower case by Suricata, so the content is lower case and needs no nocase.
    ("alert http $HOME_NET any -> $EXTERNAL_NET any",
     "flow:established,to_server; http.host; dotprefix; content:\"{content}\"; endswith;", "HTTP Host of"),
)


def sid_for(first: int, observable_id: int, k: int) -> int:
    """The sid of rule ``k`` (0 DNS, 1 TLS, 2 HTTP) for ``observable_id``."""
    return first + 3 * observable_id + k


def _category(crimes: tuple[str, ...]) -> str:
    return crimes[0].upper() if crimes else "UNCLASSIFIED"


def rules_for(name: str, ref: int, sids: tuple[int, int, int], crime_mask: int, rev: int, added: str,
              changed: str) -> list[str]:
    """The DNS, TLS and HTTP rules for entry ``ref`` whose domain is ``name`` (a checked zone name: no quotes
    or semicolons); ``added``/``changed`` are Suricata metadata dates."""
    crimes = crime_names(crime_mask)
    # suricata-check S406: dots in a domain inside msg are written " ." so the message itself is not a live name.
    shown = name.replace(".", " .")
    about = f" ({', '.join(crimes)})" if len(crimes) > 1 else ""
    metadata = (f"metadata:attack_target Client_Endpoint, created_at {added}, deployment Perimeter, "
                f"performance_impact Low, signature_severity Major, tag aspjoc_ref_{ref}, updated_at {changed};")
    out = []
    for sid, (header, detection, what) in zip(sids, RULES):
        msg = f"ASPJOC {_category(crimes)} {what} listed domain {shown}{about}"
        body = detection.format(content="." + name)
        out.append(f"{header} (msg:\"{msg}\"; {body} classtype:bad-unknown; target:src_ip; "
                   f"sid:{sid}; rev:{rev}; {metadata})\n")
    return out


def _lines(ctx: FeedContext, rows: Rows) -> Iterator[str]:
    for ref, observable_id, value, crime_mask, rev, added_at, changed_at in rows:
        name = zone_name(value)
        sids = (sid_for(ctx.sid_first, observable_id, 0), sid_for(ctx.sid_first, observable_id, 1),
                sid_for(ctx.sid_first, observable_id, 2))
        if name is None:
            yield f"# ref={ref} left out: not a valid DNS name\n"
        elif sids[2] > ctx.sid_last:
            yield (f"# ref={ref} left out: its sid would pass ASPJOC_DISRUPTION_SID_LAST ({ctx.sid_last}); "
                   "widen the range\n")
        else:
            yield from rules_for(name, ref, sids, crime_mask, rev, day(added_at), day(changed_at))


def render(ctx: FeedContext, rows: Rows) -> Iterator[str]:
    yield header_lines(ctx, "#")
    yield from chunked(_lines(ctx, rows))


FORMAT = Format(
    name="suricata",
    ext="rules",
    media_type="text/plain; charset=us-ascii",
    label="Suricata rules",
    types=frozenset({"domain"}),
    tracked=("crime_mask",),
    render=render,
    columns=("id", "observable_id", "value", "crime_mask", "rev", "added_at", "changed_at"),
)
