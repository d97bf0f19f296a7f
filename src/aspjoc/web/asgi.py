"""ASGI entry point for ``aspjoc serve`` and external servers: the app for the environment's settings."""

from __future__ import annotations

from aspjoc.config import load_settings
from aspjoc.web.app import create_app

app = create_app(load_settings())
