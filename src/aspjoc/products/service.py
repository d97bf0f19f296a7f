"""Products: who may see which, and the list queries. Every read goes through the access gate."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, or_, select
from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.access import Principal, gate
from aspjoc.accounts.models import OrgKind
from aspjoc.errors import NotFound
from aspjoc.marking import TLP, Marking
from aspjoc.products.models import Product, ProductStatus

_UNDER_REVIEW = (ProductStatus.IN_REVIEW.value, ProductStatus.APPROVED.value)


def _hub_member(principal: Principal) -> bool:
    return principal.org_kind == OrgKind.HUB.value


def visible_condition(principal: Principal) -> ColumnElement[bool]:
    """The condition on ``products`` for what ``principal`` may open.

    The marking gate always applies. On top of it: a published product is open to its
    audience; an unpublished one only to the author's organisation, and, once submitted for
    review, to the hub (whose analysts may approve it) when the marking lets the hub see it.
    """
    published = Product.status == ProductStatus.PUBLISHED.value
    own = Product.author_org_id == principal.org_id
    reviewing = Product.status.in_(_UNDER_REVIEW) if _hub_member(principal) else false()
    return and_(gate(principal, Product), or_(published, own, reviewing) if principal.org_id else published)


def _public_query() -> Select[Any]:
    """Published CLEAR products, as the anonymous public sees them through the gate."""
    return (select(Product).join(Marking, Marking.id == Product.marking_id)
            .where(gate(Principal.public(), Product), Marking.tlp == int(TLP.CLEAR),
                   Product.status == ProductStatus.PUBLISHED.value, Product.approved_at.is_not(None)))


def published_public(session: Session) -> list[Product]:
    """Approved and published CLEAR products, newest publication first (for the public portal and its Atom feed).

    Only products marked TLP:CLEAR are returned; the list is empty when none is published.
    """
    query = _public_query().order_by(Product.published_at.desc(), Product.id.desc())
    return list(session.scalars(query).unique())


def public_product(session: Session, product_uuid: str) -> Product:
    """One published CLEAR product by its uuid (the public portal's detail page); NotFound otherwise."""
    found = session.scalars(_public_query().where(Product.uuid == product_uuid)).unique().first()
    if found is None:
        raise NotFound("product", "no such published product")
    return found


def visible_products(session: Session, principal: Principal, status: str | None = None, limit: int = 200) -> list[Product]:
    """Products ``principal`` may open, newest change first; ``status`` narrows to one status."""
    query = select(Product).where(visible_condition(principal))
    if status:
        query = query.where(Product.status == status)
    query = query.order_by(Product.updated_at.desc(), Product.id.desc()).limit(limit)
    return list(session.scalars(query).unique())


def record_read(session: Session, principal: Principal, product: Product, now: datetime) -> None:
    """Audit an opening of another organisation's AMBER+STRICT or RED product (reads of restricted data are audited)."""
    if product.marking.tlp >= int(TLP.AMBER_STRICT) and product.author_org_id != principal.org_id:
        audit.record(session, principal, "product.read", now, "product", product.id, {"tlp": TLP(product.marking.tlp).label})


def get_product(session: Session, principal: Principal, product_id: int) -> Product:
    """The product ``product_id`` if ``principal`` may open it; NotFound (404) otherwise, whether or not it exists."""
    found = session.scalars(select(Product).where(Product.id == product_id, visible_condition(principal))).unique().first()
    if found is None:
        raise NotFound("product", f"no product {product_id}")
    return found
