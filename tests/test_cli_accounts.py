"""The CLI as an operator scripts it: init, org add, user add (password on stdin), token create."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from aspjoc.cli import app as cli
from aspjoc.config import Settings
from aspjoc.web.app import create_app


def test_operator_creates_org_user_and_token_that_the_api_accepts(tmp_path: Path, monkeypatch: Any) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("ASPJOC_DATABASE_URL", url)
    runner = CliRunner()
    assert runner.invoke(cli, ["init"]).exit_code == 0
    assert runner.invoke(cli, ["init"]).exit_code == 0
    added = runner.invoke(cli, ["org", "add", "Tonga Police Cyber Unit", "--country", "TO", "--kind", "law_enforcement"])
    assert added.exit_code == 0, added.output
    user = runner.invoke(cli, ["user", "add", "analyst@to.aspjoc.test", "--org", "Tonga Police Cyber Unit", "--role", "analyst"],
                         input="a long enough password\n")
    assert user.exit_code == 0, user.output
    token = runner.invoke(cli, ["token", "create", "analyst@to.aspjoc.test"])
    assert token.exit_code == 0
    value = token.stdout.strip().splitlines()[-1]
    assert value.startswith("aspjoc_")
    with TestClient(create_app(Settings(database_url=url))) as client:
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {value}"})
    assert me.status_code == 200 and me.json()["organisation"]["country"] == "TO"


def test_bad_input_is_reported_by_field_not_a_traceback(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("ASPJOC_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    runner = CliRunner()
    runner.invoke(cli, ["init"])
    bad = runner.invoke(cli, ["org", "add", "Atlantis Unit", "--country", "QQ"])
    assert bad.exit_code != 0
    assert isinstance(bad.exception, Exception) and "country" in str(bad.exception)
