"""Commands: ``aspjoc export stix``, ``aspjoc sync`` and ``aspjoc remote add|list|remove`` (TAXII remotes)."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, BinaryIO

import typer
from rich.console import Console
from rich.progress import Progress, TaskID
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.access import Principal
from aspjoc.accounts import service as accounts
from aspjoc.errors import InvalidInput
from aspjoc.intel.service import StatementFilter
from aspjoc.runtime import Runtime
from aspjoc.sharing import service
from aspjoc.sharing.federation import run_remote
from aspjoc.sharing.stix.export import selection_conditions, stream_bundle
from aspjoc.sharing.stix.rows import statement_rows

console = Console(stderr=True)
remote_app = typer.Typer(help="Remote TAXII 2.1 collections to pull from and push to (federation, feeds).",
                         no_args_is_help=True)


def export_group(app: typer.Typer) -> typer.Typer:
    """The ``export`` command group, shared with other capabilities: found if one registered it first, else made."""
    for group in app.registered_groups:
        if group.name == "export" and isinstance(group.typer_instance, typer.Typer):
            return group.typer_instance
    group_app = typer.Typer(help="Export what you may export: STIX bundles, MISP feeds.", no_args_is_help=True)
    app.add_typer(group_app, name="export")
    return group_app


def acting_as(session: Session, org: str | None, user: str | None) -> Principal:
    """The principal an export runs as: a user (``--user``) or a whole organisation (``--org``), exactly one."""
    if bool(org) == bool(user):
        raise InvalidInput("--org/--user", "name exactly one: the organisation or the user the export is for")
    if user:
        return accounts.principal_for(session, accounts.find_user(session, user))
    assert org is not None
    return accounts.principal_for_org(session, accounts.find_organisation(session, org))


def stix(
    out: Annotated[Path, typer.Option("--out", help="File to write the bundle to ('-' for standard output)")],
    org: Annotated[str | None, typer.Option("--org", help="Export as this organisation (name or id)")] = None,
    user: Annotated[str | None, typer.Option("--user", help="Export as this user (e-mail or id)")] = None,
    type: Annotated[str | None, typer.Option(help="Observable type")] = None,
    crime_type: Annotated[str | None, typer.Option(help="Crime type")] = None,
    owner: Annotated[str | None, typer.Option(help="Owner organisation (name or id)")] = None,
    kind: Annotated[str | None, typer.Option(help="Statement kind")] = None,
    since: Annotated[str | None, typer.Option(help="Only statements changed at or after this ISO time")] = None,
    tag: Annotated[list[str] | None, typer.Option(help="Source tag (any case); repeat for statements carrying any of several")] = None,
    interop: Annotated[bool, typer.Option("--interop", help="TLP 1.0 marking ids where one exists")] = False,
) -> None:
    """Write a STIX 2.1 bundle of the statements the organisation or user may export."""
    rt = Runtime.from_environment()
    now = rt.clock.now()
    try:
        after = datetime.fromisoformat(since) if since else None
    except ValueError as exc:
        raise InvalidInput("--since", f"'{since}' is not an ISO time such as 2026-06-01T00:00:00Z") from exc
    flt = StatementFilter(type=type, crime_type=crime_type, owner=owner, kind=kind, since=after, tags=tuple(tag or ()))
    with rt.unit_of_work() as session:
        principal = acting_as(session, org, user)
        conditions = selection_conditions(session, principal, flt)
        total = session.scalar(select(func.count()).select_from(statement_rows().where(*conditions).subquery())) or 0
        with Progress(console=console) as bar, _open(out) as sink:
            task = bar.add_task("STIX bundle", total=total)
            for chunk in stream_bundle(session, principal, flt, now, interop, progress=lambda n: bar.advance(task, n)):
                sink.write(chunk.encode())
        audit.record(session, principal, "export.stix", now, detail={
            "statements": total, "type": type, "crime_type": crime_type, "owner": owner, "kind": kind, "since": since,
            "tags": list(flt.tags), "interop": interop, "out": str(out)})
    console.print(f"Wrote {total:,} statements to {out}.")


class _open:
    """The output file, or standard output for '-'."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.file: BinaryIO | None = None

    def __enter__(self) -> BinaryIO:
        if str(self.path) == "-":
            return sys.stdout.buffer
        self.file = self.path.open("wb")
        return self.file

    def __exit__(self, *exc: object) -> None:
        if self.file is not None:
            self.file.close()


def sync(names: Annotated[list[str] | None, typer.Argument(help="Remotes to run (all enabled ones by default)")] = None) -> None:
    """Push to and pull from the remote TAXII collections now; exit 1 if any failed."""
    rt = Runtime.from_environment()
    with rt.db.reader() as session:
        remotes = [service.find_remote(session, n) for n in names] if names else [
            r for r in service.list_remotes(session) if r.enabled]
        targets = [(r.id, r.name) for r in remotes]
    failed = False
    for remote_id, name in targets:
        with Progress(console=console, transient=True) as bar:
            tasks = {"push": bar.add_task(f"{name}: push", total=None), "pull": bar.add_task(f"{name}: pull", total=None)}

            def advance(step: str, count: int, bar: Progress = bar, tasks: dict[str, TaskID] = tasks) -> None:
                bar.advance(tasks[step], count)

            result = run_remote(rt.db, remote_id, rt.clock.now(), progress=advance,
                                default_region=rt.settings.default_region)
        state = f"[red]failed[/]: {result.error}" if result.error else "done"
        console.print(f"{name}: {state}; pushed {result.pushed:,}, pulled {result.pulled:,}, refused {result.refused:,}.")
        failed |= bool(result.error)
    if failed:
        raise typer.Exit(1)


@remote_app.command("add")
def remote_add(
    name: str,
    url: Annotated[str, typer.Option(help="URL of the remote TAXII API root, e.g. https://hub.example/taxii2/aspjoc/")],
    collection: Annotated[str, typer.Option(help="Id of the remote collection")],
    org: Annotated[str, typer.Option(help="Local organisation the sync acts for")],
    username: Annotated[str, typer.Option(help="Account on the remote (basic auth)")] = "",
    auth: Annotated[str, typer.Option(help="basic, bearer or none")] = "basic",
    direction: Annotated[str, typer.Option(help="pull, push or both")] = "both",
    interval: Annotated[int, typer.Option(help="Minutes between scheduled runs")] = 60,
    page_size: Annotated[int, typer.Option(help="Objects per page and per push")] = 1000,
) -> None:
    """Configure a remote collection; the password or token is read from standard input."""
    secret = "" if auth == "none" else sys.stdin.readline().strip()
    rt = Runtime.from_environment()
    with rt.unit_of_work() as session:
        acting = accounts.find_organisation(session, org)
        spec = service.RemoteSpec(name, url, collection, acting.id, direction, auth, username, secret, page_size, interval)
        remote = service.add_remote(session, None, spec, rt.clock.now())
        console.print(f"Added remote [bold]{remote.name}[/] ({remote.api_root_url}, {remote.direction}).")


@remote_app.command("list")
def remote_list() -> None:
    """List the remotes with their cursors, totals and last error."""
    rt = Runtime.from_environment()
    with rt.db.reader() as session:
        table = Table("name", "url", "collection", "direction", "pulled", "pushed", "last run", "last error")
        for r in service.list_remotes(session):
            table.add_row(r.name, r.api_root_url, r.collection_id, r.direction, f"{r.pulled_total:,}",
                          f"{r.pushed_total:,}", f"{r.last_run_at:%Y-%m-%d %H:%M}" if r.last_run_at else "never",
                          r.last_error[:80])
        Console().print(table)


@remote_app.command("remove")
def remote_remove(name: str) -> None:
    """Remove a remote (what it brought stays)."""
    rt = Runtime.from_environment()
    with rt.unit_of_work() as session:
        service.remove_remote(session, None, name, rt.clock.now())
    console.print(f"Removed remote {name}.")


def register(app: typer.Typer) -> None:
    export_group(app).command("stix")(stix)
    app.command("sync")(sync)
    app.add_typer(remote_app, name="remote")

