"""``aspjoc export blocklist``: offline delivery, the next delivery's removed list, and ``aspjoc blocklist refresh``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from typer.testing import CliRunner

from aspjoc.cli import app as cli
from aspjoc.errors import InvalidInput
from aspjoc.intel.models import Statement
from disruption_helpers import Region
from support import Factory


def test_offline_export_and_the_next_delivery_lists_what_to_unblock(tmp_path: Path, database_url: str, make: Factory,
                                                                    monkeypatch: Any) -> None:
    monkeypatch.setenv("ASPJOC_DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", "200")  # so Rich does not fold the table
    region = Region.build(make)
    region.state("th", "login-coral-bank.example")
    region.state("th", "red-lead.example", tlp="red")
    gone = region.state("ph", "short-lived.example")
    region.state("ph", "invest-gold.example", crime_type="investment_scam")
    runner = CliRunner()
    common = ["export", "blocklist", "--format", "rpz", "--org", "Coral Bank", "--crime-type", "phishing",
              "--name", "usb for Coral Bank"]
    first = runner.invoke(cli, [*common, "--out", str(tmp_path / "one.rpz")])
    assert first.exit_code == 0, first.output
    zone = (tmp_path / "one.rpz").read_text()
    assert "login-coral-bank.example CNAME ." in zone and "short-lived.example CNAME ." in zone
    assert "red-lead" not in zone and "invest-gold" not in zone
    assert "( 1 3600" in zone

    with make.db.unit_of_work() as s:
        statement = s.scalar(select(Statement).where(Statement.id == gone))
        assert statement is not None
        statement.withdrawn = True
    second = runner.invoke(cli, [*common, "--out", str(tmp_path / "two.rpz"), "--removed-out",
                                 str(tmp_path / "removed.txt"), "--since", "1"])
    assert second.exit_code == 0, second.output
    assert "short-lived" not in (tmp_path / "two.rpz").read_text() and "( 2 3600" in (tmp_path / "two.rpz").read_text()
    assert (tmp_path / "removed.txt").read_text() == "short-lived.example\n"

    listed = runner.invoke(cli, ["blocklist", "list"])
    assert listed.exit_code == 0 and "usb for Coral Bank" in listed.output and "offline" in listed.output
    refreshed = runner.invoke(cli, ["blocklist", "refresh"])
    assert refreshed.exit_code == 0, refreshed.output
    assert "serial 2, 1 entries" in refreshed.output


def test_export_names_the_missing_option(tmp_path: Path, database_url: str, make: Factory, monkeypatch: Any) -> None:
    monkeypatch.setenv("ASPJOC_DATABASE_URL", database_url)
    Region.build(make)
    done = CliRunner().invoke(cli, ["export", "blocklist", "--format", "rpz", "--out", str(tmp_path / "x.rpz")])
    assert isinstance(done.exception, InvalidInput) and done.exception.field == "--format/--org"
    done = CliRunner().invoke(cli, ["export", "blocklist", "--format", "rpz", "--org", "Coral Bank", "--type", "phone",
                                    "--out", str(tmp_path / "x.rpz")])
    assert isinstance(done.exception, InvalidInput) and done.exception.field == "types"
