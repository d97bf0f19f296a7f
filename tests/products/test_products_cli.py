"""``aspjoc report assessment``: a file in each format, the author's view narrowed to the product's marking."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from products_helpers import pdf_info, pdf_text, plant
from typer.testing import CliRunner

from aspjoc.accounts import service as accounts
from aspjoc.cli import app as cli
from aspjoc.clock import SystemClock
from aspjoc.db import Database
from aspjoc.migrate import upgrade


def _arrange(url: str) -> None:
    upgrade(url)
    db = Database(url)
    now = SystemClock().now()
    with db.unit_of_work() as s:
        fj = accounts.add_organisation(s, "Fiji Cyber Unit", "FJ", "law_enforcement", now)
        th = accounts.add_organisation(s, "Thai Cyber Unit", "TH", "law_enforcement", now)
        author = accounts.add_user(s, "a@fj.aspjoc.test", fj, "analyst", None, now)
        colleague = accounts.add_user(s, "b@th.aspjoc.test", th, "analyst", None, now)
        s.flush()
        fj_p, th_p = accounts.principal_for(s, author), accounts.principal_for(s, colleague)
        plant(s, fj_p, "+6799997732", "green", "sextortion", now, copies=3)
        plant(s, fj_p, "+6799997731", "amber", "sextortion", now, copies=3)
        plant(s, th_p, "+66812349901", "amber", "sextortion", now, copies=2)
    db.dispose()


def test_report_assessment_writes_each_format_for_its_marking(tmp_path: Path, monkeypatch: Any) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("ASPJOC_DATABASE_URL", url)
    _arrange(url)
    runner = CliRunner()
    common = ["report", "assessment", "--from", "2025-06-01", "--to", "2026-05-31", "--user", "a@fj.aspjoc.test"]
    for name in ("green.pdf", "green.md", "green.json", "green.html"):
        done = runner.invoke(cli, [*common, "--tlp", "green", "--out", str(tmp_path / name)])
        assert done.exit_code == 0, done.output
    assert int(pdf_info(tmp_path / "green.pdf")["Pages"]) >= 2
    text = " ".join(pdf_text(tmp_path / "green.pdf").split())
    assert "3 statements on 1 identifier were first reported" in text and "5 statements under narrower markings were left out" in text
    assert "TLP:GREEN" in (tmp_path / "green.md").read_text() and "+6799997731" not in (tmp_path / "green.html").read_text()
    assert json.loads((tmp_path / "green.json").read_text())["type"] == "bundle"

    amber = runner.invoke(cli, [*common, "--tlp", "amber", "--country", "fj", "--out", str(tmp_path / "amber.md")])
    assert amber.exit_code == 0, amber.output
    assert "6 statements on 2 identifiers" in (tmp_path / "amber.md").read_text()


def test_report_refuses_bad_input_by_field(tmp_path: Path, monkeypatch: Any) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("ASPJOC_DATABASE_URL", url)
    _arrange(url)
    runner = CliRunner()
    base = ["report", "assessment", "--from", "2025-06-01", "--to", "2026-05-31"]
    cases = [([*base, "--user", "a@fj.aspjoc.test", "--out", str(tmp_path / "x.docx")], "--out"),
             ([*base, "--out", str(tmp_path / "x.pdf")], "--org"),
             (["report", "assessment", "--from", "June", "--to", "2026-05-31", "--org", "Fiji Cyber Unit", "--out", "x.pdf"], "--from"),
             ([*base, "--org", "Fiji Cyber Unit", "--tlp", "purple", "--out", str(tmp_path / "x.pdf")], "--tlp"),
             ([*base, "--org", "Fiji Cyber Unit", "--country", "QQ", "--out", str(tmp_path / "x.pdf")], "countries")]
    for args, field in cases:
        done = runner.invoke(cli, args)
        assert done.exit_code != 0
        assert field in str(done.exception), (args, done.exception)
    assert not (tmp_path / "x.pdf").exists()
