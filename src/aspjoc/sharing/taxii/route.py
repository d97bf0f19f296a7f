"""The route class of the TAXII router: every failure becomes a TAXII error message.

The platform's error handler answers ``{"error", "field", "reason"}``; TAXII clients expect
``{"title", "description", "http_status"}`` in the TAXII media type (§3.6.1), for 401 and 404
too. Converting inside the route keeps the rest of the app untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from aspjoc.errors import AspjocError, AuthenticationFailed
from aspjoc.sharing.taxii.media import TaxiiError, unauthenticated

TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
          406: "Not Acceptable", 409: "Conflict", 413: "Payload Too Large", 415: "Unsupported Media Type",
          422: "Unprocessable Entity", 429: "Too Many Requests"}


def _validation_description(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors():
        loc = [str(p) for p in error.get("loc", ()) if p not in ("query", "path", "body", "header")]
        parts.append(f"{'.'.join(loc) or 'request'}: {error.get('msg')}")
    return "; ".join(parts) or "invalid request"


def as_taxii_error(exc: Exception) -> TaxiiError | None:
    """The TAXII error for a failure, or None for one that is not the caller's fault (it propagates)."""
    if isinstance(exc, TaxiiError):
        return exc
    if isinstance(exc, AuthenticationFailed):
        return unauthenticated(exc.reason)
    if isinstance(exc, AspjocError):
        status = 400 if exc.status_code == 422 else exc.status_code
        return TaxiiError(status, TITLES.get(status, "Error"), f"{exc.field}: {exc.reason}")
    if isinstance(exc, RequestValidationError):
        return TaxiiError(400, "Bad Request", _validation_description(exc))
    if isinstance(exc, HTTPException):
        return TaxiiError(exc.status_code, TITLES.get(exc.status_code, "Error"), str(exc.detail))
    return None


class TaxiiRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def taxii_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except (AspjocError, TaxiiError, RequestValidationError, HTTPException) as exc:
                error = as_taxii_error(exc)
                assert error is not None
                return error.response()

        return taxii_handler
