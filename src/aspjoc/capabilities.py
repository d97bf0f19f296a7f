"""The capability folders, and how the app, the CLI and the schema find their parts.

Each capability may have:
- ``models.py``: tables (imported so that the schema is complete);
- ``api.py`` with ``router``: REST routes, mounted under /api/v1;
- ``pages.py`` with ``router``: console pages, mounted at the root;
- ``routes.py`` with ``include(app)``: anything else (TAXII, MISP, the public portal);
- ``cli.py`` with ``register(app)``: its command group;
- ``templates/<name>/``: its page templates.
A capability may be a sub-package (``intel.ingest``) with the same parts.
A capability adds itself here once; nothing else needs editing to wire it in.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

CAPABILITIES = (
    "accounts", "intel", "intel.ingest", "intel.correlation", "intel.sources", "sharing", "sharing.misp",
    "sharing.matching", "operations", "operations.graph", "operations.evidence", "products", "public", "disruption",
)


def module(capability: str, part: str) -> ModuleType | None:
    """``aspjoc.<capability>.<part>`` if that file exists, else None (an import error inside it still raises)."""
    name = f"aspjoc.{capability}.{part}"
    try:
        if importlib.util.find_spec(name) is None:
            return None
    except ModuleNotFoundError:
        return None  # the capability's package itself is not there (yet)
    return importlib.import_module(name)


def parts(part: str) -> list[ModuleType]:
    return [m for m in (module(c, part) for c in CAPABILITIES) if m is not None]
