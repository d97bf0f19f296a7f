"""The operator's commands, run through the real Typer app against the test database.

In-process (Typer's runner) rather than as a subprocess: starting ``aspjoc`` imports every capability's
command group, which takes tens of seconds on a loaded two-core machine.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from stix2validator import ValidationOptions, validate_string
from typer.testing import CliRunner

from aspjoc.cli import app as cli_app

from aspjoc.intel.schemas import ObservableIn
from aspjoc.operations import targets
from aspjoc.operations.schemas import TargetIn
from operations_helpers import build_world
from support import Factory, bearer



def _run(database_url: str, *args: str) -> Any:
    return CliRunner().invoke(cli_app, ["operation", *args], env={"ASPJOC_DATABASE_URL": database_url, "COLUMNS": "200"})


def test_packages_command_writes_each_countrys_package(make: Factory, database_url: str, tmp_path: Path) -> None:
    w = build_world(make, tokens=False)
    op = w.operation(participants=("th", "ph"))
    w.state("th", "kit.phish.example", "red", "RED-TH case file", orgs=[w.th.id])
    with make.db.unit_of_work() as s:
        for value, country in (("kit.phish.example", "TH"), ("mule.phish.example", "PH")):
            targets.add_target(s, w.principal("hub"), op, TargetIn(observable=ObservableIn(value=value), country=country,
                                                                   action="takedown"), make.clock.now())
    result = _run(database_url, "packages", "Operation Coral Net", "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    folders = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert folders == [f"PH-{w.ph.id}", f"SG-{w.hub.id}", f"TH-{w.th.id}"]
    th = tmp_path / "out" / f"TH-{w.th.id}"
    text = subprocess.run(["pdftotext", str(th / "package.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    assert "kit.phish.example" in text and "RED-TH case file" in text and "mule.phish.example" not in text
    ph_html = (tmp_path / "out" / f"PH-{w.ph.id}" / "package.html").read_text()
    assert "mule.phish.example" in ph_html and "RED-TH" not in ph_html
    assert validate_string((th / "package.stix.json").read_text(), ValidationOptions(version="2.1")).is_valid
    missing = _run(database_url, "packages", "Operation Nowhere", "--out", str(tmp_path / "x"))
    assert missing.exit_code != 0 and missing.exception.field == "operation"


def test_check_clocks_command_expires_a_request_whose_clock_ran_out(client: Any, make: Factory, database_url: str) -> None:
    w = build_world(make)
    body = {"account": {"value": "TH:004:1234567890"}, "acting_org": "Thai Cyber Unit", "institution_name": "Bank",
            "amount": "10", "currency": "USD"}
    freeze = client.post("/api/v1/freezes", json=body, headers=bearer(w.tokens["ph"])).json()
    # The command runs on the real clock, months after the test clock's 2026-06-01 start.
    result = _run(database_url, "check-clocks")
    assert result.exit_code == 0, result.output
    assert f"FR-{freeze['id']} (freeze): expired" in result.output and "1 alert sent." in result.output
    assert client.get(f"/api/v1/freezes/{freeze['id']}", headers=bearer(w.tokens["ph"])).json()["status"] == "expired"
    again = _run(database_url, "check-clocks")
    assert "0 alerts sent." in again.output
