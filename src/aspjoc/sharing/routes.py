"""Mounts the TAXII 2.1 server (``/taxii2/``) on the app."""

from __future__ import annotations

from fastapi import FastAPI

from aspjoc.sharing.taxii.server import router


def include(app: FastAPI) -> None:
    app.include_router(router)
