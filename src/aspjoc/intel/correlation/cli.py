"""Commands: ``aspjoc retention review`` and ``aspjoc retention purge --confirm``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from aspjoc.accounts import service as accounts
from aspjoc.intel import retention
from aspjoc.runtime import Runtime

console = Console()
retention_app = typer.Typer(help="Statements past their retention date: review, then delete.", no_args_is_help=True)


@retention_app.command("review")
def review(notify: Annotated[bool, typer.Option(help="Send each owner organisation a notice to review them")] = True) -> None:
    """List, per owner organisation, the statements past their retention date (and tell the owners)."""
    rt = Runtime.from_environment()
    with rt.unit_of_work() as session:
        counts = retention.review(session, rt.clock.now(), notify=notify)
    table = Table("organisation", "statements due", "oldest retention date", title="Past retention")
    for c in counts:
        table.add_row(c.org_name, f"{c.count:,}", c.oldest.strftime("%Y-%m-%d") if c.oldest else "")
    console.print(table if counts else "Nothing is past its retention date.")


@retention_app.command("purge")
def purge(confirm: Annotated[bool, typer.Option("--confirm", help="Really delete; without it, only say what would go")] = False,
          org: Annotated[str, typer.Option(help="Only this organisation's statements (name or id)")] = "") -> None:
    """Delete every statement past its retention date, with an audit entry each."""
    rt = Runtime.from_environment()
    now = rt.clock.now()
    with rt.unit_of_work() as session:
        org_id = accounts.find_organisation(session, org).id if org else None
        due = [c for c in retention.review(session, now, notify=False) if org_id is None or c.org_id == org_id]
        total = sum(c.count for c in due)
        if not confirm:
            console.print(f"{total:,} statements are past their retention date; run again with --confirm to delete them.")
            session.rollback()
            return
        with Progress(TextColumn("[bold]purge[/]"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console) as bar:
            task = bar.add_task("purge", total=total)
            deleted = retention.purge(session, now, org_id, progress=lambda done: bar.update(task, completed=done))
    console.print(f"Deleted {deleted:,} statements past their retention date (each recorded in the audit log).")


def register(app: typer.Typer) -> None:
    app.add_typer(retention_app, name="retention")
