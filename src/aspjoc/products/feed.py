"""Published products as STIX objects for machine channels (TAXII collections, sync).

``published_objects(session, principal)`` returns, oldest publication first, each published
product the principal may receive for export (``Purpose.EXPORT``: RED products never leave by a
machine channel) with its bundle's objects: the ``report``, its indicators, its author's
identity and its TLP marking definition. A TAXII collection can merge these as a stream of its
own, keyed by the publication time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aspjoc.access import Principal, Purpose, gate
from aspjoc.products.export import content_of, document_of
from aspjoc.products.models import Product, ProductStatus
from aspjoc.products.render_stix import bundle


@dataclass(frozen=True)
class PublishedObjects:
    product_id: int
    published_at: datetime
    objects: list[dict[str, Any]]


def iter_published_objects(session: Session, principal: Principal, interop: bool = False,
                           after: datetime | None = None) -> Iterator[PublishedObjects]:
    """Published products ``principal`` may export, published after ``after`` (all when None), as STIX objects.

    Lazily, oldest publication first (ties by id): a caller that needs one page stops early, and a
    product's bundle is only built when reached.
    """
    query = select(Product).where(Product.status == ProductStatus.PUBLISHED.value, gate(principal, Product, Purpose.EXPORT))
    if after is not None:
        query = query.where(Product.published_at > after)
    for product in session.scalars(query.order_by(Product.published_at, Product.id)).unique():
        assert product.published_at is not None
        objects = bundle(product, content_of(product), document_of(product, charts=False), interop)["objects"]
        yield PublishedObjects(product.id, product.published_at, objects)


def published_objects(session: Session, principal: Principal, interop: bool = False,
                      after: datetime | None = None) -> list[PublishedObjects]:
    """``iter_published_objects`` as a list."""
    return list(iter_published_objects(session, principal, interop, after))
