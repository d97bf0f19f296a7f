"""Importers, one module per format, behind one interface.

Each module exposes ``read(source: BinaryIO, options: FormatOptions) -> Iterator[Record | Rejected]``:
it streams (never loads the whole input), yields a ``Record`` per identifier and a ``Rejected``
(line or position, field, reason, raw text) per record it cannot read. ``FORMATS`` maps the
``--format`` names to them; modules are imported on first use, as stix2 and pymisp are slow to load.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import BinaryIO

from aspjoc.errors import InvalidInput

from .base import Format, FormatOptions, Item, Reader

__all__ = ["FORMATS", "Format", "FormatOptions", "Item", "format_named"]


def _lazy(module: str, function: str = "read") -> Reader:
    def read(source: BinaryIO, options: FormatOptions) -> Iterator[Item]:
        reader: Reader = getattr(importlib.import_module(f"aspjoc.intel.formats.{module}"), function)
        return reader(source, options)

    return read


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("stix", "STIX 2.1 bundle (JSON): indicators with simple patterns and observables", _lazy("stix"),
           ("application/stix+json", "application/json")),
    Format("misp", "MISP event JSON ({\"Event\": …}, or a list of them, or {\"response\": […]})", _lazy("misp"),
           ("application/json",)),
    Format("misp-feed", "MISP feed: manifest.json with the event files beside it (a folder or its URL)",
           _lazy("misp_feed"), ("application/json",)),
    Format("urlhaus-csv", "abuse.ch URLhaus CSV dump", _lazy("urlhaus", "read_csv"), ("text/csv",)),
    Format("urlhaus-json", "abuse.ch URLhaus JSON dump", _lazy("urlhaus", "read_json"), ("application/json",)),
    Format("threatfox-json", "abuse.ch ThreatFox JSON export", _lazy("threatfox", "read_json"), ("application/json",)),
    Format("threatfox-csv", "abuse.ch ThreatFox CSV export", _lazy("threatfox", "read_csv"), ("text/csv",)),
    Format("feodo", "abuse.ch Feodo Tracker IP block list (ipblocklist.csv)", _lazy("feodo"), ("text/csv",)),
    Format("openphish", "OpenPhish feed: one URL per line", _lazy("openphish"), ("text/plain",)),
    Format("phishtank", "PhishTank CSV (online-valid.csv)", _lazy("phishtank"), ("text/csv",)),
    Format("csv", "Any CSV with a header row and a column mapping (value=col,type=col,…)", _lazy("generic_csv"),
           ("text/csv",)),
    Format("list", "One identifier of any type per line; # comments", _lazy("plain_list"), ("text/plain",)),
    Format("text", "Free text: identifiers are extracted (defanged forms too)", _lazy("text", "read_text"),
           ("text/plain",)),
    Format("html", "An HTML document: identifiers are extracted from its text", _lazy("text", "read_html"),
           ("text/html",)),
    Format("pdf", "A PDF document: text through pdftotext, then extraction", _lazy("text", "read_pdf"),
           ("application/pdf",)),
)}


def format_named(name: str) -> Format:
    """The format called ``name``; InvalidInput naming ``format`` and the choices otherwise."""
    found = FORMATS.get(name.strip().lower())
    if found is None:
        raise InvalidInput("format", f"'{name}' is not a known format; use one of {', '.join(FORMATS)}")
    return found
