"""Renderings of a product in one place: PDF, HTML, Markdown and STIX 2.1, each audited as an export."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.access import Principal
from aspjoc.errors import InvalidInput
from aspjoc.products.content import Content
from aspjoc.products.document import Document, build
from aspjoc.products.models import Product
from aspjoc.products.render_html import report_html
from aspjoc.products.render_markdown import markdown
from aspjoc.products.render_pdf import pdf_bytes
from aspjoc.products.render_stix import bundle_json
from aspjoc.products.service import get_product

MEDIA = {"pdf": "application/pdf", "html": "text/html; charset=utf-8", "md": "text/markdown; charset=utf-8",
         "json": "application/stix+json;version=2.1"}


@dataclass(frozen=True)
class Rendered:
    data: bytes
    media_type: str
    filename: str


def content_of(product: Product) -> Content | None:
    """The stored snapshot of ``product``; None before its first generation."""
    return Content.model_validate_json(product.content) if product.content else None


def document_of(product: Product, charts: bool = True) -> Document:
    return build(product, content_of(product), charts)


def file_stem(product: Product) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", product.title.lower()).strip("-")[:60] or "product"
    return f"{product.marking_label}-{words}"


def render(product: Product, fmt: str, interop: bool = False) -> Rendered:
    """``product`` as ``fmt`` (pdf, html, md or json for STIX); InvalidInput names the format otherwise."""
    if fmt not in MEDIA:
        raise InvalidInput("format", f"'{fmt}' is not one of {', '.join(MEDIA)}")
    doc = document_of(product, charts=fmt in ("pdf", "html"))
    if fmt == "pdf":
        data = pdf_bytes(doc)
    elif fmt == "html":
        data = report_html(doc).encode()
    elif fmt == "md":
        data = markdown(doc).encode()
    else:
        data = bundle_json(product, content_of(product), doc, interop).encode()
    return Rendered(data, MEDIA[fmt], f"{file_stem(product)}.{fmt}")


def export(session: Session, principal: Principal, product_id: int, fmt: str, now: datetime, interop: bool = False) -> Rendered:
    """The rendering of a product ``principal`` may open (NotFound otherwise), recorded in the audit log."""
    product = get_product(session, principal, product_id)
    rendered = render(product, fmt, interop)
    audit.record(session, principal, "product.export", now, "product", product.id, {"format": fmt, "status": product.status})
    return rendered
