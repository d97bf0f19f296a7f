"""Commands: ``aspjoc source add/list/run/enable/disable`` and ``aspjoc worker``."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from aspjoc.accounts import service as accounts
from aspjoc.intel.formats import FORMATS
from aspjoc.intel.sources import service
from aspjoc.intel.sources.fetch import new_client
from aspjoc.intel.sources.models import Source, SourceFetch
from aspjoc.intel.sources.runner import run_source
from aspjoc.intel.sources.worker import run_due, serve
from aspjoc.jobs import Schedule
from aspjoc.marking import TLP
from aspjoc.runtime import Runtime

console = Console()
source_app = typer.Typer(help="Configured feeds polled by `aspjoc worker`.", no_args_is_help=True)


@source_app.command("add")
def add(name: str, url: str,
        format: Annotated[str, typer.Option("--format", "-f", help=f"One of {', '.join(FORMATS)}")],
        org: Annotated[str, typer.Option(help="Owner organisation (name or id)")],
        tlp: Annotated[str, typer.Option(help="Default marking: clear, green, amber, amber+strict or red")] = "amber",
        interval: Annotated[int, typer.Option(help="Minutes between polls")] = 60,
        handling: Annotated[list[str] | None, typer.Option(help="Handling code (repeatable)")] = None,
        reliability: Annotated[str | None, typer.Option(help="Admiralty source reliability A-F")] = None,
        credibility: Annotated[int | None, typer.Option(help="Admiralty information credibility 1-6")] = None,
        map: Annotated[str, typer.Option("--map", help="Generic CSV columns: value=col,type=col,…")] = "",
        country: Annotated[str, typer.Option(help="Default country for phone numbers without +code")] = "",
        crime_type: Annotated[str, typer.Option(help="Crime type for records that carry none")] = "",
        disabled: Annotated[bool, typer.Option("--disabled", help="Add it switched off")] = False) -> None:
    """Add a source; it is polled at the worker's next tick."""
    rt = Runtime.from_environment()
    spec = service.SourceSpec(name=name, url=url, format=format, interval_minutes=interval, tlp=tlp,
                              handling=tuple(handling or ()), reliability=reliability, credibility=credibility,
                              column_map=map, crime_type=crime_type or None, default_region=country or None,
                              enabled=not disabled)
    with rt.unit_of_work() as session:
        source = service.add_source(session, None, accounts.find_organisation(session, org), spec, rt.clock.now())
        console.print(f"Added source [bold]{source.name}[/] (id {source.id}), polled every {source.interval_minutes} minutes.")


@source_app.command("list")
def list_() -> None:
    """List sources with their state and last fetch."""
    rt = Runtime.from_environment()
    with rt.db.reader() as session:
        table = Table("id", "name", "format", "owner", "marking", "every", "state", "last fetch", "error")
        for s in session.scalars(select(Source).order_by(Source.name)).unique():
            table.add_row(str(s.id), s.name, s.format, s.owner.name, f"TLP:{TLP(s.marking.tlp).label.upper()}",
                          f"{s.interval_minutes} min", service.state(s),
                          s.last_fetch_at.strftime("%Y-%m-%d %H:%M") if s.last_fetch_at else "never", s.last_error[:60])
        # Piped or captured output keeps one row per line rather than wrapping at 80 columns.
        (console if console.is_terminal else Console(width=200)).print(table)


def _print_fetch(name: str, fetch: SourceFetch) -> None:
    if fetch.outcome == "error":
        console.print(f"[red]{name}: failed[/] {fetch.error}")
    elif fetch.outcome == "unchanged":
        console.print(f"{name}: unchanged (HTTP 304)")
    else:
        console.print(f"{name}: read {fetch.read:,}, stored {fetch.stored:,}, new {fetch.new:,}, "
                      f"updated {fetch.updated:,}, rejected {fetch.rejected:,} ({fetch.bytes:,} bytes)")


@source_app.command("run")
def run(name: Annotated[str | None, typer.Argument(help="Source name or id; all due sources when left out")] = None) -> None:
    """Poll one source now (or every due source) and print the outcome; exit 1 if a poll failed."""
    rt = Runtime.from_environment()
    with new_client() as client:
        if name is None:
            fetches = run_due(rt.db, rt.clock, client)
        else:
            with rt.db.reader() as session:
                source_id = service.find_source(session, name).id
            fetches = [run_source(rt.db, source_id, rt.clock.now(), client)]
    with rt.db.reader() as session:
        names = dict(session.execute(select(Source.id, Source.name)).tuples().all())
    for fetch in fetches:
        _print_fetch(names.get(fetch.source_id, str(fetch.source_id)), fetch)
    if not fetches:
        console.print("No source is due.")
    if any(f.outcome == "error" for f in fetches):
        raise typer.Exit(1)


def _switch(name: str, enabled: bool) -> None:
    rt = Runtime.from_environment()
    with rt.unit_of_work() as session:
        source = service.find_source(session, name)
        service.set_enabled(session, None, source, enabled, rt.clock.now())
        console.print(f"{source.name}: {'enabled' if enabled else 'disabled'}.")


@source_app.command("enable")
def enable(name: str) -> None:
    """Switch polling of a source on (due at once)."""
    _switch(name, True)


@source_app.command("disable")
def disable(name: str) -> None:
    """Switch polling of a source off."""
    _switch(name, False)


def _print_all(fetches: list[SourceFetch]) -> None:
    for fetch in fetches:
        _print_fetch(str(fetch.source_id), fetch)


def worker(tick: Annotated[float, typer.Option(help="Seconds between looks for due sources")] = 30.0,
           once: Annotated[bool, typer.Option("--once", help="Poll what is due, then exit (for cron)")] = False) -> None:
    """Poll due sources and run the periodic jobs (freeze clocks, federation, matching index) until stopped."""
    rt = Runtime.from_environment()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    schedule = Schedule()

    def after_tick(done: list[SourceFetch]) -> None:
        _print_all(done)
        for name, result in schedule.run_due(rt.db, rt.settings, rt.clock.now()).items():
            console.print(f"{name}: {result}")

    with new_client() as client:
        if once:
            after_tick(run_due(rt.db, rt.clock, client))
            return
        console.print(f"Worker polling due sources every {tick:g} s; Ctrl-C to stop.")
        try:
            serve(rt.db, rt.clock, client, tick, stop, after_tick)
        except KeyboardInterrupt:
            stop.set()


def register(app: typer.Typer) -> None:
    app.add_typer(source_app, name="source")
    app.command("worker")(worker)
