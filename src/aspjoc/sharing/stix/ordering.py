"""A planner hint for paged reads in (updated_at, id) order on SQLite.

Without statistics, SQLite answers ``marking_id IN (visible markings)`` through the marking_id
index and then sorts every visible statement for each page — a full scan per page. Wrapping
the gate's condition in ``likelihood(X, p)`` (which returns X unchanged) keeps it out of index
selection, so the planner walks the (updated_at, id) index and stops after one page. Other
databases get the condition as it is.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class filter_while_scanning(FunctionElement[bool]):
    """``condition`` unchanged, evaluated row by row rather than used to pick an index (SQLite)."""

    type = Boolean()
    inherit_cache = True
    name = "filter_while_scanning"


@compiles(filter_while_scanning)
def _plain(element: Any, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(filter_while_scanning, "sqlite")
def _sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return f"likelihood({compiler.process(element.clauses, **kw)}, 0.9375)"
