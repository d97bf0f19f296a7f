"""Pages of the public portal: their own light layout (no JavaScript) and Jinja2 with gettext.

The public templates have an environment of their own with the i18n extension; the gettext
callables read the reader's language from a context variable set around each render, so one
environment serves every language at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from babel.dates import format_date
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from aspjoc.public import advice
from aspjoc.public.languages import COOKIE, LANGUAGES, translations

TEMPLATES = Path(__file__).resolve().parent / "templates"
_LANG: ContextVar[str] = ContextVar("public_lang", default="en")
COOKIE_SECONDS = 365 * 24 * 3600


def _gettext(message: str) -> str:
    return translations(_LANG.get()).gettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_LANG.get()).ngettext(singular, plural, n)


def make_environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "xml"]),
                      extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    return env


def long_date(value: date | datetime | str | None, lang: str) -> str:
    """``value`` as a date written the reader's way ('' for None)."""
    if value is None or value == "":
        return ""
    day = date.fromisoformat(value[:10]) if isinstance(value, str) else value
    return format_date(day, format="long", locale=lang)


def switch_url(request: Request, lang: str) -> str:
    """The current page in ``lang``: its query with ``lang`` replaced."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"] + [("lang", lang)]
    return f"{request.url.path}?{urlencode(params)}"


class PublicPages:
    def __init__(self) -> None:
        self.env = make_environment()

    def render(self, request: Request, name: str, lang: str, context: Mapping[str, Any] | None = None,
               status_code: int = 200, headers: Mapping[str, str] | None = None) -> HTMLResponse:
        """Render the public template ``name`` in ``lang``; remembers an explicit ``?lang=`` in a cookie."""
        ctx: dict[str, Any] = {
            "lang": lang, "languages": LANGUAGES, "path": request.url.path,
            "switch": lambda code: switch_url(request, code),
            "crime_label": lambda code: advice.crime_label(code, lang),
            "long_date": lambda value: long_date(value, lang),
        }
        ctx.update(context or {})
        token = _LANG.set(lang)
        try:
            html = self.env.get_template(name).render(ctx)
        finally:
            _LANG.reset(token)
        response = HTMLResponse(html, status_code=status_code, headers=dict(headers or {}))
        if request.query_params.get("lang") == lang:
            response.set_cookie(COOKIE, lang, max_age=COOKIE_SECONDS, httponly=True, samesite="lax")
        return response
