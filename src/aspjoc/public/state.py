"""The portal's per-app parts: rate limiters, the check with its cache and counters, the page renderer."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI, Request

from aspjoc.config import Settings
from aspjoc.db import Database
from aspjoc.public.cache import TTLCache
from aspjoc.public.check import FactsReader, PublicCheck
from aspjoc.public.counts import CheckCounts
from aspjoc.public.ratelimit import RateLimiter
from aspjoc.public.rendering import PublicPages


@dataclass
class PortalState:
    check: PublicCheck
    counts: CheckCounts
    check_limit: RateLimiter
    report_limit: RateLimiter
    pages: PublicPages


def build_state(settings: Settings, db: Database) -> PortalState:
    exempt = frozenset(settings.public_rate_limit_exempt)
    counts = CheckCounts(db, settings.public_check_flush_seconds)
    check = PublicCheck(FactsReader(db), TTLCache(settings.public_check_cache_seconds), counts)
    return PortalState(
        check=check, counts=counts,
        check_limit=RateLimiter(settings.public_check_per_minute, 60.0, exempt),
        report_limit=RateLimiter(settings.public_report_per_hour, 3600.0, exempt),
        pages=PublicPages(),
    )


def install(app: FastAPI) -> PortalState:
    state = build_state(app.state.settings, app.state.db)
    app.state.public = state
    return state


def portal(request: Request) -> PortalState:
    state: PortalState = request.app.state.public
    return state
