"""Sources in the console (admins of the owner only) and at the command line (add, list, run, worker --once)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from typer.testing import CliRunner

from aspjoc.cli import app as cli
from aspjoc.intel.sources.models import Source
from sources_helpers import PLAIN_LIST, URLHAUS_CSV, FeedServer
from support import PASSWORD, Factory


def _sign_in(client: Any, email: str) -> None:
    client.cookies.clear()
    client.get("/signin")
    reply = client.post("/signin", data={"email": email, "password": PASSWORD, "csrf_token": client.cookies.get("aspjoc_form")})
    assert reply.status_code in (200, 303), reply.text


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def test_admin_adds_a_source_and_sees_it_fail_visibly(client: Any, make: Factory, database_url: str, monkeypatch: Any) -> None:
    cert = make.org("Vendor CERT", "SG", "cert")
    make.user("admin@cert.aspjoc.test", cert, role="admin")
    _sign_in(client, "admin@cert.aspjoc.test")
    page = client.get("/sources")
    bad = client.post("/sources", data={"csrf_token": _csrf(page.text), "name": "Bad", "url": "ftp://x", "format": "list"})
    assert bad.status_code == 422 and "url" in bad.text
    with FeedServer({}, status={"/gone": 500}) as feeds:
        added = client.post("/sources", data={"csrf_token": _csrf(page.text), "name": "Broken feed", "url": feeds.url + "/gone",
                                              "format": "urlhaus-csv", "interval": "30", "tlp": "amber+strict",
                                              "reliability": "C", "credibility": "3"}, follow_redirects=False)
        assert added.status_code == 303
        monkeypatch.setenv("ASPJOC_DATABASE_URL", database_url)
        run = CliRunner().invoke(cli, ["source", "run", "Broken feed"])
    assert run.exit_code == 1 and "HTTP 500" in run.output
    listing = client.get("/sources").text
    assert "status-failing" in listing and "HTTP 500" in listing and "TLP:AMBER+STRICT" in listing
    detail = client.get(added.headers["location"]).text
    assert 'id="failing"' in detail and "1 failed fetch in a row" in detail


def test_sources_are_visible_to_their_organisations_admins_only(client: Any, make: Factory, database_url: str,
                                                                 monkeypatch: Any) -> None:
    th = make.org("Thai Cyber Unit", "TH")
    ph = make.org("Philippine Cyber Unit", "PH")
    make.user("admin@th.aspjoc.test", th, role="admin")
    make.user("admin@ph.aspjoc.test", ph, role="admin")
    make.user("analyst@th.aspjoc.test", th)
    monkeypatch.setenv("ASPJOC_DATABASE_URL", database_url)
    added = CliRunner().invoke(cli, ["source", "add", "Thai informant list", "http://127.0.0.1:9/secret-informant-feed",
                                     "--format", "list", "--org", "Thai Cyber Unit", "--tlp", "red"])
    assert added.exit_code == 0, added.output
    with make.db.reader() as s:
        source_id = s.scalars(select(Source.id)).one()
    _sign_in(client, "admin@ph.aspjoc.test")
    assert "informant" not in client.get("/sources").text
    assert client.get(f"/sources/{source_id}").status_code == 404
    token = _csrf(client.get("/sources").text)
    assert client.post(f"/sources/{source_id}/disable", data={"csrf_token": token}).status_code == 404
    _sign_in(client, "analyst@th.aspjoc.test")
    assert client.get("/sources").status_code == 403
    _sign_in(client, "admin@th.aspjoc.test")
    assert "Thai informant list" in client.get("/sources").text and "TLP:RED" in client.get(f"/sources/{source_id}").text


def test_cli_adds_lists_and_the_worker_polls_once(make: Factory, database_url: str, monkeypatch: Any) -> None:
    make.org("Vendor CERT", "SG", "cert")
    monkeypatch.setenv("ASPJOC_DATABASE_URL", database_url)
    runner = CliRunner()
    with FeedServer({"/recent.csv": URLHAUS_CSV, "/list.txt": PLAIN_LIST}) as feeds:
        for name, path, fmt in (("URLhaus recent", "/recent.csv", "urlhaus-csv"), ("Partner list", "/list.txt", "list")):
            added = runner.invoke(cli, ["source", "add", name, feeds.url + path, "--format", fmt, "--org", "Vendor CERT",
                                        "--tlp", "green", "--interval", "15", "--country", "FJ"])
            assert added.exit_code == 0, added.output
        duplicate = runner.invoke(cli, ["source", "add", "Partner list", feeds.url + "/list.txt", "--format", "list",
                                        "--org", "Vendor CERT"])
        assert duplicate.exit_code != 0 and "already exists" in str(duplicate.exception)
        first = runner.invoke(cli, ["worker", "--once"])
        assert first.exit_code == 0, first.output
        assert first.output.count("stored") == 2
        again = runner.invoke(cli, ["source", "run", "Partner list"])
        assert again.exit_code == 0 and "unchanged (HTTP 304)" in again.output
    listing = runner.invoke(cli, ["source", "list"])
    assert listing.exit_code == 0 and "unchanged" in listing.output and "URLhaus recent" in listing.output
