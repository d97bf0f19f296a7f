"""``aspjoc evidence``: check stored evidence files against their intake hashes."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.progress import Progress
from sqlalchemy import func, select

from aspjoc.operations.evidence.models import EvidenceItem
from aspjoc.operations.evidence.store import EvidenceStore
from aspjoc.operations.evidence.verify import verify_all
from aspjoc.runtime import Runtime

evidence_app = typer.Typer(help="Evidence files and their chain of custody.", no_args_is_help=True)
console = Console()


@evidence_app.command("verify")
def verify() -> None:
    """Re-hash every stored evidence file; exit 1 and name each file that was changed or removed."""
    rt = Runtime.from_environment()
    store = EvidenceStore.for_data_dir(rt.settings.data_dir)
    with rt.unit_of_work() as session:
        total = session.scalar(select(func.count()).select_from(EvidenceItem)) or 0
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("Hashing evidence files", total=total)
            findings = verify_all(session, store, rt.clock.now(), lambda n: progress.advance(task, n))
    bad = [f for f in findings if not f.ok]
    if not bad:
        console.print(f"All {len(findings)} evidence files match their intake hashes.")
        return
    console.print(f"[red]{len(bad)} of {len(findings)} evidence files fail their check:[/]")
    for f in bad:
        found = f"now hashes to {f.actual}" if f.actual else "is missing"
        console.print(f"  evidence {f.item_id} ({f.filename}) {f.status}: {f.path} {found}; intake SHA-256 {f.expected}",
                      soft_wrap=True, highlight=False)
    raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(evidence_app, name="evidence")
