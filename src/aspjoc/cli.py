"""The ``aspjoc`` command: a thin shell over the services; one command group per capability."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from aspjoc import audit
from aspjoc.capabilities import parts
from aspjoc.errors import AspjocError
from aspjoc.migrate import upgrade
from aspjoc.runtime import Runtime

app = typer.Typer(help="aspjoc: threat intelligence, sharing and operations for a regional cybercrime programme.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
for _capability in parts("cli"):
    _capability.register(app)
console = Console(stderr=True)


@app.command()
def init() -> None:
    """Create or upgrade the database schema."""
    rt = Runtime.from_environment()
    upgrade(rt.settings.database_url)
    console.print(f"Database ready at {rt.settings.database_url}")


@app.command()
def serve(host: Annotated[str | None, typer.Option(help="Address to listen on")] = None,
          port: Annotated[int | None, typer.Option(help="Port")] = None,
          workers: Annotated[int, typer.Option(help="Worker processes")] = 1) -> None:
    """Serve the console, the API, TAXII and the public portal."""
    import uvicorn

    rt = Runtime.from_environment()
    host = host or rt.settings.host
    rt.settings.check_safe_to_serve(host)
    uvicorn.run("aspjoc.web.asgi:app", host=host, port=port or rt.settings.port, workers=workers,
                log_level="info", proxy_headers=True)


@app.command()
def demo(seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same data")] = 7) -> None:
    """Load the demo region (idempotent) and print the demo sign-ins."""
    from aspjoc.demo import DEMO_PASSWORD, load_demo

    rt = Runtime.from_environment()
    upgrade(rt.settings.database_url)
    with rt.unit_of_work() as session:
        result = load_demo(session, rt.clock.now(), seed=seed, progress=True, data_dir=rt.settings.data_dir)
    console.print(f"Demo region: {result.organisations} organisations, {result.users} users, "
                  f"{result.statements:,} statements ({'already loaded' if not result.created else 'loaded'}).")
    console.print(f"Sign in with any of these (password [bold]{DEMO_PASSWORD}[/]):")
    for email, org in result.sign_ins:
        console.print(f"  {email:<34} {org}")


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the audit chain; exit 1 and name the first broken link on tampering."""
    rt = Runtime.from_environment()
    with rt.db.reader() as session:
        checked, broken = audit.verify(session)
    if broken is not None:
        console.print(f"[red]Audit chain broken at event {broken.event_id}[/]: {broken.reason} ({checked} events before it are intact).")
        raise typer.Exit(1)
    console.print(f"Audit chain intact: {checked} events.")


def main() -> None:
    try:
        app()
    except AspjocError as exc:
        console.print(f"[red]error[/] {exc.field}: {exc.reason}")
        raise SystemExit(2) from exc


if __name__ == "__main__":
    main()
