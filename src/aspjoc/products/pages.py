"""Console pages for products: list, new, view (with review and publication), edit, downloads."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy import select
from starlette.datastructures import FormData
from starlette.responses import Response

from aspjoc.access import Principal
from aspjoc.accounts.models import Organisation, OrgKind, SharingGroup
from aspjoc.countries import MEMBER_COUNTRIES
from aspjoc.errors import AspjocError
from aspjoc.intel.models import CrimeType
from aspjoc.marking import TLP, MarkingRecipient
from aspjoc.products import service, workflow
from aspjoc.products.export import document_of, export
from aspjoc.products.models import Product, ProductKind, ProductStatus
from aspjoc.products.schemas import ProductIn, ProductPatch
from aspjoc.web.deps import DbSession, Now, SignedIn, check_csrf
from aspjoc.web.templating import render

router = APIRouter(include_in_schema=False)
NAV = [("Products", "/products")]
TEXT_FIELDS = ("title", "summary", "body", "detection", "prevention")


def last_twelve_months(today: date) -> tuple[date, date]:
    """The twelve full months before ``today``'s month: (first day, last day)."""
    end = today.replace(day=1) - timedelta(days=1)
    return date(end.year - 1 if end.month < 12 else end.year, end.month % 12 + 1, 1), end


def _form_context(session: DbSession) -> dict[str, Any]:
    return {"kinds": list(ProductKind), "crime_types": list(CrimeType), "countries": MEMBER_COUNTRIES,
            "levels": [level.label for level in TLP],
            "orgs": session.scalars(select(Organisation).order_by(Organisation.name)).all(),
            "groups": session.scalars(select(SharingGroup).order_by(SharingGroup.name)).all()}


def _values(form: FormData) -> dict[str, Any]:
    return {"kind": form.get("kind") or "assessment", "crime_type": form.get("crime_type") or None,
            "period_start": form.get("period_start") or None, "period_end": form.get("period_end") or None,
            "countries": [str(c) for c in form.getlist("countries")],
            "marking": {"tlp": form.get("tlp") or "green",
                        "recipients": {"organisations": [str(o) for o in form.getlist("organisations")],
                                       "groups": [str(g) for g in form.getlist("groups")]}},
            **{name: str(form.get(name) or "") for name in TEXT_FIELDS}}


def _validation(exc: ValidationError) -> AspjocError:
    first = exc.errors()[0]
    return AspjocError(".".join(str(p) for p in first["loc"]), first["msg"])


def _actions(product: Product, principal: Principal) -> dict[str, bool]:
    """Which buttons to offer; the workflow checks again on submission."""
    own = product.author_org_id == principal.org_id
    reviewer = (product.author_user_id != principal.user_id
                and (own or principal.org_kind == OrgKind.HUB.value))
    return {"edit": own and product.status == ProductStatus.DRAFT.value,
            "submit": own and product.status == ProductStatus.DRAFT.value,
            "review": reviewer and product.status == ProductStatus.IN_REVIEW.value,
            "publish": product.status == ProductStatus.APPROVED.value
                       and principal.org_id in (product.author_org_id, product.approver.org_id if product.approver else None)}


@router.get("/products")
def products_page(request: Request, principal: SignedIn, session: DbSession, status: str = "") -> Response:
    items = service.visible_products(session, principal, status or None)
    return render(request, "products/list.html", {"items": items, "status": status, "statuses": list(ProductStatus)})


@router.get("/products/new")
def new_product_form(request: Request, principal: SignedIn, session: DbSession, now: Now) -> Response:
    start, end = last_twelve_months(now.date())
    form = {"kind": "assessment", "marking": {"tlp": "green"}, "countries": [], "period_start": start, "period_end": end}
    return render(request, "products/form.html", {**_form_context(session), "form": form, "action": "/products/new"})


@router.post("/products/new")
async def new_product(request: Request, principal: SignedIn, session: DbSession, now: Now) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token", "")))
    values = _values(form)
    try:
        product = workflow.create_product(session, principal, ProductIn.model_validate(values), now)
    except ValidationError as exc:
        return render(request, "products/form.html", {**_form_context(session), "form": values, "error": _validation(exc),
                                                      "action": "/products/new"}, status_code=422)
    except AspjocError as exc:
        return render(request, "products/form.html", {**_form_context(session), "form": values, "error": exc,
                                                      "action": "/products/new"}, status_code=422)
    return RedirectResponse(f"/products/{product.id}", status_code=303)


@router.get("/products/{product_id}")
def product_page(request: Request, product_id: int, principal: SignedIn, session: DbSession, now: Now) -> Response:
    product = service.get_product(session, principal, product_id)
    service.record_read(session, principal, product, now)
    return render(request, "products/detail.html", {
        "p": product, "doc": document_of(product), "actions": _actions(product, principal),
        "reviews": workflow.reviews(session, product)})


@router.get("/products/{product_id}/edit")
def edit_form(request: Request, product_id: int, principal: SignedIn, session: DbSession) -> Response:
    p = service.get_product(session, principal, product_id)
    recipients = session.execute(select(MarkingRecipient.org_id, MarkingRecipient.group_id)
                                 .where(MarkingRecipient.marking_id == p.marking_id)).all()
    # The form shows the current recipients selected: saving without touching them must not widen the audience.
    chosen = {"organisations": [str(o) for o, _ in recipients if o is not None],
              "groups": [str(g) for _, g in recipients if g is not None]}
    form = {"kind": p.kind, "crime_type": p.crime_type, "period_start": p.period_start, "period_end": p.period_end,
            "countries": p.country_list, "marking": {"tlp": TLP(p.marking.tlp).label, "recipients": chosen},
            **{name: getattr(p, name) for name in TEXT_FIELDS}}
    return render(request, "products/form.html", {**_form_context(session), "form": form, "product": p,
                                                  "action": f"/products/{p.id}/edit"})


@router.post("/products/{product_id}/edit")
async def edit(request: Request, product_id: int, principal: SignedIn, session: DbSession, now: Now) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token", "")))
    values = _values(form)
    values.pop("kind")
    try:
        workflow.update_product(session, principal, product_id, ProductPatch.model_validate(values), now)
    except (ValidationError, AspjocError) as exc:
        error = _validation(exc) if isinstance(exc, ValidationError) else exc
        product = service.get_product(session, principal, product_id)
        return render(request, "products/form.html", {**_form_context(session), "form": values, "error": error,
                                                      "product": product, "action": f"/products/{product_id}/edit"},
                      status_code=422)
    return RedirectResponse(f"/products/{product_id}", status_code=303)


@router.post("/products/{product_id}/{step}")
async def step(request: Request, product_id: int, step: str, principal: SignedIn, session: DbSession, now: Now) -> Response:
    """Submit, approve, return or publish; a refusal is shown on the product's page."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token", "")))
    note = str(form.get("note") or "")
    steps = {"submit": lambda: workflow.submit(session, principal, product_id, now),
             "approve": lambda: workflow.approve(session, principal, product_id, now, note),
             "return": lambda: workflow.return_to_draft(session, principal, product_id, now, note),
             "publish": lambda: workflow.publish(session, principal, product_id, now)}
    if step not in steps:
        raise AspjocError("step", f"'{step}' is not one of {', '.join(steps)}")
    try:
        steps[step]()
    except AspjocError as exc:
        product = service.get_product(session, principal, product_id)
        return render(request, "products/detail.html", {
            "p": product, "doc": document_of(product), "actions": _actions(product, principal), "error": exc,
            "reviews": workflow.reviews(session, product)}, status_code=exc.status_code)
    return RedirectResponse(f"/products/{product_id}", status_code=303)


@router.get("/products/{product_id}/download/{fmt}")
def download(product_id: int, fmt: str, principal: SignedIn, session: DbSession, now: Now) -> Response:
    rendered = export(session, principal, product_id, fmt, now)
    return Response(rendered.data, media_type=rendered.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{rendered.filename}"'})
