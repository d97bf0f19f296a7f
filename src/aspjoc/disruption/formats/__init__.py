"""The block-list formats, one module each, by name."""

from __future__ import annotations

from aspjoc.disruption.formats import bank_csv, hosts, plain, rpz, stix, suricata, telco_csv
from aspjoc.disruption.formats.base import FeedContext, Format, Rows
from aspjoc.errors import InvalidInput

FORMATS: dict[str, Format] = {m.FORMAT.name: m.FORMAT for m in (rpz, hosts, plain, suricata, bank_csv, telco_csv, stix)}

__all__ = ["FORMATS", "FeedContext", "Format", "Rows", "get"]


def get(name: str, field: str = "format") -> Format:
    """The format called ``name``; InvalidInput naming ``field`` otherwise."""
    try:
        return FORMATS[name]
    except KeyError:
        raise InvalidInput(field, f"'{name}' is not a block-list format; use {', '.join(FORMATS)}") from None
