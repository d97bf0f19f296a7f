"""STIX 2.1 indicators: one per statement behind the current entries, from the sharing capability.

``sharing.stix.export.stream_bundle`` builds the bundle (and adds the export gate again, audits
restricted statements and tells owners who asked to be told). Entries change when the statements
behind them change, so ``statement_ids`` is what this format tracks.
"""

from __future__ import annotations

from collections.abc import Iterator

from aspjoc.disruption.formats.base import FeedContext, Format, Rows
from aspjoc.observables import ObservableType
from aspjoc.sharing.stix.export import stream_bundle


def render(ctx: FeedContext, rows: Rows) -> Iterator[str]:
    if ctx.session is None or ctx.principal is None or ctx.statements is None:
        raise ValueError("the STIX format renders statements: the context needs a session, principal and statements")
    yield from stream_bundle(ctx.session, ctx.principal, ctx.statements, ctx.generated_at, channel="blocklist.stix")


FORMAT = Format(
    name="stix",
    ext="json",
    media_type="application/stix+json;version=2.1",
    label="STIX 2.1 indicators",
    types=frozenset(t.value for t in ObservableType),
    tracked=("statement_ids",),
    render=render,
    columns=("id",),
)
