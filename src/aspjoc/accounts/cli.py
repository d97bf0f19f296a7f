"""Commands for organisations, users and tokens."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from aspjoc.accounts import service
from aspjoc.accounts.models import Organisation, User
from aspjoc.runtime import Runtime

console = Console()
org_app = typer.Typer(help="Organisations: national units, the hub, IGOs and partners.", no_args_is_help=True)
user_app = typer.Typer(help="Users of the console and API.", no_args_is_help=True)
token_app = typer.Typer(help="API bearer tokens.", no_args_is_help=True)


@org_app.command("add")
def org_add(name: str, country: Annotated[str, typer.Option(help="ISO 3166 alpha-2 code")] = "",
            kind: Annotated[str, typer.Option(help="law_enforcement, hub, igo, private or cert")] = "law_enforcement") -> None:
    """Add an organisation."""
    rt = Runtime.from_environment()
    with rt.unit_of_work() as session:
        org = service.add_organisation(session, name, country or None, kind, rt.clock.now())
        service.record_account_change(session, None, "organisation.create", org, rt.clock.now())
        console.print(f"Added organisation [bold]{org.name}[/] (id {org.id}).")


@org_app.command("list")
def org_list() -> None:
    """List organisations."""
    rt = Runtime.from_environment()
    with rt.db.reader() as session:
        table = Table("id", "name", "country", "kind")
        for org in session.scalars(select(Organisation).order_by(Organisation.name)):
            table.add_row(str(org.id), org.name, org.country or "", org.kind)
        console.print(table)


def _read_password() -> str:
    if sys.stdin.isatty():
        password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        return password
    return sys.stdin.readline().rstrip("\n")


@user_app.command("add")
def user_add(email: str, org: Annotated[str, typer.Option(help="Organisation name or id")],
             role: Annotated[str, typer.Option(help="admin, analyst, investigator, partner or viewer")] = "analyst",
             name: str = "") -> None:
    """Add a user; the password is read from standard input."""
    rt = Runtime.from_environment()
    password = _read_password()
    with rt.unit_of_work() as session:
        user = service.add_user(session, email, service.find_organisation(session, org), role, password, rt.clock.now(), name)
        service.record_account_change(session, None, "user.create", user, rt.clock.now())
        console.print(f"Added user [bold]{user.email}[/] ({user.role}) to {user.organisation.name}.")


@user_app.command("list")
def user_list() -> None:
    """List users."""
    rt = Runtime.from_environment()
    with rt.db.reader() as session:
        table = Table("id", "email", "organisation", "role", "2FA")
        for user in session.scalars(select(User).order_by(User.email)):
            table.add_row(str(user.id), user.email, user.organisation.name, user.role, "on" if user.totp_enabled else "")
        console.print(table)


@token_app.command("create")
def token_create(email: str, name: Annotated[str, typer.Option(help="What the token is for")] = "") -> None:
    """Create an API token for a user and print it once."""
    rt = Runtime.from_environment()
    with rt.unit_of_work() as session:
        user = service.find_user(session, email)
        token = service.create_token(session, user, rt.clock.now(), name)
        service.record_account_change(session, None, "token.create", user, rt.clock.now())
    typer.echo(token)


def register(app: typer.Typer) -> None:
    app.add_typer(org_app, name="org")
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")
