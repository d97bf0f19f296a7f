"""Public forms: report a scam, ask for a listing to be reviewed. Rate-limited, CSRF-checked, no sign-in.

The forms carry a token that must match a same-site cookie, so another site cannot make a
visitor's browser file reports (which would also slip past the per-address limit).
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from aspjoc.db import Database
from aspjoc.errors import AspjocError, InvalidObservable
from aspjoc.intel.models import CrimeType
from aspjoc.public import delisting, reports
from aspjoc.public.advice import CRIME_LABELS
from aspjoc.public.languages import HOME_COUNTRY, gettext
from aspjoc.public.messages import FORM_EXPIRED, friendly
from aspjoc.public.portal import countries, retry_headers
from aspjoc.public.state import portal
from aspjoc.public.visitor import address, language

router = APIRouter(include_in_schema=False)
FORM_COOKIE = "aspjoc_public_form"
CURRENCIES = ("THB", "PHP", "IDR", "MYR", "VND", "KHR", "SGD", "BND", "LAK", "FJD", "PGK", "WST", "TOP", "VUV", "SBD",
              "AUD", "NZD", "USD", "EUR", "USDT")
HOME_CURRENCY = {"TH": "THB", "PH": "PHP", "ID": "IDR", "MY": "MYR", "VN": "VND", "KH": "KHR", "SG": "SGD", "BN": "BND",
                 "LA": "LAK", "FJ": "FJD", "PG": "PGK", "WS": "WST", "TO": "TOP", "VU": "VUV", "SB": "SBD", "TL": "USD",
                 "MH": "USD", "KI": "AUD", "NR": "AUD"}


def _form_page(request: Request, name: str, lang: str, context: dict[str, Any], status: int = 200,
               headers: dict[str, str] | None = None) -> Response:
    token = request.cookies.get(FORM_COOKIE) or secrets.token_urlsafe(24)
    wrong = context.get("error_field")
    extra = {"form_token": token, "countries": countries(lang),
             "invalid": lambda field: Markup(' aria-invalid="true"') if field == wrong else ""}
    response = portal(request).pages.render(request, name, lang, {**context, **extra}, status_code=status, headers=headers)
    response.set_cookie(FORM_COOKIE, token, httponly=True, samesite="strict", max_age=6 * 3600)
    return response


def _token_ok(request: Request, submitted: str) -> bool:
    expected = request.cookies.get(FORM_COOKIE, "")
    # Bytes: compare_digest refuses str with non-ASCII characters, which a forged form may carry.
    return bool(expected) and hmac.compare_digest(expected.encode(), submitted.encode())


def _form_values(form: Any) -> dict[str, str]:
    return {key: str(value) for key, value in form.items() if isinstance(value, str)}


def _report_context(lang: str, values: dict[str, str]) -> dict[str, Any]:
    country = values.get("country", HOME_COUNTRY.get(lang, ""))
    return {"form": values, "country": country, "currencies": CURRENCIES,
            "currency": values.get("currency") or HOME_CURRENCY.get(country, "USD"),
            "crime_types": [(c.value, CRIME_LABELS[c]) for c in CrimeType]}


def _store_report(db: Database, values: dict[str, str], lang: str, now: datetime) -> tuple[str, str]:
    """Read and store one report in its own unit of work; returns (reference, receiving unit's name)."""
    data = reports.read_form(values, lang, now.date())
    with db.unit_of_work() as session:
        report = reports.submit(session, data, now)
        return report.reference, report.organisation.name


def _store_delisting(db: Database, values: dict[str, str], lang: str, now: datetime, days: int) -> delisting.Submission:
    with db.unit_of_work() as session:
        return delisting.submit(session, [values.get("q", "")], values.get("country"), values.get("reason", ""),
                                values.get("contact", ""), lang, now, days)


@router.get("/public/report")
def report_form(request: Request) -> Response:
    lang = language(request)
    return _form_page(request, "public/report.html", lang, _report_context(lang, {}))


@router.post("/public/report")
async def report_send(request: Request) -> Response:
    """Store the report for its country's unit and show the reference number; the form again with the reason otherwise."""
    lang = language(request)
    values = _form_values(await request.form())
    if not _token_ok(request, values.get("form_token", "")):
        return _form_page(request, "public/report.html", lang,
                          {**_report_context(lang, values), "error": gettext(lang, FORM_EXPIRED)}, 400)
    now = request.app.state.clock.now()
    try:
        portal(request).report_limit.take(address(request), "report")
        reference, unit = await run_in_threadpool(_store_report, request.app.state.db, values, lang, now)
    except AspjocError as exc:
        context = {**_report_context(lang, values), "error": friendly(exc, lang), "error_field": exc.field}
        return _form_page(request, "public/report.html", lang, context, exc.status_code, retry_headers(exc))
    return portal(request).pages.render(request, "public/report_done.html", lang, {"reference": reference, "unit": unit},
                                        status_code=201)


@router.get("/public/delist")
def delist_form(request: Request) -> Response:
    lang = language(request)
    values = {"q": request.query_params.get("q", ""), "country": request.query_params.get("country", "")}
    return _form_page(request, "public/delist.html", lang, {"form": values, "country": values["country"]})


@router.post("/public/delist")
async def delist_send(request: Request) -> Response:
    """Open a review with the owners behind the verdict; say so plainly when the value is not listed at all."""
    lang = language(request)
    values = _form_values(await request.form())
    context: dict[str, Any] = {"form": values, "country": values.get("country", "")}
    if not _token_ok(request, values.get("form_token", "")):
        return _form_page(request, "public/delist.html", lang, {**context, "error": gettext(lang, FORM_EXPIRED)}, 400)
    now = request.app.state.clock.now()
    settings = request.app.state.settings
    try:
        portal(request).report_limit.take(address(request), "delist")
        submission = await run_in_threadpool(_store_delisting, request.app.state.db, values, lang, now,
                                             settings.public_delisting_days)
    except AspjocError as exc:
        context.update(error=friendly(exc, lang), error_field=exc.field,
                       detail=exc.reason if isinstance(exc, InvalidObservable) else "")
        return _form_page(request, "public/delist.html", lang, context, exc.status_code, retry_headers(exc))
    return portal(request).pages.render(request, "public/delist_done.html", lang, {
        "submission": submission, "days": settings.public_delisting_days, "q": values.get("q", "")},
        status_code=201 if submission.listed else 200)
