"""The one handler that renders domain errors: JSON for machines, a page for people."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy.exc import StatementError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from aspjoc.errors import AspjocError, AuthenticationFailed, InvalidInput, RateLimited
from aspjoc.web.templating import render


def wants_html(request: Request) -> bool:
    path = request.url.path
    if path.startswith(("/api/", "/taxii2", "/misp/", "/public/api/")):
        return False
    return "text/html" in request.headers.get("accept", "")


def _field_of(loc: Any) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "form")]
    return ".".join(parts) or "request"


async def domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AspjocError)
    if wants_html(request):
        if isinstance(exc, AuthenticationFailed):
            return RedirectResponse(f"/signin?next={request.url.path}", status_code=303)
        return render(request, "error.html", {"error": exc}, status_code=exc.status_code)
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
    if isinstance(exc, AuthenticationFailed):
        headers = {"WWW-Authenticate": "Bearer"}
    return JSONResponse(exc.as_dict(), status_code=exc.status_code, headers=headers)


async def validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first: dict[str, Any] = dict(errors[0]) if errors else {"loc": (), "msg": "invalid request"}
    body: dict[str, Any] = {"error": "invalid_input", "field": _field_of(first.get("loc", ())), "reason": str(first.get("msg")),
            "errors": [{"field": _field_of(e.get("loc", ())), "reason": str(e.get("msg"))} for e in errors]}
    if wants_html(request):
        return render(request, "error.html", {"error": AspjocError(str(body["field"]), str(body["reason"]))}, status_code=422)
    return JSONResponse(body, status_code=422)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if wants_html(request):
        return render(request, "error.html", {"error": AspjocError("request", str(exc.detail))}, status_code=exc.status_code)
    return JSONResponse({"error": "http_error", "field": "request", "reason": str(exc.detail)},
                        status_code=exc.status_code, headers=exc.headers)


# Whole numbers beyond these do not fit an INTEGER column (PostgreSQL's is 32 bits, SQLite's 64).
INT32_MAX = 2**31 - 1
NUMERIC_OUT_OF_RANGE = "22003"  # SQLSTATE numeric_value_out_of_range


def _out_of_range_field(request: Request) -> str:
    """The path or query parameter holding the largest whole number beyond 32 bits; "request" when none does."""
    found, largest = "request", INT32_MAX
    for name, value in [*request.path_params.items(), *request.query_params.multi_items()]:
        text = str(value).strip().lstrip("+-")
        if text.isdigit() and int(text) > largest:
            found, largest = name, int(text)
    return found


async def overflow_error(request: Request, exc: Exception) -> Response:
    """A number too large for the database: the caller's input, so a 422 naming it, not a 500."""
    return await domain_error(request, InvalidInput(_out_of_range_field(request), "a number out of range"))


def _field_with_nul(request: Request) -> str:
    for name, value in [*request.path_params.items(), *request.query_params.multi_items()]:
        if "\x00" in str(value):
            return name
    return "request"


async def statement_error(request: Request, exc: Exception) -> Response:
    """What the driver refused in the caller's values is bad input: a number too large (SQLite: OverflowError;
    PostgreSQL: SQLSTATE 22003) or a NUL character (PostgreSQL text cannot hold one). Anything else is
    re-raised as the server error it is."""
    assert isinstance(exc, StatementError)
    if isinstance(exc.orig, OverflowError) or getattr(exc.orig, "sqlstate", None) == NUMERIC_OUT_OF_RANGE:
        return await overflow_error(request, exc)
    if "NUL (0x00)" in str(exc.orig):
        return await domain_error(request, InvalidInput(_field_with_nul(request), "contains a NUL character"))
    raise exc


def install(app: FastAPI) -> None:
    app.add_exception_handler(AspjocError, domain_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(OverflowError, overflow_error)
    app.add_exception_handler(StatementError, statement_error)
