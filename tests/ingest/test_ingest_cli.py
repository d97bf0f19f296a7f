"""``aspjoc ingest``: files, a MISP feed folder, URLs served by a local HTTP server, and the exit status."""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pymisp import MISPEvent, MISPOrganisation
from typer.testing import CliRunner

from aspjoc.cli import app
from aspjoc.db import Database
from ingest_helpers import counts
from support import Factory


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A folder served over HTTP on loopback (a stand-in for a remote feed)."""
    folder = tmp_path / "www"
    folder.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    thread.join()


def _cli(database_url: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["ingest", *args], env={"ASPJOC_DATABASE_URL": database_url})
    return result.exit_code, result.output + (repr(result.exception) if result.exception else "")


def test_a_url_is_fetched_and_summarised(db: Database, make: Factory, database_url: str, served: tuple[Path, str]) -> None:
    make.org("Fiji Cyber Unit", "FJ")
    folder, base = served
    (folder / "feed.txt").write_text("https://login-verify.example/a\nhttp://\nhttps://bank-check.example/b\n")
    code, output = _cli(database_url, f"{base}/feed.txt", "--format", "openphish", "--org", "Fiji Cyber Unit", "--tlp", "green")
    assert code == 0, output
    assert "rejected" in output and "line 2" in output
    assert counts(db)[:2] == (2, 2)


def test_a_misp_feed_is_read_from_a_folder_and_from_its_url(db: Database, make: Factory, database_url: str,
                                                          served: tuple[Path, str]) -> None:
    make.org("Fiji Cyber Unit", "FJ")
    folder, base = served
    manifest: dict[str, object] = {}
    event = MISPEvent()
    event.info = "Mule accounts"
    orgc = MISPOrganisation()
    orgc.from_dict(name="Partner Bank", uuid="5d6d3b2f-1b2a-4c3d-9e8f-0a1b2c3d4e5f")
    event.Orgc = orgc
    event.add_attribute("iban", "GB82 WEST 1234 5698 7654 32")
    event.add_attribute("phone-number", "+66 81 234 5678")
    feed = event.to_feed(with_meta=True)
    feed["Event"].pop("_hashes")
    manifest.update(feed["Event"].pop("_manifest"))
    (folder / f"{feed['Event']['uuid']}.json").write_text(json.dumps(feed))
    (folder / "manifest.json").write_text(json.dumps(manifest))
    code, output = _cli(database_url, str(folder), "--format", "misp-feed", "--org", "Fiji Cyber Unit", "--tlp", "amber")
    assert code == 0, output
    assert counts(db) == (2, 2, 2)
    code, output = _cli(database_url, f"{base}/manifest.json", "--format", "misp-feed", "--org", "Fiji Cyber Unit",
                        "--tlp", "amber", "--source", "partner feed")
    assert code == 0, output
    assert counts(db) == (2, 4, 4)  # same observables, a second source's statements


def test_a_failed_run_exits_non_zero_and_is_recorded(db: Database, make: Factory, database_url: str, tmp_path: Path) -> None:
    make.org("Fiji Cyber Unit", "FJ")
    bundle = tmp_path / "broken.json"
    bundle.write_text('{"type": "bundle", "objects": [{"type": "ipv4-addr", "value": "198.51.100.1", "id": "ipv4-addr--'
                      '1e4ffad7-0b88-41d4-ba4d-77d27490b956", "spec_version": "2.1"}, {"type": ')
    code, output = _cli(database_url, str(bundle), "--format", "stix", "--org", "Fiji Cyber Unit", "--tlp", "amber")
    assert code != 0
    from sqlalchemy import select

    from aspjoc.intel.ingest.models import IngestRun

    with db.reader() as s:
        run = s.scalars(select(IngestRun)).one()
    assert run.status == "failed" and "json" in run.error
    code, output = _cli(database_url, str(bundle), "--format", "stix", "--org", "Nobody", "--tlp", "amber")
    assert code != 0
