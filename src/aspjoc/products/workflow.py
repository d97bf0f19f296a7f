"""A product's life: draft → in review → approved → published, with a second person's approval before release.

* the author (a user who may write intelligence) creates and edits a draft; every change of scope
  or marking regenerates the figures;
* submitting regenerates the figures once more and freezes them: the reviewer approves what
  will be published;
* the approver is a different user, of the author's organisation or of the hub, who may write
  intelligence and may see the product; the reviewer may instead return it to draft with a note;
* publishing notifies the audience's organisations. Every step is audited.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.access import Principal
from aspjoc.accounts.models import OrgKind
from aspjoc.accounts.permissions import Permission, require
from aspjoc.countries import is_country
from aspjoc.errors import Conflict, InvalidInput, PermissionDenied
from aspjoc.intel.service import resolve_marking
from aspjoc.marking import marking_id_for
from aspjoc.products.audience import audience_of
from aspjoc.products.generate import generate
from aspjoc.products.models import Product, ProductKind, ProductReview, ProductStatus
from aspjoc.products.notify import notify_audience
from aspjoc.products.schemas import ProductIn, ProductPatch
from aspjoc.products.scope import Scope
from aspjoc.products.service import get_product

S = ProductStatus
NEEDS_THREAT = (ProductKind.ADVISORY, ProductKind.MO_BULLETIN)


def _kind(value: str) -> ProductKind:
    try:
        return ProductKind(value)
    except ValueError:
        raise InvalidInput("kind", f"'{value}' is not one of {', '.join(ProductKind)}") from None


def _countries(values: list[str]) -> str:
    codes = sorted({v.strip().upper() for v in values if v.strip()})
    for code in codes:
        if not is_country(code):
            raise InvalidInput("countries", f"'{code}' is not an ISO 3166 country code")
    return ",".join(codes)


def scope_of(product: Product) -> Scope:
    """The period, countries and crime type ``product`` covers."""
    return Scope(product.period_start, product.period_end, tuple(product.country_list), product.crime_type)


def regenerate(session: Session, principal: Principal, product: Product, now: datetime,
               progress: Callable[[str], None] | None = None) -> Product:
    """Compute the figures again from the data, as the author sees it narrowed to the product's audience."""
    audience = audience_of(session, product.marking, principal)
    content = generate(session, ProductKind(product.kind), scope_of(product), audience, now, progress)
    product.content = content.model_dump_json()
    product.generated_at = now
    audit.record(session, principal, "product.generate", now, "product", product.id,
                 {"audience": audience.description, "left_out": content.left_out})
    return product


def create_product(session: Session, principal: Principal, data: ProductIn, now: datetime,
                   progress: Callable[[str], None] | None = None) -> Product:
    """Store a new draft owned by the principal's organisation, with its figures generated."""
    require(principal, Permission.WRITE_INTEL)
    kind = _kind(data.kind)
    if kind in NEEDS_THREAT and not data.crime_type:
        raise InvalidInput("crime_type", f"a {kind.heading.lower()} is about one threat: name its crime type")
    Scope(data.period_start, data.period_end, (), data.crime_type)  # validates the period and crime type
    assert principal.org_id is not None and principal.user_id is not None
    marking_id = marking_id_for(session, resolve_marking(session, principal, data.marking))
    product = Product(kind=kind.value, title=data.title.strip(), marking_id=marking_id, author_org_id=principal.org_id,
                      author_user_id=principal.user_id, period_start=data.period_start, period_end=data.period_end,
                      countries=_countries(data.countries), crime_type=data.crime_type, summary=data.summary,
                      body=data.body, detection=data.detection, prevention=data.prevention,
                      status=S.DRAFT.value, created_at=now, updated_at=now)
    session.add(product)
    session.flush()
    session.refresh(product)
    audit.record(session, principal, "product.create", now, "product", product.id, {"kind": kind.value, "title": product.title})
    return regenerate(session, principal, product, now, progress)


def _own_draft(session: Session, principal: Principal, product_id: int) -> Product:
    product = get_product(session, principal, product_id)
    require(principal, Permission.WRITE_INTEL)
    if product.author_org_id != principal.org_id:
        raise PermissionDenied("product", "only the author's organisation may change a product")
    if product.status != S.DRAFT.value:
        raise Conflict("status", f"the product is {product.status.replace('_', ' ')}; only a draft may change")
    return product


def update_product(session: Session, principal: Principal, product_id: int, data: ProductPatch, now: datetime) -> Product:
    """Apply ``data`` to a draft of the principal's organisation; the figures are regenerated."""
    product = _own_draft(session, principal, product_id)
    changes = data.model_dump(exclude_unset=True)
    for name in ("title", "summary", "body", "detection", "prevention", "period_start", "period_end", "crime_type"):
        if name in changes and (changes[name] is not None or name == "crime_type"):
            setattr(product, name, changes[name].strip() if name == "title" else changes[name])
    if data.countries is not None:
        product.countries = _countries(data.countries)
    if data.marking is not None:
        product.marking_id = marking_id_for(session, resolve_marking(session, principal, data.marking))
    if ProductKind(product.kind) in NEEDS_THREAT and not product.crime_type:
        raise InvalidInput("crime_type", "an advisory or bulletin is about one threat: name its crime type")
    scope_of(product)
    product.updated_at = now
    session.flush()
    session.expire(product, ["marking"])
    audit.record(session, principal, "product.update", now, "product", product.id, {"fields": sorted(changes)})
    return regenerate(session, principal, product, now)


def submit(session: Session, principal: Principal, product_id: int, now: datetime) -> Product:
    """Send a draft for review, with its figures regenerated and frozen."""
    product = _own_draft(session, principal, product_id)
    regenerate(session, principal, product, now)
    product.status = S.IN_REVIEW.value
    product.submitted_at = product.updated_at = now
    audit.record(session, principal, "product.submit", now, "product", product.id)
    return product


def _reviewable(session: Session, principal: Principal, product_id: int) -> Product:
    product = get_product(session, principal, product_id)
    require(principal, Permission.WRITE_INTEL)
    if product.status != S.IN_REVIEW.value:
        raise Conflict("status", f"the product is {product.status.replace('_', ' ')}, not in review")
    if principal.user_id == product.author_user_id:
        raise PermissionDenied("approver", "a second person must review a product: its author may not")
    if principal.org_id != product.author_org_id and principal.org_kind != OrgKind.HUB.value:
        raise PermissionDenied("approver", "the reviewer must belong to the author's organisation or to the hub")
    return product


def approve(session: Session, principal: Principal, product_id: int, now: datetime, note: str = "") -> Product:
    """Approve a product in review (see the module docstring for who may)."""
    product = _reviewable(session, principal, product_id)
    product.status = S.APPROVED.value
    product.approved_by_user_id = principal.user_id
    product.approved_at = product.updated_at = now
    session.add(ProductReview(product_id=product.id, reviewer_user_id=principal.user_id, decision="approved", note=note, at=now))
    audit.record(session, principal, "product.approve", now, "product", product.id, {"note": note})
    return product


def return_to_draft(session: Session, principal: Principal, product_id: int, now: datetime, note: str) -> Product:
    """Send a product in review back to its author with ``note`` (required: the author must learn why)."""
    if not note.strip():
        raise InvalidInput("note", "say what the author should change")
    product = _reviewable(session, principal, product_id)
    product.status = S.DRAFT.value
    product.updated_at = now
    session.add(ProductReview(product_id=product.id, reviewer_user_id=principal.user_id, decision="returned", note=note, at=now))
    audit.record(session, principal, "product.return", now, "product", product.id, {"note": note})
    return product


def publish(session: Session, principal: Principal, product_id: int, now: datetime) -> Product:
    """Release an approved product to its audience and notify the audience's organisations."""
    product = get_product(session, principal, product_id)
    require(principal, Permission.WRITE_INTEL)
    if product.status != S.APPROVED.value:
        raise Conflict("status", f"the product is {product.status.replace('_', ' ')}; only an approved product may be published")
    if principal.org_id not in (product.author_org_id, product.approver.org_id if product.approver else None):
        raise PermissionDenied("product", "only the author's or the approver's organisation may publish it")
    product.status = S.PUBLISHED.value
    product.published_at = product.updated_at = now
    told = notify_audience(session, product, now)
    audit.record(session, principal, "product.publish", now, "product", product.id, {"notified_organisations": told})
    return product


def reviews(session: Session, product: Product) -> list[ProductReview]:
    return list(session.scalars(select(ProductReview).where(ProductReview.product_id == product.id).order_by(ProductReview.at)))

