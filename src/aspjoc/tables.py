"""Imports every table so that ``Base.metadata`` is complete (for Alembic and tests)."""

from __future__ import annotations

from aspjoc import audit, marking  # noqa: F401
from aspjoc.capabilities import parts
from aspjoc.db import Base

parts("models")
metadata = Base.metadata
