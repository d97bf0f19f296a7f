"""CSV for banks and payment providers: bank accounts, IBANs, e-wallets and crypto wallets.

Columns: type, value, country, bank_code, crime_types, score, first_seen, last_seen, reference.
``value`` and ``bank_code`` are split as banks file them (``formats.money``); ``crime_types`` is
space-separated; ``score`` is the best statement score (0–100) at the refresh; ``reference``
(``ASPJOC-<subscription>-<entry>``) resolves at ``/feeds/<id>/refs/<entry>``. RFC 4180 quoting,
CRLF line ends, UTF-8, no banner (spreadsheets and loaders read the header row).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from aspjoc.disruption.formats.base import FeedContext, Format, Rows, stamp
from aspjoc.disruption.formats.money import split
from aspjoc.disruption.selection import crime_text

COLUMNS = ["type", "value", "country", "bank_code", "crime_types", "score", "first_seen", "last_seen", "reference"]
ROWS_PER_CHUNK = 2000
TRACKED = ("crime_mask", "score", "first_seen", "last_seen", "country")


def reference_prefix(ctx: FeedContext) -> str:
    """What precedes the entry id in the ``reference`` column."""
    return f"ASPJOC-{ctx.subscription_id}-"


def write_rows(header: list[str], rows: Iterable[list[object]]) -> Iterator[str]:
    """CSV text in chunks of ROWS_PER_CHUNK rows, the header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
        if count % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _rows(ctx: FeedContext, rows: Rows) -> Iterator[list[object]]:
    prefix = reference_prefix(ctx)
    for ref, kind, stored, country, crime_mask, score, first_seen, last_seen in rows:
        value, bank_code = split(kind, stored)
        yield [kind, value, country or "", bank_code, crime_text(crime_mask), score, stamp(first_seen),
               stamp(last_seen), f"{prefix}{ref}"]


def render(ctx: FeedContext, rows: Rows) -> Iterator[str]:
    return write_rows(COLUMNS, _rows(ctx, rows))


FORMAT = Format(
    name="bank_csv",
    ext="csv",
    media_type="text/csv; charset=utf-8",
    label="CSV for banks (accounts, IBANs, wallets)",
    types=frozenset({"bank_account", "iban", "crypto_wallet"}),
    tracked=TRACKED,
    render=render,
    columns=("id", "type", "value", "country", "crime_mask", "score", "first_seen", "last_seen"),
    needs_score=True,
)
