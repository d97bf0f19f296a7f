"""The hash-chained audit log and `aspjoc audit verify`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from typer.testing import CliRunner

from aspjoc import audit
from aspjoc.cli import app
from support import Factory


def _events(make: Factory, n: int) -> None:
    with make.db.unit_of_work() as s:
        for i in range(n):
            audit.record(s, None, "test.event", make.clock.now(), "thing", i, {"n": i})


def test_intact_chain_verifies(make: Factory) -> None:
    _events(make, 5)
    with make.db.reader() as s:
        checked, broken = audit.verify(s)
    assert (checked, broken) == (5, None)


def test_edited_event_is_detected_with_its_id(make: Factory) -> None:
    _events(make, 5)
    with make.db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET detail = '{\"n\": 99}' WHERE id = 3"))
    with make.db.reader() as s:
        checked, broken = audit.verify(s)
    assert broken is not None and broken.event_id == 3 and checked == 2


def test_deleted_event_is_detected(make: Factory) -> None:
    _events(make, 5)
    with make.db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE id = 2"))
    with make.db.reader() as s:
        _, broken = audit.verify(s)
    assert broken is not None and broken.event_id == 3


def test_cli_verify_exits_1_and_names_the_first_broken_link(make: Factory, database_url: str, monkeypatch: Any) -> None:
    _events(make, 4)
    monkeypatch.setenv("ASPJOC_DATABASE_URL", database_url)
    runner = CliRunner()
    ok = runner.invoke(app, ["audit", "verify"])
    assert ok.exit_code == 0 and "4 events" in ok.output
    with make.db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET action = 'forged' WHERE id = 2"))
    bad = runner.invoke(app, ["audit", "verify"])
    assert bad.exit_code == 1 and "event 2" in bad.output
