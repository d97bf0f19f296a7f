"""Mounts the public portal: pages under ``/public/``, the JSON check under ``/public/api/``."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.routing import BaseRoute

from aspjoc.public import check_api, portal, portal_advisories, portal_forms, query, state
from aspjoc.public.languages import load_all


def include(app: FastAPI) -> None:
    """Compile the catalogues, load the identifier libraries' tables, build the portal's per-app state
    (limiters, cache, counters) and add the routes."""
    load_all()
    query.warm_up()
    state.install(app)
    app.include_router(check_api.router)
    _match_first(app, check_api.FAST_ROUTE)
    app.include_router(portal.router)
    app.include_router(portal_forms.router)
    app.include_router(portal_advisories.router)


def _match_first(app: FastAPI, route: BaseRoute) -> None:
    """Put ``route`` first among the app's routes.

    The app tries routes in order, one after another; behind some thirty capability routers the
    check (the most requested and most exposed endpoint) spent more time being routed than
    answered. Its path is its own, so the order changes nothing else; every other request pays
    one failed path match for it.
    """
    app.router.routes.insert(0, route)
