"""Console pages of ingest: upload a file, see the run's summary and its rejected lines."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.responses import Response

from aspjoc.errors import AspjocError, InvalidInput
from aspjoc.intel.formats import FORMATS
from aspjoc.intel.ingest import runs, service
from aspjoc.intel.models import CrimeType
from aspjoc.marking import TLP
from aspjoc.web.deps import DbSession, Now, SignedIn, check_csrf
from aspjoc.web.templating import render

router = APIRouter(include_in_schema=False)
NAV = [("Ingest", "/ingest")]
UPLOAD_FORMATS = [f for f in FORMATS.values() if f.name != "misp-feed"]


def _context(session: DbSession, principal: SignedIn, form: dict[str, str] | None = None) -> dict[str, object]:
    return {"formats": UPLOAD_FORMATS, "levels": [level.label for level in TLP], "crime_types": list(CrimeType),
            "runs": runs.list_runs(session, principal, limit=20),
            "form": form or {"format": "list", "tlp": "amber"}}


@router.get("/ingest")
def ingest_page(request: Request, principal: SignedIn, session: DbSession) -> Response:
    return render(request, "ingest/upload.html", _context(session, principal))


@router.post("/ingest")
async def upload(request: Request, principal: SignedIn, session: DbSession, now: Now) -> Response:
    """Ingest the uploaded file, then show its run (summary and rejected lines)."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token", "")))
    values = {k: str(v) for k, v in form.items() if not isinstance(v, UploadFile)}
    upload = form.get("file")
    # The pipeline commits on its own connections: SQLite's write lock must be free (see api.ingest).
    session.commit()
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise InvalidInput("file", "choose a file to ingest")
        report = await run_in_threadpool(
            service.ingest_file, request.app.state.db, principal, upload.file, values.get("format", ""),
            values.get("tlp", ""), values.get("source") or upload.filename, now, values.get("map", ""),
            values.get("crime_type") or None, values.get("country") or None)
    except AspjocError as exc:
        return render(request, "ingest/upload.html", {**_context(session, principal, values), "error": exc}, status_code=422)
    return RedirectResponse(f"/ingest/runs/{report.run_id}", status_code=303)


@router.get("/ingest/runs/{run_id}")
def run_page(request: Request, run_id: int, principal: SignedIn, session: DbSession) -> Response:
    run = runs.get_run(session, principal, run_id)
    rejected = runs.rejections(session, principal, run.id, limit=500)
    return render(request, "ingest/run.html", {"run": run, "rejected": rejected})
