"""Retention: due statements listed for their owner only, deleted on confirmation with an audit entry, or kept longer."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from aspjoc.audit import AuditEvent, verify
from aspjoc.cli import app as cli
from aspjoc.errors import NotFound, PermissionDenied
from aspjoc.intel import retention
from aspjoc.intel.models import Notice, Observable, Statement
from correlation_helpers import Region
from support import PASSWORD, T0, Factory

PAST = T0 - timedelta(days=1)
FUTURE = datetime(2031, 1, 1, tzinfo=T0.tzinfo)


def _sign_in(client: Any, email: str) -> None:
    client.get("/signin")
    reply = client.post("/signin", data={"email": email, "password": PASSWORD, "csrf_token": client.cookies.get("aspjoc_form")})
    assert reply.status_code in (200, 303), reply.text


def _csrf(client: Any, path: str) -> str:
    page = client.get(path)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def test_owner_sees_only_its_own_due_statements_and_deletes_them_with_an_audit_entry(make: Factory) -> None:
    r = Region(make)
    due = r.state(r.th_a, "198.51.100.1", "red", retention_until=PAST)
    kept = r.state(r.th_a, "198.51.100.2", "green", retention_until=FUTURE)
    shared = r.state(r.th_a, "+66 81 234 5678", "green", retention_until=PAST)
    r.state(r.ph_a, "+66 81 234 5678", "green", retention_until=PAST)
    th = make.principal(r.th_a)
    with make.db.unit_of_work() as s:
        items, total = retention.due_for_review(s, th, make.clock.now(), 50)
        assert {x.id for x in items} == {due, shared} and total == 2
        assert retention.confirm_delete(s, th, [due, shared], make.clock.now()) == 2
    with make.db.reader() as s:
        assert set(s.scalars(select(Statement.id).where(Statement.owner_org_id == r.th.id))) == {kept}
        values = set(s.scalars(select(Observable.value)))
        assert "198.51.100.1" not in values, "an observable nothing else uses goes with its last statement"
        assert "+66812345678" in values, "an observable another statement uses stays"
        events = s.execute(select(AuditEvent.action, AuditEvent.object_id, AuditEvent.detail)
                           .where(AuditEvent.action == "statement.delete")).all()
        assert sorted(int(e.object_id) for e in events) == sorted([due, shared])
        assert all("198.51.100.1" not in e.detail for e in events), "the audit entry must not keep the deleted value"
        assert verify(s)[1] is None


def test_no_one_can_delete_or_extend_another_organisations_or_a_current_statement(make: Factory) -> None:
    r = Region(make)
    theirs = r.state(r.th_a, "198.51.100.3", "green", retention_until=PAST)
    current = r.state(r.ph_a, "198.51.100.4", "green", retention_until=FUTURE)
    ph = make.principal(r.ph_a)
    with make.db.unit_of_work() as s:
        for ids in ([theirs], [current]):
            with pytest.raises(NotFound):
                retention.confirm_delete(s, ph, ids, make.clock.now())
            with pytest.raises(NotFound):
                retention.extend(s, ph, ids, FUTURE, make.clock.now())
        with pytest.raises(PermissionDenied):
            retention.due_for_review(s, make.principal(r.bank_a), make.clock.now(), 10)


def test_extend_keeps_statements_longer_and_is_audited(make: Factory) -> None:
    r = Region(make)
    sid = r.state(r.ph_a, "198.51.100.5", "green", retention_until=PAST)
    with make.db.unit_of_work() as s:
        assert retention.extend(s, make.principal(r.ph_a), [sid], FUTURE, make.clock.now()) == 1
    with make.db.reader() as s:
        statement = s.get(Statement, sid)
        assert statement is not None and statement.retention_until == FUTURE
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "statement.retention_extend")) == 1


def test_retention_page_lists_confirms_and_deletes_without_leaking_other_countries(client: Any, make: Factory) -> None:
    r = Region(make, console=True)
    mine = r.state(r.ph_a, "198.51.100.6", "green", retention_until=PAST)
    red = r.state(r.th_a, "198.51.100.66", "red", retention_until=PAST, description="Thai case 77")
    _sign_in(client, "a@ph.aspjoc.test")
    page = client.get("/retention")
    assert page.status_code == 200 and "198.51.100.6" in page.text
    assert "198.51.100.66" not in page.text and "Thai" not in page.text
    token = _csrf(client, "/retention")
    confirm = client.post("/retention", data={"csrf_token": token, "action": "delete", "statement_ids": [str(mine)]})
    assert confirm.status_code == 200 and 'id="confirm-delete"' in confirm.text
    probe = client.post("/retention", data={"csrf_token": token, "action": "confirm_delete", "statement_ids": [str(red)]})
    assert probe.status_code == 404 and "198.51.100.66" not in probe.text
    done = client.post("/retention", data={"csrf_token": token, "action": "confirm_delete", "statement_ids": [str(mine)]},
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/retention?deleted=1"
    with make.db.reader() as s:
        assert s.get(Statement, mine) is None and s.get(Statement, red) is not None


def test_viewers_may_not_review_retention(client: Any, make: Factory) -> None:
    r = Region(make)
    make.user("viewer@ph.aspjoc.test", r.ph, role="viewer")
    _sign_in(client, "viewer@ph.aspjoc.test")
    assert client.get("/retention").status_code == 403


def test_cli_review_tells_owners_and_purge_deletes_only_with_confirm(make: Factory, database_url: str, monkeypatch: Any) -> None:
    r = Region(make)
    r.state(r.th_a, "198.51.100.7", "green", retention_until=PAST)
    r.state(r.th_a, "198.51.100.8", "green", retention_until=PAST)
    r.state(r.ph_a, "198.51.100.9", "green", retention_until=FUTURE)
    monkeypatch.setenv("ASPJOC_DATABASE_URL", database_url)
    runner = CliRunner()
    reviewed = runner.invoke(cli, ["retention", "review"])
    assert reviewed.exit_code == 0, reviewed.output
    assert "Thai Cyber Unit" in reviewed.output and "Philippine" not in reviewed.output
    runner.invoke(cli, ["retention", "review"])
    with make.db.reader() as s:
        assert s.scalars(select(Notice.org_id).where(Notice.kind == "retention")).all() == [r.th.id]
    dry = runner.invoke(cli, ["retention", "purge"])
    assert dry.exit_code == 0 and "--confirm" in dry.output
    with make.db.reader() as s:
        assert s.scalar(select(func.count()).select_from(Statement)) == 3
    purged = runner.invoke(cli, ["retention", "purge", "--confirm"])
    assert purged.exit_code == 0, purged.output
    with make.db.reader() as s:
        assert s.scalars(select(Observable.value).join(Statement, Statement.observable_id == Observable.id)).all() == ["198.51.100.9"]
