"""Commands: ``aspjoc export blocklist`` (offline delivery on removable media) and ``aspjoc blocklist refresh|list``.

An offline delivery is kept as a subscription without a token or URL, named by ``--name``: the
next delivery under the same name diffs against the last one, so ``--removed-out`` can tell the
receiver what to unblock, and every line traces back to its statements like a fed list.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.disruption import feeds, formats, service
from aspjoc.disruption.models import Subscription
from aspjoc.disruption.refresh import refresh, subscriber_principal
from aspjoc.errors import InvalidInput, NotFound
from aspjoc.runtime import Runtime
from aspjoc.sharing.cli import export_group

console = Console(stderr=True)
blocklist_app = typer.Typer(help="Block lists: refresh them, list them.", no_args_is_help=True)


def _progress() -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console)


def blocklist(
    out: Annotated[Path, typer.Option("--out", help="File to write the list to")],
    format: Annotated[str | None, typer.Option("--format", help=f"One of {', '.join(formats.FORMATS)}")] = None,
    org: Annotated[str | None, typer.Option("--org", help="The receiving organisation (name or id)")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Name of the offline delivery (default: offline <format>)")] = None,
    subscription: Annotated[int | None, typer.Option("--subscription", help="Export this subscription instead")] = None,
    crime_type: Annotated[list[str] | None, typer.Option("--crime-type", help="Crime type (repeatable)")] = None,
    type: Annotated[list[str] | None, typer.Option("--type", help="Identifier type (repeatable)")] = None,
    min_score: Annotated[int | None, typer.Option("--min-score", help="Leave out statements scoring below this")] = None,
    max_age_days: Annotated[int | None, typer.Option("--max-age-days", help="Only statements seen within N days")] = None,
    owner: Annotated[list[str] | None, typer.Option("--owner", help="Only statements of this organisation (repeatable)")] = None,
    removed_out: Annotated[Path | None, typer.Option("--removed-out", help="Also write what was removed since --since")] = None,
    since: Annotated[int, typer.Option("--since", help="Serial of the receiver's previous delivery")] = 0,
) -> None:
    """Refresh and write a block list for an organisation (or a subscription) to a file, e.g. on removable media."""
    rt = Runtime.from_environment()
    now = rt.clock.now()
    with rt.unit_of_work() as session, _progress() as bar:
        if subscription is not None:
            target = session.get(Subscription, subscription)
            if target is None:
                raise NotFound("--subscription", f"no block list {subscription}")
        else:
            if not format or not org:
                raise InvalidInput("--format/--org", "name the format and the receiving organisation (or --subscription)")
            data = service.SubscriptionData(name=name or f"offline {format}", subscriber=org, format=format,
                                            crime_types=tuple(crime_type or ()), types=tuple(type or ()),
                                            min_score=min_score, max_age_days=max_age_days, owners=tuple(owner or ()))
            target = service.create_offline(session, data, now)
        step = bar.add_task("Selecting and refreshing", total=None)
        result = refresh(session, target, now)
        bar.update(step, total=1, completed=1)
        writing = bar.add_task(f"Writing {out.name}", total=result.entries)
        with out.open("w", encoding="utf-8", newline="") as sink:
            for chunk in feeds.render(session, target, now, rt.settings, lambda n: bar.advance(writing, n)):
                sink.write(chunk)
        bar.update(writing, completed=result.entries)
        removed = _write_removed(session, target, since, removed_out)
        audit.record(session, subscriber_principal(session, target), "blocklist.export", now, "blocklist_subscription",
                     target.id, {"format": target.format, "serial": target.serial, "entries": result.entries,
                                 "out": str(out), "removed_since": since if removed_out else None, "removed": removed})
    console.print(f"Wrote {result.entries:,} entries of '{target.name}' (serial {target.serial}: {result.added:,} added, "
                  f"{result.removed:,} removed) to {out}." + (f" {removed:,} removed since serial {since} in {removed_out}."
                                                               if removed_out else ""))


def _write_removed(session: Session, target: Subscription, since: int, path: Path | None) -> int:
    if path is None:
        return 0
    count = 0
    with path.open("w", encoding="utf-8") as sink:
        for row in feeds.removed_since(session, target, since):
            sink.write(f"{row.value}\n")
            count += 1
    return count


@blocklist_app.command("refresh")
def refresh_command(
    ids: Annotated[list[int] | None, typer.Argument(help="Subscriptions to refresh (all active ones by default)")] = None,
) -> None:
    """Refresh block lists now (for a scheduler); each is its own unit of work."""
    rt = Runtime.from_environment()
    with rt.db.reader() as session:
        targets = ids or list(session.scalars(select(Subscription.id).where(Subscription.active.is_(True))
                                              .order_by(Subscription.id)))
    with _progress() as bar:
        task = bar.add_task("Refreshing block lists", total=len(targets))
        for subscription_id in targets:
            with rt.unit_of_work() as session:
                target = session.get(Subscription, subscription_id)
                if target is None:
                    raise NotFound("id", f"no block list {subscription_id}")
                result = refresh(session, target, rt.clock.now())
            console.print(f"{subscription_id}: serial {result.serial}, {result.entries:,} entries "
                          f"(+{result.added:,} −{result.removed:,} ~{result.changed:,})")
            bar.advance(task)


@blocklist_app.command("list")
def list_command() -> None:
    """Every block list: subscriber, format, serial, entries."""
    rt = Runtime.from_environment()
    table = Table("id", "name", "subscriber", "format", "serial", "entries", "refreshed", "state")
    with rt.db.reader() as session:
        for s in session.scalars(select(Subscription).order_by(Subscription.id)).unique():
            state = "paused" if not s.active else ("offline" if s.token_hash is None else "serving")
            table.add_row(str(s.id), s.name, s.subscriber.name, s.format, str(s.serial), f"{s.entry_count:,}",
                          s.refreshed_at.isoformat() if s.refreshed_at else "", state)
    Console().print(table)


def register(app: typer.Typer) -> None:
    export_group(app).command("blocklist")(blocklist)
    app.add_typer(blocklist_app, name="blocklist")
