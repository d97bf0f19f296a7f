"""Imports every capability's tables so that ``Base.metadata`` is complete (for Alembic and tests)."""

from __future__ import annotations

from aspjoc import audit, marking  # noqa: F401
from aspjoc.accounts import models as accounts_models  # noqa: F401
from aspjoc.db import Base
from aspjoc.intel import models as intel_models  # noqa: F401

metadata = Base.metadata
