"""A product as PDF (WeasyPrint): A4, charts and tables, the TLP marking at the top and bottom of every page."""

from __future__ import annotations

from weasyprint import HTML

from aspjoc.products.document import Document
from aspjoc.products.render_html import report_html


def pdf_bytes(doc: Document) -> bytes:
    """The PDF of ``doc``; the document's metadata title carries the marking too."""
    pdf: bytes = HTML(string=report_html(doc)).write_pdf()
    return pdf
