"""Console form handling shared by the operations pages: CSRF, field reading, errors that name the field."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from aspjoc.errors import AspjocError, InvalidInput
from aspjoc.operations.schemas import OpMarkingIn
from aspjoc.web.deps import check_csrf


async def read_form(request: Request) -> FormData:
    """The posted form, after checking its CSRF token."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token", "")))
    return form


def text(form: FormData, name: str) -> str:
    return str(form.get(name, "") or "").strip()


def many(form: FormData, name: str) -> list[str]:
    return [str(v) for v in form.getlist(name) if str(v).strip()]


def optional_int(form: FormData, name: str) -> int | None:
    value = text(form, name)
    if not value:
        return None
    if not value.isdigit():
        raise InvalidInput(name, f"'{value}' is not a whole number")
    return int(value)


def local_time(form: FormData, name: str) -> datetime | None:
    """A ``datetime-local`` field (read as UTC, as the console shows every time in UTC), or None when empty."""
    value = text(form, name)
    if not value:
        return None
    try:
        found = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(name, f"'{value}' is not a date and time") from exc
    return found if found.tzinfo else found.replace(tzinfo=UTC)


# The marking choices of the operations forms: the operation's default, or narrower.
LEVELS = ("default", "amber", "amber+strict", "red")


def marking(form: FormData) -> OpMarkingIn | None:
    """The author's narrower marking, or None for the operation's default (AMBER to its participants)."""
    tlp = text(form, "tlp")
    if not tlp or tlp == "default":
        return None
    marked: OpMarkingIn = parse(OpMarkingIn, {"tlp": tlp, "organisations": many(form, "marking_orgs")})
    return marked


def parse(model: type[BaseModel], values: dict[str, Any]) -> Any:
    """``model`` validated from form values; AspjocError naming the first bad field."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise AspjocError(".".join(str(p) for p in first["loc"]) or "form", first["msg"]) from exc


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)
