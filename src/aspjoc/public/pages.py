"""Console pages for analysts: the public reports queue, the delisting queue, and what the public checks most."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask
from starlette.responses import Response

from aspjoc.access import Principal
from aspjoc.accounts.models import OrgKind
from aspjoc.errors import AspjocError, NotFound
from aspjoc.operations.money import format_amount
from aspjoc.public import counts, delisting, triage
from aspjoc.public.models import DelistingRequest, DelistingStatus, PublicReport, ReportStatus
from aspjoc.public.state import portal
from aspjoc.web.deps import DbSession, Now, SignedIn, check_csrf
from aspjoc.web.templating import render

router = APIRouter(include_in_schema=False)
NAV = [("Public reports", "/public-reports"), ("Delisting", "/delisting"), ("Public checks", "/public-insights")]
INSIGHT_KINDS = (OrgKind.LAW_ENFORCEMENT.value, OrgKind.HUB.value)


@router.get("/public-reports")
def reports_queue(request: Request, principal: SignedIn, session: DbSession, status: str = "") -> Response:
    """The unit's public reports, newest first, with counts per status."""
    items = triage.reports_for(session, principal, status or None)
    return render(request, "public_console/reports.html", {
        "items": items, "status": status, "statuses": list(ReportStatus),
        "counts": triage.counts_by_status(session, principal)})


@router.get("/public-reports/{report_id}")
def report_detail(request: Request, report_id: int, principal: SignedIn, session: DbSession, now: Now) -> Response:
    return _report_page(request, triage.report_for(session, principal, report_id, now), principal, session)


def _report_page(request: Request, report: PublicReport, principal: Principal, session: Session,
                 error: AspjocError | None = None) -> Response:
    return render(request, "public_console/report.html", {
        "r": report, "matches": triage.matches(session, principal, report),
        "loss": format_amount(report.amount_micros, report.currency) if report.amount_micros else "",
        "next_statuses": sorted(triage.TRANSITIONS[ReportStatus(report.status)]), "error": error},
        status_code=error.status_code if error else 200)


@router.post("/public-reports/{report_id}/status")
async def report_status(request: Request, report_id: int, principal: SignedIn, session: DbSession, now: Now) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token", "")))
    report = triage.report_for(session, principal, report_id, now)
    try:
        triage.set_status(session, principal, report, str(form.get("status", "")), str(form.get("note", "")), now)
    except AspjocError as exc:
        return _report_page(request, report, principal, session, error=exc)
    return RedirectResponse(f"/public-reports/{report_id}", status_code=303)


@router.get("/delisting")
def delisting_queue(request: Request, principal: SignedIn, session: DbSession, now: Now, status: str = "") -> Response:
    """Delisting requests addressed to the user's organisation: open ones first, by deadline."""
    return render(request, "public_console/delisting.html", {
        "items": delisting.requests_for(session, principal, status or None), "status": status,
        "statuses": list(DelistingStatus), "now": now})


@router.get("/delisting/{request_id}")
def delisting_detail(request: Request, request_id: int, principal: SignedIn, session: DbSession, now: Now) -> Response:
    return _delisting_page(request, delisting.request_for(session, principal, request_id, now), principal, session, now)


def _delisting_page(request: Request, found: DelistingRequest, principal: Principal, session: Session, now: datetime,
                    error: AspjocError | None = None) -> Response:
    return render(request, "public_console/delisting_request.html", {
        "d": found, "statements": delisting.statements_behind(session, principal, found), "now": now, "error": error},
        status_code=error.status_code if error else 200)


@router.post("/delisting/{request_id}/decide")
async def delisting_decide(request: Request, request_id: int, principal: SignedIn, session: DbSession, now: Now) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token", "")))
    found = delisting.request_for(session, principal, request_id, now)
    try:
        delisting.decide(session, principal, found, str(form.get("decision", "")), str(form.get("note", "")), now)
    except AspjocError as exc:
        return _delisting_page(request, found, principal, session, now, error=exc)
    # After the unit of work commits, so no check in between can cache the old answer again.
    return RedirectResponse(f"/delisting/{request_id}", status_code=303,
                            background=BackgroundTask(portal(request).check.forget_all))


@router.get("/public-insights")
def insights(request: Request, principal: SignedIn, session: DbSession, now: Now, days: int = 7) -> Response:
    """The values the public checked most (law enforcement and the hub only; 404 for everyone else)."""
    if principal.org_kind not in INSIGHT_KINDS:
        raise NotFound("page", "no such page")
    window = 30 if days >= 30 else 7
    pending = portal(request).counts
    if pending.start_flush():
        pending.flush()
    today = now.date()
    return render(request, "public_console/insights.html", {
        "days": window, "top": counts.most_checked(session, today, window),
        "by_type": counts.checks_by_type(session, today, window)})
