"""A threat assessment of the demo region, to PDF: the figures in its text match the database, it has charts,
and every page carries its marking."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from products_helpers import (
    PERIOD,
    create,
    load,
    pdf_images,
    pdf_info,
    pdf_text,
    product_in,
    render_pages,
)
from sqlalchemy import func, select
from support import SCREENSHOTS

from aspjoc.access import gate
from aspjoc.accounts import service as accounts
from aspjoc.clock import FixedClock
from aspjoc.db import Database
from aspjoc.demo import load_demo
from aspjoc.intel.models import Statement
from aspjoc.marking import TLP, Handling, Marking
from aspjoc.products.export import render

SINCE = datetime.combine(PERIOD[0], time(), UTC)
UNTIL = datetime.combine(PERIOD[1] + timedelta(days=1), time(), UTC)


def _green_figures(db: Database) -> tuple[int, list[tuple[str, int]]]:
    """Straight from the tables: current statements first seen in the period under CLEAR or GREEN without no_export."""
    where = (Statement.withdrawn.is_(False), Statement.first_seen >= SINCE, Statement.first_seen < UNTIL,
             Marking.tlp.in_((int(TLP.CLEAR), int(TLP.GREEN))), Marking.handling.op("&")(int(Handling.NO_EXPORT)) == 0)
    with db.reader() as s:
        base = select(func.count()).select_from(Statement).join(Marking, Marking.id == Statement.marking_id)
        total = s.scalar(base.where(*where)) or 0
        crimes = s.execute(select(Statement.crime_type, func.count()).join(Marking, Marking.id == Statement.marking_id)
                           .where(*where).group_by(Statement.crime_type).order_by(func.count().desc())).tuples().all()
    return total, [(str(c), int(n)) for c, n in crimes]


def test_demo_assessment_pdf_shows_the_database_figures_charts_and_marking_on_every_page(
        db: Database, clock: FixedClock, tmp_path: Path) -> None:
    with db.unit_of_work() as s:
        load_demo(s, clock.now())
    with db.reader() as s:
        author = accounts.principal_for(s, accounts.find_user(s, "analyst@hub.aspjoc.test"))
        readable = s.scalar(select(func.count()).select_from(Statement).where(
            gate(author, Statement), Statement.withdrawn.is_(False), Statement.first_seen >= SINCE,
            Statement.first_seen < UNTIL)) or 0
    summary = "- Investment scams are the **largest** threat.\n- USDT on TRON is the preferred rail."
    product_id = create(db, author, product_in(title="Regional threat assessment 2025-26", summary=summary), clock.now())
    pdf = tmp_path / "assessment.pdf"
    pdf.write_bytes(render(load(db, product_id), "pdf").data)

    total, crimes = _green_figures(db)
    text = pdf_text(pdf)
    flat = re.sub(r"\s+", " ", text)
    assert total > 500
    assert f"{total:,} statements on" in flat
    assert f"{readable - total:,} statements under narrower markings were left out" in flat
    for crime, count in crimes[:5]:
        assert re.search(rf"{crime.replace('_', ' ')}\s+{count:,}\s", text), (crime, count)
    assert "Regional Cybercrime Coordination Hub" in text and "1 June 2025 – 31 May 2026" in text

    info = pdf_info(pdf)
    pages = int(info["Pages"])
    assert pages >= 4 and info["Page size"].endswith("(A4)")
    assert "TLP:GREEN" in info["Title"]
    for page in range(1, pages + 1):
        assert pdf_text(pdf, page).count("TLP:GREEN") >= 2, f"page {page} lacks the marking at top and bottom"
    assert "TLP:AMBER" not in text and "TLP:RED" not in text
    assert len(pdf_images(pdf)) >= 6

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for png in render_pages(pdf, tmp_path / "page", 1, 2):
        assert png.stat().st_size > 10_000
        shutil.copy(png, SCREENSHOTS / f"products-assessment-{png.name}")
