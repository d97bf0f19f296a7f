"""Commands for operations: list them, write every country's package, run the freeze clocks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.accounts.models import Organisation
from aspjoc.errors import NotFound
from aspjoc.marking import TLP
from aspjoc.operations import scope
from aspjoc.operations.clock_alerts import check_clocks
from aspjoc.operations.models import Operation, Package
from aspjoc.operations.packages import generate_packages
from aspjoc.runtime import Runtime

console = Console()
operation_app = typer.Typer(help="Operations: packages for each country, freeze and stop-payment clocks.",
                            no_args_is_help=True)


def _find(session: Session, ref: str) -> Operation:
    found = session.get(Operation, int(ref)) if ref.isdigit() else None
    found = found or session.scalar(select(Operation).where(Operation.name == ref))
    if found is None:
        raise NotFound("operation", f"no operation '{ref}'")
    return found


def _write(out: Path, package: Package) -> Path:
    folder = out / f"{package.country}-{package.org_id}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "package.html").write_text(package.html, encoding="utf-8")
    (folder / "package.pdf").write_bytes(package.pdf)
    (folder / "package.stix.json").write_text(package.stix, encoding="utf-8")
    return folder


@operation_app.command("packages")
def packages(operation: Annotated[str, typer.Argument(help="Operation id or name")],
             out: Annotated[Path, typer.Option("--out", help="Folder to write one sub-folder per country into")]) -> None:
    """Generate every participating country's package and write each as HTML, PDF and STIX into OUT.

    Each package holds what its own country's organisation may see; hand each folder to that country only.
    """
    rt = Runtime.from_environment()
    with rt.unit_of_work() as session:
        op = _find(session, operation)
        orgs = scope.acting_orgs(session, op)
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console) as progress:
            task = progress.add_task("Packages", total=len(orgs))

            def step(org: Organisation) -> None:
                progress.update(task, advance=1, description=f"Packages ({org.country})")

            made = generate_packages(session, op, rt.clock.now(), progress=step)
        table = Table("country", "organisation", "targets", "TLP", "folder")
        for package in made:
            table.add_row(package.country, package.organisation.name, str(package.targets),
                          TLP(package.tlp).label.upper(), str(_write(out, package)))
        audit.record(session, None, "operation.packages.export", rt.clock.now(), "operation", op.id,
                     {"folder": str(out), "countries": [p.country for p in made]})
    console.print(table)


@operation_app.command("list")
def list_operations() -> None:
    """Every operation on this instance (an operator's view)."""
    rt = Runtime.from_environment()
    with rt.db.reader() as session:
        table = Table("id", "name", "crime type", "period", "status", "countries")
        for op in session.scalars(select(Operation).order_by(Operation.starts_on.desc())).unique():
            table.add_row(str(op.id), op.name, op.crime_type, f"{op.starts_on} – {op.ends_on}", op.status,
                          ", ".join(scope.acting_countries(session, op)))
        console.print(table)


@operation_app.command("check-clocks")
def check_clocks_command() -> None:
    """Alert before freeze and stop-payment clocks run out, and expire those that have (run every few minutes)."""
    rt = Runtime.from_environment()
    with rt.unit_of_work() as session:
        alerts = check_clocks(session, rt.clock.now(), rt.settings.freeze_alert_hours)
    for alert in alerts:
        what = "expired" if alert.expired else f"{alert.threshold_minutes // 60} h {alert.threshold_minutes % 60:02d} min alert"
        console.print(f"FR-{alert.freeze_id} ({alert.stage}): {what}")
    console.print(f"{len(alerts)} alert{'s' if len(alerts) != 1 else ''} sent.")


def register(app: typer.Typer) -> None:
    app.add_typer(operation_app, name="operation")
