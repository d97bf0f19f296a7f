"""The TAXII 2.1 server at /taxii2/: discovery, API roots, collections, objects, manifests, versions, status.

Every endpoint authenticates (``taxii.auth``), answers in the TAXII media type, and reads
statements only through the access gate for ``Purpose.EXPORT`` (``taxii.paging``): RED and
``no_export`` statements of other organisations never leave. AMBER+STRICT does reach its named
recipient organisations — they are its audience — and nobody else. A collection, object or
status outside the caller's view answers 404. The read-only products collection serves published
products through the gate on products (``taxii.products``); each delivery is audited as an export.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from aspjoc import audit
from aspjoc.access import Principal, Purpose, gate
from aspjoc.accounts.permissions import Permission, require
from aspjoc.config import Settings
from aspjoc.intel.models import Statement
from aspjoc.sharing.retrieval import record_retrieval
from aspjoc.sharing.stix.vocab import statement_uuid_of
from aspjoc.sharing.taxii import adding
from aspjoc.sharing.taxii.auth import caller
from aspjoc.sharing.taxii.collections import (
    API_ROOTS,
    DEFAULT_ROOT,
    MAX_CONTENT_LENGTH,
    collections_for,
    find_collection,
    interop_of,
    root_information,
)
from aspjoc.sharing.taxii.media import (
    TaxiiError,
    check_accept,
    check_content_type,
    not_found,
    taxii_json,
)
from aspjoc.sharing.taxii.paging import (
    Cursor,
    Filters,
    Page,
    parse_timestamp,
    read_page,
)
from aspjoc.sharing.taxii.products import product_page
from aspjoc.sharing.taxii.route import TaxiiRoute
from aspjoc.web.deps import AppSettings, Now

router = APIRouter(prefix="/taxii2", route_class=TaxiiRoute, include_in_schema=False)


def _session(request: Request) -> Iterator[Session]:
    with request.app.state.db.unit_of_work() as session:
        yield session


Db = Annotated[Session, Depends(_session, scope="function")]


def _caller(request: Request, session: Db, now: Now) -> Principal:
    check_accept(request)
    return caller(request, session, now)


Caller = Annotated[Principal, Depends(_caller)]


def _split(values: list[str] | None) -> tuple[str, ...]:
    return tuple(v.strip() for value in values or [] for v in value.split(",") if v.strip())


def _filters(request: Request, max_page: int, object_id: str | None = None) -> Filters:
    params = request.query_params
    limit_text = params.get("limit")
    try:
        limit = int(limit_text) if limit_text else max_page
    except ValueError as exc:
        raise TaxiiError(400, "Bad Request", f"limit: '{limit_text}' is not a number") from exc
    if limit < 1:
        raise TaxiiError(400, "Bad Request", "limit: must be at least 1")
    after = params.get("added_after")
    token = params.get("next")
    return Filters(
        limit=min(limit, max_page),
        added_after=parse_timestamp(after, "added_after") if after else None,
        ids=(object_id,) if object_id else _split(params.getlist("match[id]")),
        types=_split(params.getlist("match[type]")),
        versions=_split(params.getlist("match[version]")),
        spec_versions=_split(params.getlist("match[spec_version]")),
        cursor=Cursor.decode(token) if token else None,
    )


def _envelope(page: Page, key: str, items: list[object]) -> Response:
    body: dict[str, object] = {"more": page.more}
    if page.more:
        body["next"] = page.next_token() or ""
    if items:
        body[key] = items
    return taxii_json(body, headers=page.headers())


def _objects_page(request: Request, session: Session, principal: Principal, api_root: str, collection_id: str,
                  now: datetime, max_page: int, object_id: str | None = None, manifest: bool = False) -> Page:
    interop = interop_of(api_root)
    view = find_collection(session, principal, collection_id)
    if view.products:
        page, product_ids = product_page(session, principal, _filters(request, max_page, object_id), interop)
        if not manifest:
            for product_id in product_ids:
                audit.record(session, principal, "product.export", now, "product", product_id, {"via": "taxii"})
        return page
    page, rows = read_page(session, principal, view, _filters(request, max_page, object_id), interop, not manifest)
    if rows and not manifest:
        record_retrieval(session, principal, rows, now, "taxii")
    return page


@router.get("/")
def discovery(principal: Caller) -> Response:
    roots = [f"/taxii2/{name}/" for name in API_ROOTS]
    return taxii_json({"title": "aspjoc TAXII 2.1", "description": "Intelligence of the regional cybercrime programme, "
                       "as far as your organisation's markings allow.", "default": f"/taxii2/{DEFAULT_ROOT}/",
                       "api_roots": roots})


@router.get("/{api_root}/")
def api_root(api_root: str, principal: Caller) -> Response:
    return taxii_json(root_information(api_root))


@router.get("/{api_root}/collections/")
def collections(api_root: str, principal: Caller, session: Db) -> Response:
    interop_of(api_root)
    return taxii_json({"collections": [view.resource() for view in collections_for(session, principal)]})


@router.get("/{api_root}/collections/{collection_id}/")
def collection(api_root: str, collection_id: str, principal: Caller, session: Db) -> Response:
    interop_of(api_root)
    return taxii_json(find_collection(session, principal, collection_id).resource())


@router.get("/{api_root}/collections/{collection_id}/objects/")
def get_objects(request: Request, api_root: str, collection_id: str, principal: Caller, session: Db, now: Now,
                settings: AppSettings) -> Response:
    page = _objects_page(request, session, principal, api_root, collection_id, now, settings.max_page_size)
    return _envelope(page, "objects", [e.obj for e in page.entries])


@router.post("/{api_root}/collections/{collection_id}/objects/", status_code=202)
async def add_objects(request: Request, api_root: str, collection_id: str, now: Now, settings: AppSettings) -> Response:
    check_accept(request)
    check_content_type(request)
    if int(request.headers.get("content-length") or 0) > MAX_CONTENT_LENGTH:
        raise TaxiiError(413, "Payload Too Large", f"the body is larger than max_content_length ({MAX_CONTENT_LENGTH})")
    body = await request.body()
    status = await run_in_threadpool(_add, request, api_root, collection_id, body, settings, now)
    return taxii_json(status, status=202)


def _add(request: Request, api_root: str, collection_id: str, body: bytes, settings: Settings,
         now: datetime) -> dict[str, object]:
    """Authenticate, then add. No request-wide unit of work here: adding stores in its own
    transactions (the ingest pipeline commits batch by batch), and SQLite has one writer."""
    db = request.app.state.db
    with db.unit_of_work() as session:
        interop_of(api_root)
        principal = caller(request, session, now)
        view = find_collection(session, principal, collection_id)
        require(principal, Permission.WRITE_INTEL)
        if not view.can_write:
            raise TaxiiError(403, "Forbidden", f"the collection '{view.alias}' is read-only")
    return adding.add_objects(db, principal, view, api_root, body, settings, now)


@router.get("/{api_root}/collections/{collection_id}/objects/{object_id}/")
def get_object(request: Request, api_root: str, collection_id: str, object_id: str, principal: Caller, session: Db,
               now: Now, settings: AppSettings) -> Response:
    _require_object(request, session, principal, api_root, collection_id, object_id, now, settings.max_page_size)
    page = _objects_page(request, session, principal, api_root, collection_id, now, settings.max_page_size, object_id)
    return _envelope(page, "objects", [e.obj for e in page.entries])


@router.delete("/{api_root}/collections/{collection_id}/objects/{object_id}/")
def delete_object(api_root: str, collection_id: str, object_id: str, principal: Caller, session: Db,
                  now: Now) -> Response:
    """Withdraw one of the caller's own statements (it is served as revoked from then on)."""
    interop_of(api_root)
    view = find_collection(session, principal, collection_id)
    require(principal, Permission.WRITE_INTEL)
    if view.products:
        raise TaxiiError(403, "Forbidden", "the products collection is read-only")
    statement_uuid = statement_uuid_of(object_id)
    statement = session.scalar(select(Statement).where(Statement.uuid == statement_uuid,
                                                       gate(principal, Statement, Purpose.EXPORT))) if statement_uuid else None
    if statement is None:
        raise not_found(f"object '{object_id}'")
    if statement.owner_org_id != principal.org_id:
        raise TaxiiError(403, "Forbidden", "only the owner organisation may delete its statements")
    statement.withdrawn, statement.updated_at = True, now
    audit.record(session, principal, "statement.withdraw", now, "statement", statement.id, {"via": "taxii"})
    return Response(status_code=200)


@router.get("/{api_root}/collections/{collection_id}/objects/{object_id}/versions/")
def object_versions(request: Request, api_root: str, collection_id: str, object_id: str, principal: Caller,
                    session: Db, now: Now, settings: AppSettings) -> Response:
    page = _require_object(request, session, principal, api_root, collection_id, object_id, now, settings.max_page_size)
    body: dict[str, object] = {"more": False, "versions": [e.version for e in page.entries]}
    return taxii_json(body, headers=page.headers())


@router.get("/{api_root}/collections/{collection_id}/manifest/")
def manifest(request: Request, api_root: str, collection_id: str, principal: Caller, session: Db, now: Now,
             settings: AppSettings) -> Response:
    page = _objects_page(request, session, principal, api_root, collection_id, now, settings.max_page_size,
                         manifest=True)
    return _envelope(page, "objects", [e.manifest() for e in page.entries])


@router.get("/{api_root}/status/{status_id}")
@router.get("/{api_root}/status/{status_id}/")
def status(api_root: str, status_id: str, principal: Caller, session: Db) -> Response:
    # TAXII 2.1 §4.3: taxii2-client polls the status URL without a trailing slash; both are served.
    interop_of(api_root)
    return taxii_json(adding.find_status(session, principal, api_root, status_id))


@router.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown(path: str) -> Response:
    raise not_found(f"the TAXII endpoint /taxii2/{path} (TAXII 2.1 URLs end with '/')")


def _require_object(request: Request, session: Session, principal: Principal, api_root: str, collection_id: str,
                    object_id: str, now: datetime, max_page: int) -> Page:
    """Every version of ``object_id`` in the collection; a TAXII 404 when the caller sees none."""
    interop = interop_of(api_root)
    view = find_collection(session, principal, collection_id)
    filters = Filters(limit=max_page, ids=(object_id,), versions=("all",))
    if view.products:
        page, _ids = product_page(session, principal, filters, interop)
    else:
        page, _rows = read_page(session, principal, view, filters, interop, with_objects=False)
    if not page.entries:
        raise not_found(f"object '{object_id}'")
    return page
