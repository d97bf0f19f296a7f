"""``aspjoc report``: an assessment, activity report, advisory or bulletin straight to PDF, HTML, Markdown or STIX."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from aspjoc.accounts import service as accounts
from aspjoc.errors import InvalidInput
from aspjoc.marking import TLP, MarkingSpec
from aspjoc.products.export import render
from aspjoc.products.generate import SECTION_TITLES, sections_of
from aspjoc.products.models import ProductKind
from aspjoc.products.preview import preview
from aspjoc.products.scope import Scope
from aspjoc.runtime import Runtime

console = Console(stderr=True)
report_app = typer.Typer(help="Intelligence products straight to a file (a draft: approval goes through the console).",
                         no_args_is_help=True)
FORMATS = {".pdf": "pdf", ".html": "html", ".md": "md", ".json": "json"}

From = Annotated[str, typer.Option("--from", help="First day of the period, YYYY-MM-DD.")]
To = Annotated[str, typer.Option("--to", help="Last day of the period (included), YYYY-MM-DD.")]
Countries = Annotated[list[str] | None, typer.Option("--country", help="ISO 3166 code; repeat for several (default: all).")]
Level = Annotated[str, typer.Option("--tlp", help="Marking of the product: clear, green, amber, amber+strict or red.")]
Org = Annotated[str | None, typer.Option("--org", help="Author organisation (name or id): its whole view.")]
UserRef = Annotated[str | None, typer.Option("--user", help="Author user (e-mail or id): the user's view.")]
Recipients = Annotated[list[str] | None, typer.Option("--recipient", help="Recipient organisation for AMBER and narrower; repeat.")]
Crime = Annotated[str | None, typer.Option("--crime-type", help="One crime type (required for advisories and bulletins).")]
Out = Annotated[Path, typer.Option("--out", help="Output file: .pdf, .html, .md or .json (STIX 2.1).")]
Title = Annotated[str, typer.Option("--title", help="Title; a descriptive one is made when left out.")]


def _day(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(field, f"'{text}' is not a date; use YYYY-MM-DD") from None


def _run(kind: ProductKind, start: str, end: str, countries: list[str] | None, tlp: str, org: str | None,
         user: str | None, recipients: list[str] | None, crime_type: str | None, out: Path, title: str) -> None:
    fmt = FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise InvalidInput("--out", f"'{out.name}' must end in {', '.join(FORMATS)}")
    if (org is None) == (user is None):
        raise InvalidInput("--org", "name the author: either --org ORG or --user EMAIL")
    scope = Scope(_day(start, "--from"), _day(end, "--to"), tuple(sorted({c.upper() for c in countries or []})), crime_type)
    rt = Runtime.from_environment()
    now: datetime = rt.clock.now()
    names = sections_of(kind)
    with rt.unit_of_work() as session, Progress(TextColumn("{task.description:<36}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                                                TimeElapsedColumn(), console=console) as bar:
        author = accounts.find_user(session, user) if user else None
        principal = (accounts.principal_for(session, author) if author
                     else accounts.principal_for_org(session, accounts.find_organisation(session, org or "")))
        assert principal.org_id is not None
        orgs = frozenset(accounts.find_organisation(session, r).id for r in recipients or [])
        spec = MarkingSpec(principal.org_id, TLP.parse(tlp, "--tlp"), orgs=orgs)
        task = bar.add_task(SECTION_TITLES[names[0]], total=len(names) + 1)

        def advance(done: str) -> None:
            following = names.index(done) + 1
            bar.update(task, advance=1, description=SECTION_TITLES[names[following]] if following < len(names)
                       else f"Rendering {fmt.upper()}")

        product = preview(session, principal, kind, scope, spec, now, title, advance)
        rendered = render(product, fmt)
        bar.advance(task)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(rendered.data)
    console.print(f"Wrote {out} ({len(rendered.data):,} bytes, TLP:{TLP.parse(tlp).label.upper()}).")


@report_app.command("assessment")
def assessment(start: From, end: To, out: Out, country: Countries = None, tlp: Level = "green", org: Org = None,
               user: UserRef = None, recipient: Recipients = None, crime_type: Crime = None, title: Title = "") -> None:
    """A threat assessment over a period and the region or some countries."""
    _run(ProductKind.ASSESSMENT, start, end, country, tlp, org, user, recipient, crime_type, out, title)


@report_app.command("activity")
def activity(start: From, end: To, out: Out, country: Countries = None, tlp: Level = "green", org: Org = None,
             user: UserRef = None, recipient: Recipients = None, crime_type: Crime = None, title: Title = "") -> None:
    """An activity report: what was seen and done in a period."""
    _run(ProductKind.ACTIVITY_REPORT, start, end, country, tlp, org, user, recipient, crime_type, out, title)


@report_app.command("advisory")
def advisory(start: From, end: To, out: Out, crime_type: Annotated[str, typer.Option("--crime-type", help="The threat.")],
             country: Countries = None, tlp: Level = "green", org: Org = None, user: UserRef = None,
             recipient: Recipients = None, title: Title = "") -> None:
    """An advisory on one threat, with its indicators."""
    _run(ProductKind.ADVISORY, start, end, country, tlp, org, user, recipient, crime_type, out, title)


@report_app.command("bulletin")
def bulletin(start: From, end: To, out: Out, crime_type: Annotated[str, typer.Option("--crime-type", help="The scheme's crime type.")],
             country: Countries = None, tlp: Level = "green", org: Org = None, user: UserRef = None,
             recipient: Recipients = None, title: Title = "") -> None:
    """A modus-operandi bulletin: how a scheme works, with its indicators."""
    _run(ProductKind.MO_BULLETIN, start, end, country, tlp, org, user, recipient, crime_type, out, title)


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")
