"""Commands: ``aspjoc match reindex`` and ``aspjoc match rotate-key``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from aspjoc import audit
from aspjoc.runtime import Runtime
from aspjoc.sharing.matching import index, keys

console = Console(stderr=True)
match_app = typer.Typer(help="Private hit/no-hit matching: the keyed index and its keys.", no_args_is_help=True)


@match_app.command("reindex")
def reindex(full: Annotated[bool, typer.Option("--full", help="Reconcile everything, dropping entries of deleted statements")]
            = False) -> None:
    """Bring the matching index up to date with statements (queries do the quick part; schedule --full daily)."""
    rt = Runtime.from_environment()
    with rt.unit_of_work() as session:
        key = keys.current_key(session, rt.clock.now())
        with console.status("Indexing …"):
            seen = index.refresh(session, key, full=full)
    console.print(f"Index under key version {key.version} is current ({seen} holdings looked at).")


@match_app.command("rotate-key")
def rotate_key() -> None:
    """Make a new community key, retire the old ones and rebuild the index; nodes must fetch the new key."""
    rt = Runtime.from_environment()
    now = rt.clock.now()
    with rt.unit_of_work() as session:
        key = keys.rotate(session, now)
        with console.status(f"Re-keying the index under version {key.version} …"):
            seen = index.refresh(session, key, full=True)
        audit.record(session, None, "match.key.rotate", now, "matching_key", key.version, {"holdings": seen})
    console.print(f"Key version {key.version} in use; older versions retired; {seen} holdings re-keyed.")


def register(app: typer.Typer) -> None:
    app.add_typer(match_app, name="match")
