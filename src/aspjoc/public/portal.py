"""Public pages: the home page, the scam check page and the portal's style sheet. No sign-in, no JavaScript."""

from __future__ import annotations

import asyncio
from functools import lru_cache
from pathlib import Path

from babel import Locale
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from aspjoc.countries import MEMBER_COUNTRIES, country_name
from aspjoc.errors import AspjocError, InvalidInput, InvalidObservable, RateLimited
from aspjoc.products.service import published_public
from aspjoc.public import advice
from aspjoc.public.check import CheckResult
from aspjoc.public.counts import CheckCounts
from aspjoc.public.languages import HOME_COUNTRY
from aspjoc.public.messages import friendly
from aspjoc.public.state import portal
from aspjoc.public.visitor import address, language

router = APIRouter(include_in_schema=False)
STYLE = Path(__file__).resolve().parent / "static" / "public.css"


@lru_cache(maxsize=None)
def countries(lang: str) -> list[tuple[str, str]]:
    """The member countries as (code, name in ``lang``), sorted by name."""
    names = Locale.parse(lang).territories
    return sorted(((code, names.get(code, country_name(code))) for code in MEMBER_COUNTRIES), key=lambda item: item[1])


@lru_cache(maxsize=1)
def _style() -> bytes:
    return STYLE.read_bytes()


def flush_counts_later(counts: CheckCounts) -> None:
    """Write the aggregate check counts from a worker thread when they are due; the request does not wait."""
    if counts.due() and counts.start_flush():
        asyncio.get_running_loop().run_in_executor(None, counts.flush)


def retry_headers(error: AspjocError) -> dict[str, str]:
    return {"Retry-After": str(error.retry_after)} if isinstance(error, RateLimited) else {}


@router.get("/public/public.css")
async def style() -> Response:
    return Response(_style(), media_type="text/css", headers={"Cache-Control": "public, max-age=86400"})


@router.get("/public")
async def public_root() -> Response:
    return RedirectResponse("/public/", status_code=308)


@router.get("/public/")
def home(request: Request) -> Response:
    lang = language(request)
    with request.app.state.db.reader() as session:
        latest = published_public(session)[:3]
    return portal(request).pages.render(request, "public/home.html", lang, {
        "q": "", "country": HOME_COUNTRY.get(lang, ""), "countries": countries(lang), "advisories": latest})


def _check_context(lang: str, result: CheckResult) -> dict[str, object]:
    facts = result.facts
    lines = advice.advice_lines(facts.reported, list(facts.crime_types), lang)
    # The page always shows that "not reported" does not mean safe on its own, so not twice.
    return {"result": result, "facts": facts, "advice": lines if facts.reported else lines[1:]}


@router.get("/public/check")
async def check_page(request: Request) -> Response:
    """The check form and, when ``q`` is given, the verdict in the reader's language."""
    lang = language(request)
    state = portal(request)
    values = request.query_params.getlist("q")
    country = request.query_params.get("country")
    context: dict[str, object] = {"q": values[0] if values else "", "countries": countries(lang),
                                  "country": country if country is not None else HOME_COUNTRY.get(lang, "")}
    if len(values) <= 1 and not "".join(values).strip():
        return state.pages.render(request, "public/check.html", lang, context)
    try:
        state.check_limit.take(address(request), "q")
        result = await state.check.check(values, country, request.app.state.clock.now().date())
    except (InvalidInput, RateLimited) as exc:
        context.update(error=friendly(exc, lang), detail=exc.reason if isinstance(exc, InvalidObservable) else "")
        return state.pages.render(request, "public/check.html", lang, context, status_code=exc.status_code,
                                  headers=retry_headers(exc))
    flush_counts_later(state.counts)
    return state.pages.render(request, "public/check.html", lang, {**context, **_check_context(lang, result)})
