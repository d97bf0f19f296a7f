"""``GET /public/api/check``: the scam check as JSON, for apps and partner sites. No sign-in.

The handler is ``async`` and stays off the thread pool and the ORM: rate limit, cached
canonicalisation, the answer cache, then one indexed query (see ``check.FactsReader``). It is
served by a plain Starlette route tried before every other (``FAST_ROUTE``; see ``routes.py``):
it needs nothing from FastAPI's parameter and dependency handling. The FastAPI route of the same
path documents it in the OpenAPI schema and answers alike.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Literal
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.responses import Response
from starlette.routing import Route

from aspjoc.public import advice
from aspjoc.public.check import Facts
from aspjoc.public.languages import DEFAULT, from_accept_language, supported
from aspjoc.public.portal import flush_counts_later
from aspjoc.public.state import portal
from aspjoc.public.visitor import address

router = APIRouter(prefix="/public/api", tags=["public"])
VARY = {"Vary": "Accept-Language"}


class CheckOut(BaseModel):
    verdict: Literal["reported", "not_reported"]
    reports: int = Field(description="Reports whose owners consented to public use (withdrawn ones never count).")
    first_reported: str | None = Field(description="Date (YYYY-MM-DD, UTC) of the earliest of those reports.")
    crime_types: list[str] = Field(description="Crime types of those reports.")
    advice: str = Field(description="Practical advice in the reader's language; 'not reported' never means safe.")


_PARAMETERS = [
    {"name": "q", "in": "query", "required": True, "schema": {"type": "string", "maxLength": 512},
     "description": "One phone number, bank account (CC:BANK:NUMBER), e-wallet, crypto wallet, URL, domain or e-mail. "
                    "Wildcards, lists and address ranges are refused (422)."},
    {"name": "country", "in": "query", "required": False, "schema": {"type": "string", "minLength": 2, "maxLength": 2},
     "description": "ISO 3166 country for reading a phone number written without +country code."},
    {"name": "lang", "in": "query", "required": False, "schema": {"type": "string"},
     "description": "Language of the advice: en, id, ms, th, vi, fil or km (else Accept-Language; English otherwise)."},
]


@lru_cache(maxsize=8192)
def answer_body(facts: Facts, lang: str) -> bytes:
    """The JSON answer; a value held only under non-public statements gives exactly the bytes of a value never seen.

    Cached: most answers are one of a few shapes (every unreported value gives the same bytes per language).
    """
    return json.dumps({
        "verdict": "reported" if facts.reported else "not_reported",
        "reports": facts.reports,
        "first_reported": facts.first_reported,
        "crime_types": list(facts.crime_types),
        "advice": advice.advice(facts.reported, list(facts.crime_types), lang),
    }, ensure_ascii=False, separators=(",", ":")).encode()


def _parameters(query_string: bytes) -> tuple[list[str], str | None, str | None]:
    """(every ``q``, the last ``country``, the last ``lang``) of a query string, decoded as Starlette does."""
    values: list[str] = []
    country = lang = None
    for key, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if key == "q":
            values.append(value)
        elif key == "country":
            country = value
        elif key == "lang":
            lang = value
    return values, country, lang


async def answer(request: Request) -> Response:
    """The JSON answer for the request's ``q`` (and ``country``, ``lang``); domain errors go to the app's handler."""
    state = portal(request)
    state.check_limit.take(address(request), "q")
    values, country, asked_lang = _parameters(request.scope["query_string"])
    result = await state.check.check(values, country, request.app.state.clock.now().date())
    flush_counts_later(state.counts)
    lang = supported(asked_lang) or from_accept_language(request.headers.get("accept-language", "")) or DEFAULT
    return Response(answer_body(result.facts, lang), media_type="application/json", headers=VARY)


@router.get("/check", response_model=CheckOut, openapi_extra={"parameters": _PARAMETERS},
            responses={422: {"description": "Not one whole identifier (wildcard, list, range or unrecognised value)."},
                       429: {"description": "Too many checks from this address; see Retry-After."}})
async def check(request: Request) -> Response:
    """Whether one identifier has been reported in scams, by how many reports and since when, and advice."""
    return await answer(request)


FAST_ROUTE = Route("/public/api/check", answer, methods=["GET"], include_in_schema=False)
