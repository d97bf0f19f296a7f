"""Public advisories: published CLEAR products, newest first, as pages and an Atom feed."""

from __future__ import annotations

from fastapi import APIRouter, Request
from markupsafe import Markup
from starlette.responses import Response

from aspjoc.errors import NotFound
from aspjoc.products.service import public_product, published_public
from aspjoc.products.text import to_html
from aspjoc.public.advisories import atom_feed
from aspjoc.public.state import portal
from aspjoc.public.visitor import language

router = APIRouter(include_in_schema=False)


@router.get("/public/advisories")
def advisories(request: Request) -> Response:
    lang = language(request)
    with request.app.state.db.reader() as session:
        products = published_public(session)
    return portal(request).pages.render(request, "public/advisories.html", lang, {"advisories": products})


@router.get("/public/advisories.atom")
def advisories_feed(request: Request) -> Response:
    """The Atom 1.0 feed of the same list (the products' own language; the feed is not translated)."""
    with request.app.state.db.reader() as session:
        products = published_public(session)
        body = atom_feed(products, str(request.base_url).rstrip("/"), "Scam advisories",
                         request.app.state.clock.now())
    return Response(body, media_type="application/atom+xml; charset=utf-8")


@router.get("/public/advisories/{uuid}")
def advisory(request: Request, uuid: str) -> Response:
    lang = language(request)
    pages = portal(request).pages
    with request.app.state.db.reader() as session:
        try:
            product = public_product(session, uuid)
        except NotFound:
            return pages.render(request, "public/not_found.html", lang, status_code=404)
        sections = [(title, Markup(to_html(text))) for title, text in (
            ("", product.body), ("detection", product.detection), ("prevention", product.prevention)) if text.strip()]
        return pages.render(request, "public/advisory.html", lang, {"advisory": product, "sections": sections})
