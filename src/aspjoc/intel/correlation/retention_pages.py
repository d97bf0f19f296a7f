"""The retention review page: the organisation's statements past their retention date, to delete or keep longer.

Deleting takes two steps (choose, then confirm on a page that lists what will go); both work
without JavaScript.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from aspjoc.errors import AspjocError, InvalidInput
from aspjoc.intel import retention
from aspjoc.web.deps import DbSession, Now, SignedIn, check_csrf
from aspjoc.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE = 200
DEFAULT_EXTENSION = timedelta(days=365)


def _ids(values: list[str]) -> list[int]:
    try:
        return [int(v) for v in values]
    except ValueError as exc:
        raise InvalidInput("statement_ids", "not a list of statement ids") from exc


def _until(text: str, now: datetime) -> datetime:
    if not text.strip():
        return now + DEFAULT_EXTENSION
    try:
        day = datetime.strptime(text.strip(), "%Y-%m-%d").date()
    except ValueError as exc:
        raise InvalidInput("until", "use a date like 2027-06-30") from exc
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


def _page(request: Request, principal: SignedIn, session: DbSession, now: Now, status: int = 200,
          **extra: object) -> Response:
    items, total = retention.due_for_review(session, principal, now, PAGE)
    default_until = (now + DEFAULT_EXTENSION).date().isoformat()
    return render(request, "correlation/retention.html",
                  {"items": items, "total": total, "now": now, "default_until": default_until, **extra}, status_code=status)


@router.get("/retention")
def retention_page(request: Request, principal: SignedIn, session: DbSession, now: Now,
                   deleted: int | None = None, extended: int | None = None) -> Response:
    """Statements of the user's organisation past their retention date (admins and analysts only)."""
    return _page(request, principal, session, now, deleted=deleted, extended=extended)


@router.post("/retention")
async def retention_action(request: Request, principal: SignedIn, session: DbSession, now: Now) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token", "")))
    action = str(form.get("action", ""))
    try:
        ids = _ids([str(v) for v in form.getlist("statement_ids")])
        if action == "delete":
            chosen = retention.selected_due(session, principal, ids, now)
            return render(request, "correlation/retention_confirm.html", {"items": chosen})
        if action == "confirm_delete":
            count = retention.confirm_delete(session, principal, ids, now)
            return RedirectResponse(f"/retention?deleted={count}", status_code=303)
        if action == "extend":
            count = retention.extend(session, principal, ids, _until(str(form.get("until", "")), now), now)
            return RedirectResponse(f"/retention?extended={count}", status_code=303)
        raise InvalidInput("action", f"'{action}' is not delete, confirm_delete or extend")
    except AspjocError as exc:
        if exc.status_code in (401, 403):
            raise
        return _page(request, principal, session, now, status=exc.status_code, error=exc)
