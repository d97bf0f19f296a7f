"""A product as PDF (WeasyPrint): A4, charts and tables, the TLP marking at the top and bottom of every page."""

from __future__ import annotations

from aspjoc.products.document import Document
from aspjoc.products.render_html import report_html


def pdf_bytes(doc: Document) -> bytes:
    """The PDF of ``doc``; the document's metadata title carries the marking too."""
    from weasyprint import HTML  # half a second to import: only commands and requests that make a PDF pay it

    pdf: bytes = HTML(string=report_html(doc)).write_pdf()
    return pdf
