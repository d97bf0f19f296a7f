"""Commands: ``aspjoc export misp-feed`` and ``aspjoc misp remote-add|remotes|pull|push``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from aspjoc.access import Principal
from aspjoc.accounts import service as accounts
from aspjoc.errors import InvalidInput
from aspjoc.runtime import Runtime
from aspjoc.sharing.misp.models import MispRemote

# ``feed`` and ``sync`` import PyMISP, whose import (jsonschema's format checkers) costs over a second:
# they are imported inside the commands that use them, so every other command starts quickly.

console = Console(stderr=True)
misp_app = typer.Typer(help="MISP servers: configure remotes, pull from and push to them.", no_args_is_help=True)


def export_group(app: typer.Typer) -> typer.Typer:
    """The ``export`` command group, shared with other capabilities: found if one registered it first, else made."""
    for group in app.registered_groups:
        if group.name == "export" and isinstance(group.typer_instance, typer.Typer):
            return group.typer_instance
    group_app = typer.Typer(help="Export what you may export: STIX bundles, MISP feeds.", no_args_is_help=True)
    app.add_typer(group_app, name="export")
    return group_app


def principal_of(session: Session, org: str | None, user: str | None) -> Principal:
    """The principal an export runs as: a user (``--user``) or a whole organisation (``--org``), exactly one."""
    if bool(org) == bool(user):
        raise InvalidInput("--org/--user", "name exactly one: the organisation or the user the export is for")
    if user:
        return accounts.principal_for(session, accounts.find_user(session, user))
    assert org is not None
    return accounts.principal_for_org(session, accounts.find_organisation(session, org))


def misp_feed(
    out: Annotated[Path, typer.Option("--out", help="Folder to write manifest.json, <uuid>.json and hashes.csv into")],
    org: Annotated[str | None, typer.Option("--org", help="Export as this organisation (name or id)")] = None,
    user: Annotated[str | None, typer.Option("--user", help="Export as this user (e-mail or id)")] = None,
    since: Annotated[str | None, typer.Option(help="Events changed since: Unix seconds, ISO time or a span such as 7d")] = None,
    owner: Annotated[str | None, typer.Option(help="Only events of this owner or creator organisation")] = None,
    tag: Annotated[list[str] | None, typer.Option(help="Event or attribute tag (repeat for any of several; !tag excludes)")] = None,
    type: Annotated[list[str] | None, typer.Option(help="MISP attribute type (repeat for any of several)")] = None,
    published: Annotated[bool | None, typer.Option("--published/--unpublished", help="Only published or unpublished events")] = None,
) -> None:
    """Write a MISP feed of the events the organisation or user may export."""
    from aspjoc.sharing.misp import feed

    rt = Runtime.from_environment()
    now = rt.clock.now()
    with rt.unit_of_work() as session:
        principal = principal_of(session, org, user)
        params = feed.feed_params(now, since, owner, tag, type, published)
        total = feed.count_events(session, principal, params)
        with Progress(console=console) as bar:
            task = bar.add_task("MISP feed", total=total)
            summary = feed.write_feed(session, principal, params, feed.FolderSink(out), now,
                                      progress=lambda n: bar.advance(task, n))
    console.print(f"Wrote {summary.events} events ({summary.attributes} attributes) to {out}.")


@misp_app.command("remote-add")
def remote_add(
    name: str,
    url: Annotated[str, typer.Option(help="Base URL of the remote MISP (for aspjoc: https://host/misp/)")],
    org: Annotated[str, typer.Option(help="Local organisation the link acts for: owns what is pulled, exports what is pushed")],
    key: Annotated[str | None, typer.Option(help="API key on the remote; read from standard input when left out")] = None,
    peer_org: Annotated[str | None, typer.Option(help="Local record of the remote's organisation (for sharing groups)")] = None,
    direction: Annotated[str, typer.Option(help="pull, push or both")] = "both",
    verify_ssl: Annotated[bool, typer.Option("--verify-ssl/--no-verify-ssl")] = True,
) -> None:
    """Configure a remote MISP server."""
    from aspjoc.sharing.misp import sync

    api_key = key or sys.stdin.readline().strip()
    if not api_key:
        raise InvalidInput("key", "give the remote's API key with --key or on standard input")
    rt = Runtime.from_environment()
    with rt.unit_of_work() as session:
        acting = accounts.find_organisation(session, org)
        peer = accounts.find_organisation(session, peer_org).id if peer_org else None
        remote = sync.add_remote(session, name, url, api_key, acting.id, rt.clock.now(), peer, direction, verify_ssl)
        console.print(f"Added remote [bold]{remote.name}[/] ({remote.url}, {remote.direction}).")


@misp_app.command("remotes")
def remotes() -> None:
    """List the configured remotes with their watermarks and last error."""
    rt = Runtime.from_environment()
    with rt.db.reader() as session:
        table = Table("name", "url", "acts for", "direction", "pulled until", "pushed until", "last error")
        for r in session.scalars(select(MispRemote).order_by(MispRemote.name)).unique():
            table.add_row(r.name, r.url, r.org.name, r.direction, str(r.pulled_until), str(r.pushed_until), r.last_error[:80])
        Console().print(table)


def _run(direction: str, names: list[str] | None) -> None:
    from aspjoc.sharing.misp import sync

    rt = Runtime.from_environment()
    failed = False
    with rt.unit_of_work() as session:
        query = select(MispRemote).where(MispRemote.direction.in_((direction, "both"))).order_by(MispRemote.name)
        if names:
            query = query.where(MispRemote.name.in_(names))
        for remote in session.scalars(query).unique().all():
            with console.status(f"{direction} {remote.name} …"):
                step = sync.pull if direction == "pull" else sync.push
                result = step(session, remote, rt.clock.now())
            failed |= result.failed is not None
            state = f"[red]failed[/]: {result.failed}" if result.failed else "done"
            console.print(f"{remote.name}: {direction} {state}; {result.events} events, {result.attributes} attributes, "
                          f"{result.skipped} skipped, {len(result.problems)} problems.")
            for problem in result.problems[:20]:
                console.print(f"  {problem}")
    if failed:
        raise typer.Exit(1)


@misp_app.command("pull")
def pull(names: Annotated[list[str] | None, typer.Argument(help="Remotes to pull (all pull remotes by default)")] = None) -> None:
    """Pull what changed on the remotes since the last pull."""
    _run("pull", names)


@misp_app.command("push")
def push(names: Annotated[list[str] | None, typer.Argument(help="Remotes to push to (all push remotes by default)")] = None) -> None:
    """Push what changed here since the last push, as far as distributions and markings allow."""
    _run("push", names)


def register(app: typer.Typer) -> None:
    app.add_typer(misp_app, name="misp")
    export_group(app).command("misp-feed")(misp_feed)
