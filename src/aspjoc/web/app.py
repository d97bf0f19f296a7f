"""The app factory: ``create_app(settings)`` builds everything; nothing runs at import."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from aspjoc import __version__, sealing
from aspjoc.capabilities import parts
from aspjoc.clock import Clock, SystemClock
from aspjoc.config import Settings
from aspjoc.db import Database
from aspjoc.web import errors, navigation
from aspjoc.web.templating import make_templates

STATIC = Path(__file__).resolve().parent / "static"


def _routers(app: FastAPI) -> None:
    from aspjoc.web import health, pages as web_pages

    app.include_router(health.router)
    app.include_router(web_pages.router)
    for api in parts("api"):
        app.include_router(api.router, prefix="/api/v1")
    for pages in parts("pages"):
        app.include_router(pages.router)
        app.state.nav.extend(getattr(pages, "NAV", []))
    for routes in parts("routes"):
        routes.include(app)
    app.state.nav_top, app.state.nav_menus = navigation.build(app.state.nav)


def create_app(settings: Settings, clock: Clock | None = None, db: Database | None = None) -> FastAPI:
    """Build the whole web application for ``settings``; the caller owns ``db`` when it passes one."""
    app = FastAPI(
        title="aspjoc",
        version=__version__,
        description="Threat intelligence, controlled sharing and operations for a regional cybercrime programme.",
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    sealing.use_secret(settings.secret_key)
    app.state.clock = clock or SystemClock()
    app.state.db = db or Database(settings.database_url, echo=settings.sql_echo)
    app.state.templates = make_templates()
    app.state.nav = []
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    errors.install(app)
    _routers(app)
    return app
