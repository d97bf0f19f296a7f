"""REST routes for products under /api/v1: create and edit drafts, review, publish, and download renderings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from aspjoc.marking import TLP
from aspjoc.products import service, workflow
from aspjoc.products.export import MEDIA, content_of, export
from aspjoc.products.models import Product
from aspjoc.products.schemas import (
    ProductIn,
    ProductList,
    ProductOut,
    ProductPatch,
    ReviewIn,
)
from aspjoc.web.deps import DbSession, Now, SignedIn

router = APIRouter(tags=["products"])


def product_out(product: Product, with_content: bool = True) -> ProductOut:
    """The API shape of a product the caller may open; its figures are those computed for its audience."""
    base = f"/api/v1/products/{product.id}/render"
    return ProductOut(
        id=product.id, uuid=product.uuid, kind=product.kind, title=product.title, status=product.status,
        tlp=TLP(product.marking.tlp).label, author_organisation=product.author_org.name,  # type: ignore[arg-type]
        author=product.author.email, period_start=product.period_start, period_end=product.period_end,
        countries=product.country_list, crime_type=product.crime_type, summary=product.summary, body=product.body,
        detection=product.detection, prevention=product.prevention,
        approved_by=product.approver.email if product.approver else None, approved_at=product.approved_at,
        published_at=product.published_at, updated_at=product.updated_at,
        content=content_of(product) if with_content else None,
        links={fmt: f"{base}/{fmt}" for fmt in MEDIA},
    )


@router.get("/products", response_model=ProductList)
def list_products(principal: SignedIn, session: DbSession,
                  status: Annotated[str | None, Query(description="draft, in_review, approved or published.")] = None,
                  ) -> ProductList:
    """Products the caller may open: published ones for their audience, and the drafts of the caller's organisation."""
    return ProductList(items=[product_out(p, with_content=False) for p in service.visible_products(session, principal, status)])


@router.post("/products", status_code=201, response_model=ProductOut)
def create_product(data: ProductIn, principal: SignedIn, session: DbSession, now: Now) -> ProductOut:
    """Create a draft; its figures are generated at once for the audience its marking names."""
    return product_out(workflow.create_product(session, principal, data, now))


@router.get("/products/{product_id}", response_model=ProductOut)
def get_product(product_id: int, principal: SignedIn, session: DbSession, now: Now) -> ProductOut:
    product = service.get_product(session, principal, product_id)
    service.record_read(session, principal, product, now)
    return product_out(product)


@router.patch("/products/{product_id}", response_model=ProductOut)
def update_product(product_id: int, data: ProductPatch, principal: SignedIn, session: DbSession, now: Now) -> ProductOut:
    """Change a draft of the caller's organisation; its figures are regenerated."""
    return product_out(workflow.update_product(session, principal, product_id, data, now))


@router.post("/products/{product_id}/submit", response_model=ProductOut)
def submit(product_id: int, principal: SignedIn, session: DbSession, now: Now) -> ProductOut:
    return product_out(workflow.submit(session, principal, product_id, now))


@router.post("/products/{product_id}/approve", response_model=ProductOut)
def approve(product_id: int, data: ReviewIn, principal: SignedIn, session: DbSession, now: Now) -> ProductOut:
    """Approve a product in review: a user other than its author, of its organisation or of the hub."""
    return product_out(workflow.approve(session, principal, product_id, now, data.note))


@router.post("/products/{product_id}/return", response_model=ProductOut)
def return_to_draft(product_id: int, data: ReviewIn, principal: SignedIn, session: DbSession, now: Now) -> ProductOut:
    return product_out(workflow.return_to_draft(session, principal, product_id, now, data.note))


@router.post("/products/{product_id}/publish", response_model=ProductOut)
def publish(product_id: int, principal: SignedIn, session: DbSession, now: Now) -> ProductOut:
    """Publish an approved product and notify its audience's organisations."""
    return product_out(workflow.publish(session, principal, product_id, now))


@router.get("/products/{product_id}/render/{fmt}", response_class=Response,
            responses={200: {"content": {media: {} for media in MEDIA.values()}}})
def render(product_id: int, fmt: str, principal: SignedIn, session: DbSession, now: Now,
           interop: Annotated[bool, Query(description="STIX only: TLP 1.0 marking ids where one exists.")] = False) -> Response:
    """The product as pdf, html, md (Markdown) or json (a STIX 2.1 bundle with one report)."""
    rendered = export(session, principal, product_id, fmt, now, interop)
    return Response(rendered.data, media_type=rendered.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{rendered.filename}"'})
