"""Who is asking, as far as the portal needs to know: the reader's language and the client address."""

from __future__ import annotations

from fastapi import Request

from aspjoc.public.languages import COOKIE, negotiate


def language(request: Request) -> str:
    """``?lang=``, then the remembered cookie, then ``Accept-Language``; English otherwise."""
    return negotiate(request.query_params.get("lang"), request.cookies.get(COOKIE),
                     request.headers.get("accept-language", ""))


def address(request: Request) -> str:
    """The client address the rate limits key on (behind a proxy, Uvicorn's ``--proxy-headers`` sets it)."""
    return request.client.host if request.client else "unknown"
