"""Build a product's generated content: the sections its kind uses, each through the audience's gate."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from aspjoc.products.audience import Audience
from aspjoc.products.content import Content
from aspjoc.products.facts import gathered
from aspjoc.products.models import ProductKind
from aspjoc.products.scope import Dialect, Scope
from aspjoc.products.sections import Context
from aspjoc.products.sections.clusters import clusters
from aspjoc.products.sections.indicators import indicators
from aspjoc.products.sections.infrastructure import infrastructure
from aspjoc.products.sections.matches import matches
from aspjoc.products.sections.outcomes import outcomes
from aspjoc.products.sections.volumes import volumes

K = ProductKind
SECTION_TITLES = {
    "volumes": "Volumes and trends", "infrastructure": "Most used infrastructure", "clusters": "New clusters of shared infrastructure",
    "outcomes": "Operation outcomes", "matches": "Matches across countries", "indicators": "Indicators",
}
# Volumes always come first: their cube also counts what was left out for the audience.
PLAN: dict[ProductKind, tuple[str, ...]] = {
    K.ASSESSMENT: ("volumes", "infrastructure", "clusters", "outcomes", "matches"),
    K.ACTIVITY_REPORT: ("volumes", "outcomes", "matches", "clusters"),
    K.ADVISORY: ("volumes", "indicators", "infrastructure"),
    K.MO_BULLETIN: ("volumes", "indicators", "infrastructure"),
}
SECTIONS: dict[str, Callable[[Context], Any]] = {
    "infrastructure": infrastructure, "clusters": clusters, "outcomes": outcomes, "matches": matches, "indicators": indicators,
}
Progress = Callable[[str], None]


def sections_of(kind: ProductKind) -> tuple[str, ...]:
    return PLAN[kind]


def generate(session: Session, kind: ProductKind, scope: Scope, audience: Audience, now: datetime,
             progress: Progress | None = None) -> Content:
    """The content of a ``kind`` product over ``scope`` for ``audience``; ``progress`` is told each section's name as it ends."""
    dialect = Dialect(session)
    with gathered(session, scope, audience, dialect) as facts:
        ctx = Context(session, scope, audience, dialect, now, facts)
        section, readable, hidden = volumes(ctx)
        content = Content(generated_at=now, audience=audience.description, author_view=readable, left_out=hidden,
                          volumes=section)
        if progress:
            progress("volumes")
        for name in PLAN[kind][1:]:
            setattr(content, name, SECTIONS[name](ctx))
            if progress:
                progress(name)
    return content
