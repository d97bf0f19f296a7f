"""ASGI entry point for ``aspjoc serve`` and external servers: the app for the environment's settings."""

from __future__ import annotations

import gc

from aspjoc.config import load_settings
from aspjoc.web.app import create_app

app = create_app(load_settings())
# Everything loaded so far (libraries' tables, the app) lives as long as the process: moving it out of
# the collector's reach keeps full collections short; otherwise one would stall a busy server for
# hundreds of milliseconds.
gc.collect()
gc.freeze()
