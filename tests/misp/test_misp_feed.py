"""MISP feed export (CLI folder and API zip): PyMISP reads it back, the ingest pipeline re-ingests it, nothing leaks."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

from pymisp import MISPEvent
from pymisp.tools.feed import feed_meta_generator
from sqlalchemy import select
from typer.testing import CliRunner

from aspjoc.cli import app as cli_app
from aspjoc.intel.formats import FORMATS, FormatOptions
from aspjoc.intel.ingest.pipeline import IngestOptions, ingest
from aspjoc.intel.models import Observable, Statement
from aspjoc.marking import TLP
from misp_helpers import Community, client, community, event, second_instance
from support import Factory, bearer

SHARED = ["198.51.100.30", "+6799990001", "lure.example"]
TH_RED = "+66812345678"


def _arrange(live_server: Any, make: Factory) -> Community:
    c = community(make)
    fj, th = client(live_server.url, c.fj_token), client(live_server.url, c.th_token)
    fj.add_event(event("FJ wave", [("ip-dst", SHARED[0]), ("phone-number", "+679 999 0001")], tags=["tlp:green"],
                       published=True))
    th.add_event(event("TH mixed", [("domain", SHARED[2])], distribution=3))
    th_event = th.search(eventinfo="TH mixed")[0]["Event"]["uuid"]  # type: ignore[index]
    th.add_attribute(th_event, {"type": "phone-number", "value": TH_RED, "Tag": [{"name": "tlp:red"}]})
    return c


def _unzip(data: bytes, folder: Path) -> Path:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(folder)
    return folder


def _check_feed_as_pymisp_reads_it(folder: Path) -> dict[str, MISPEvent]:
    manifest = json.loads((folder / "manifest.json").read_text())
    loaded = {}
    for uuid, entry in manifest.items():
        made = MISPEvent()
        made.load_file(str(folder / f"{uuid}.json"))
        assert made.uuid == uuid and made.info == entry["info"] and entry["Orgc"]["name"]
        loaded[uuid] = made
    lines = (folder / "hashes.csv").read_text().splitlines()
    expected = {f"{hashlib.md5(a.value.encode()).hexdigest()},{u}" for u, e in loaded.items() for a in e.attributes}
    assert set(lines) == expected and len(lines) == len(expected)
    # PyMISP's own feed tool regenerates the same manifest and hashes from the event files.
    again = folder.parent / (folder.name + "-regenerated")
    again.mkdir()
    for uuid in manifest:
        shutil.copy(folder / f"{uuid}.json", again / f"{uuid}.json")
    feed_meta_generator(again)
    assert json.loads((again / "manifest.json").read_text()) == manifest
    assert set((again / "hashes.csv").read_text().splitlines()) == set(lines)
    return loaded


def test_api_zip_is_a_feed_pymisp_reads_and_holds_only_what_the_caller_may_export(
        live_server: Any, make: Factory, client: Any, tmp_path: Path) -> None:
    c = _arrange(live_server, make)
    reply = client.get("/api/v1/export/misp-feed", headers=bearer(c.fj_token))
    assert reply.status_code == 200 and reply.headers["content-type"] == "application/zip"
    loaded = _check_feed_as_pymisp_reads_it(_unzip(reply.content, tmp_path / "fj-feed"))
    exported = sorted(a.value for e in loaded.values() for a in e.attributes)
    assert exported == sorted(SHARED)
    assert TH_RED not in reply.content.decode("latin-1") and hashlib.md5(TH_RED.encode()).hexdigest() not in \
        (tmp_path / "fj-feed" / "hashes.csv").read_text()
    only_published = client.get("/api/v1/export/misp-feed", params={"published": "true"}, headers=bearer(c.fj_token))
    names = zipfile.ZipFile(io.BytesIO(only_published.content)).namelist()
    assert len(names) == 3, "one event file, manifest.json and hashes.csv"
    bad = client.get("/api/v1/export/misp-feed", params={"since": "last tuesday"}, headers=bearer(c.fj_token))
    assert bad.status_code == 422 and bad.json()["field"] == "timestamp"


def test_cli_writes_the_feed_to_a_folder_for_an_organisation(live_server: Any, make: Factory, database_url: str,
                                                             tmp_path: Path) -> None:
    c = _arrange(live_server, make)
    out = tmp_path / "th-feed"
    result = CliRunner().invoke(cli_app, ["export", "misp-feed", "--out", str(out), "--org", c.th.name, "--type", "phone-number"],
                                env={"ASPJOC_DATABASE_URL": database_url})
    assert result.exit_code == 0, result.output
    loaded = _check_feed_as_pymisp_reads_it(out)
    # MISP's events/restSearch semantics: events holding a phone number, each whole; the owner exports its own RED.
    assert sorted(a.value for e in loaded.values() for a in e.attributes) == sorted([*SHARED, TH_RED])
    refused = CliRunner().invoke(cli_app, ["export", "misp-feed", "--out", str(out)], env={"ASPJOC_DATABASE_URL": database_url})
    assert refused.exit_code != 0


def test_feed_is_reingested_by_the_misp_feed_reader_on_another_instance(
        live_server: Any, make: Factory, client: Any, tmp_path: Path, clock: Any, _template_db: str) -> None:
    c = _arrange(live_server, make)
    folder = _unzip(client.get("/api/v1/export/misp-feed", headers=bearer(c.fj_token)).content, tmp_path / "feed")
    with second_instance(_template_db, tmp_path, clock) as other:
        partner = other.make.org("Pacific Bank", "FJ", kind="private")
        reader = FORMATS["misp-feed"].read
        options = FormatOptions(open_sibling=lambda name: (folder / name).open("rb"))
        with (folder / "manifest.json").open("rb") as manifest:
            report = ingest(other.db, reader(manifest, options), IngestOptions(org_id=partner.id, tlp=TLP.GREEN,
                                                                                source="fj-feed"), clock.now())
        assert (report.stored, report.rejected) == (3, 0)
        with other.db.reader() as s:
            stored = set(s.scalars(select(Observable.value).join(Statement, Statement.observable_id == Observable.id)))
        assert stored == set(SHARED)
