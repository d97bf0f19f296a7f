"""``aspjoc public``: keep the portal's message catalogues in step with its pages."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from aspjoc.public import catalogues
from aspjoc.public.languages import LANGUAGES

console = Console()
public_app = typer.Typer(help="The public portal: scam check, reports, advisories.", no_args_is_help=True)


@public_app.command("catalogues")
def update_catalogues() -> None:
    """Extract the message ids, rewrite messages.pot and merge new ids into every language's .po file.

    Exits with status 1 when a language leaves a message untranslated (fill in its .po file).
    """
    template = catalogues.extract()
    path = catalogues.write_template(template)
    table = Table("language", "untranslated")
    gaps = 0
    for lang in catalogues.translated_languages():
        missing = catalogues.update(lang, template)
        gaps += missing
        table.add_row(f"{lang} ({LANGUAGES[lang]})", str(missing))
    console.print(f"{len([m for m in template if m.id])} messages written to {path}")
    console.print(table)
    if gaps:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(public_app, name="public")
