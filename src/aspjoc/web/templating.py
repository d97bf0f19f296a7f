"""One Jinja2 environment over every capability's ``templates/`` folder, with the shared filters."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from starlette.responses import Response

from aspjoc.capabilities import CAPABILITIES
from aspjoc.countries import country_name
from aspjoc.marking import TLP

PACKAGE = Path(__file__).resolve().parent.parent


def _tlp_label(level: int) -> str:
    return TLP(level).label


def _when(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M")


def make_templates() -> Jinja2Templates:
    folders = [PACKAGE / "web" / "templates", *(PACKAGE / name.replace(".", "/") / "templates" for name in CAPABILITIES)]
    loaders = [FileSystemLoader(str(folder)) for folder in folders if folder.is_dir()]
    env = Environment(loader=ChoiceLoader(loaders), autoescape=select_autoescape(["html", "xml"]), trim_blocks=True, lstrip_blocks=True)
    env.filters["tlp"] = _tlp_label
    env.filters["when"] = _when
    env.filters["country"] = country_name
    return Jinja2Templates(env=env)


def render(request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200) -> Response:
    """Render ``name`` with the layout's common context (principal, CSRF token)."""
    templates: Jinja2Templates = request.app.state.templates
    ctx = {"principal": getattr(request.state, "principal", None), "csrf_token": getattr(request.state, "csrf_token", ""),
           "nav_top": request.app.state.nav_top, "nav_menus": request.app.state.nav_menus}
    ctx.update(context or {})
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)
