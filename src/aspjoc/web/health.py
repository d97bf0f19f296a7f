"""Liveness and metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse
from sqlalchemy import func, select, text

from aspjoc import __version__
from aspjoc.intel.models import Observable, Statement

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up. Kept free of I/O so load balancers and benchmarks measure the server alone."""
    return {"status": "ok", "version": __version__}


@router.get("/healthz/db")
def healthz_db(request: Request) -> dict[str, str]:
    with request.app.state.db.reader() as session:
        session.execute(text("SELECT 1"))
    return {"status": "ok", "database": "reachable"}


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(request: Request) -> str:
    """Prometheus text format: stored volumes."""
    with request.app.state.db.reader() as session:
        observables = session.scalar(select(func.count()).select_from(Observable)) or 0
        statements = session.scalar(select(func.count()).select_from(Statement)) or 0
    lines = [
        "# HELP aspjoc_info Build information.", "# TYPE aspjoc_info gauge", f'aspjoc_info{{version="{__version__}"}} 1',
        "# HELP aspjoc_observables Stored observables.", "# TYPE aspjoc_observables gauge", f"aspjoc_observables {observables}",
        "# HELP aspjoc_statements Stored statements.", "# TYPE aspjoc_statements gauge", f"aspjoc_statements {statements}",
    ]
    return "\n".join(lines) + "\n"
