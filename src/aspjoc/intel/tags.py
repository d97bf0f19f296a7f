"""A statement's source tags (MISP tags, STIX labels, feed tags): how ``statements.tags`` holds them, reads them
back, and is searched for one.

The column is a JSON array written by ``stored_tags``. Ingest, federation intake, the statements API, the console,
STIX and MISP all go through these functions, so a tag is capped, read and matched the same way everywhere.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache

from sqlalchemy import ColumnElement, or_

from aspjoc.intel.models import Statement

TAG_LIMIT = 64  # tags kept per statement
TAG_LENGTH = 255  # characters per tag, as MISP allows
NO_TAGS = "[]"
LIKE_ESCAPE = "!"


def stored_tags(tags: Iterable[str]) -> str:
    """``tags`` as the column holds them: at most ``TAG_LIMIT``, each stripped and cut to ``TAG_LENGTH``
    characters, blanks and repeats dropped; ``NO_TAGS`` for none."""
    kept = list(dict.fromkeys(t.strip()[:TAG_LENGTH] for t in tags if t and t.strip()))[:TAG_LIMIT]
    return json.dumps(kept, ensure_ascii=False) if kept else NO_TAGS


@lru_cache(maxsize=4096)
def parse_tags(text: str | None) -> tuple[str, ...]:
    """The tags of a stored JSON array; () for none, for text that is not a JSON array, and without entries
    that are not non-blank strings (the column is written by ``stored_tags``, but read defensively).

    Cached: statements of one feed share a handful of tag sets, and serving paths read thousands a page.
    """
    if not text or text == NO_TAGS:
        return ()
    try:
        found = json.loads(text)
    except ValueError:
        return ()
    if not isinstance(found, list):
        return ()
    return tuple(t for t in found if isinstance(t, str) and t.strip())


def like_text(text: str) -> str:
    """``text`` as it reads inside a JSON string of the column, escaped for LIKE with ``LIKE_ESCAPE``."""
    return json.dumps(text, ensure_ascii=False)[1:-1].replace("!", "!!").replace("%", "!%").replace("_", "!_")


def carrying(pattern: str) -> ColumnElement[bool]:
    """Statements with a tag matching ``pattern`` (``like_text`` pieces, maybe joined by ``%``), any case.

    A tag is a JSON string right after ``[`` or ``, `` (as ``json.dumps`` writes the array) and ends at the
    next unescaped quote, since a quote inside a JSON string is always escaped: the match is a whole tag,
    with no JSON functions, which SQLite and PostgreSQL spell differently.
    """
    return or_(*(Statement.tags.ilike(f'%{opening}"{pattern}"%', escape=LIKE_ESCAPE) for opening in ("[", ", ")))
