"""Helpers for the products tests: statements to plant, products to build, PDFs to read with poppler."""

from __future__ import annotations

import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from aspjoc.access import Principal
from aspjoc.db import Database
from aspjoc.intel import service as intel
from aspjoc.intel.schemas import MarkingIn, ObservableIn, RecipientsIn, StatementIn
from aspjoc.products import workflow
from aspjoc.products.models import Product
from aspjoc.products.schemas import ProductIn

PERIOD = (date(2025, 6, 1), date(2026, 5, 31))
IN_PERIOD = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)


def plant(session: Session, author: Principal, value: str, tlp: str, crime_type: str, now: datetime, copies: int = 1,
          organisations: list[str | int] | None = None, users: list[str | int] | None = None, kind: str = "indicator") -> None:
    """``copies`` statements by ``author`` on ``value`` (one per source), first seen in the test period."""
    for n in range(copies):
        data = StatementIn(observable=ObservableIn(value=value), kind=kind, crime_type=crime_type, source=f"source {n}",
                           first_seen=IN_PERIOD, last_seen=IN_PERIOD,
                           marking=MarkingIn(tlp=tlp, recipients=RecipientsIn(organisations=organisations or [],
                                                                              users=users or [])))
        intel.add_statement(session, author, data, now)


def product_in(kind: str = "assessment", tlp: str = "green", crime_type: str | None = None, title: str = "Test product",
               organisations: list[str | int] | None = None, **text: str) -> ProductIn:
    return ProductIn(kind=kind, title=title, period_start=PERIOD[0], period_end=PERIOD[1], crime_type=crime_type,
                     marking=MarkingIn(tlp=tlp, recipients=RecipientsIn(organisations=organisations or [])), **text)


def create(db: Database, principal: Principal, data: ProductIn, now: datetime) -> int:
    with db.unit_of_work() as s:
        return workflow.create_product(s, principal, data, now).id


def load(db: Database, product_id: int) -> Product:
    with db.reader() as s:
        product = s.get(Product, product_id)
        assert product is not None
        return product


def pdf_text(path: Path, page: int | None = None) -> str:
    """``pdftotext -layout`` of the whole PDF, or of one page."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", "-layout", *pages, str(path), "-"], check=True, capture_output=True, text=True).stdout


def pdf_info(path: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}


def pdf_images(path: Path) -> list[str]:
    """The image rows of ``pdfimages -list`` (soft masks left out)."""
    out = subprocess.run(["pdfimages", "-list", str(path)], check=True, capture_output=True, text=True).stdout
    return [line for line in out.splitlines()[2:] if line.split()[2] == "image"]


def render_pages(path: Path, prefix: Path, first: int = 1, last: int = 2) -> list[Path]:
    """PNGs of pages ``first``..``last`` at 60 dpi, for people to look at."""
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", str(first), "-l", str(last), str(path), str(prefix)], check=True)
    return sorted(prefix.parent.glob(f"{prefix.name}-*.png"))

