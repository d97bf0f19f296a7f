"""Source tags of statements: shown by the statements API and the console, and filtered on with ``tag=``."""

from __future__ import annotations

import io
import json
from html.parser import HTMLParser
from typing import Any

from sqlalchemy import update
from support import T0, Factory, bearer

from aspjoc.db import Database
from aspjoc.intel.formats import FORMATS
from aspjoc.intel.ingest.pipeline import IngestOptions, ingest
from aspjoc.intel.ingest.service import format_options
from aspjoc.intel.models import Statement
from aspjoc.marking import TLP

FEED = """# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter
"3001","2026-05-30 09:12:01","http://198.51.100.23:48213/bins/mozi.m","online","","malware_download","elf,Mozi","https://urlhaus.abuse.ch/url/3001/","r"
"3002","2026-05-30 09:13:44","https://files-update.example/wp/x.exe","online","","malware_download","exe","https://urlhaus.abuse.ch/url/3002/","r"
"3003","2026-05-30 09:14:00","http://203.0.113.9/a","online","","","","https://urlhaus.abuse.ch/url/3003/","r"
"""


def _feed(db: Database, org_id: int, body: str, tlp: TLP, source: str, recipients: frozenset[int] = frozenset()) -> None:
    report = ingest(db, FORMATS["urlhaus-csv"].read(io.BytesIO(body.encode()), format_options(db)),
                    IngestOptions(org_id=org_id, tlp=tlp, source=source, format="urlhaus-csv", recipient_org_ids=recipients), T0)
    assert report.rejected == 0


def _listed(client: Any, token: str, **params: Any) -> dict[str, Any]:
    reply = client.get("/api/v1/statements", params=params, headers=bearer(token))
    assert reply.status_code == 200, reply.text
    found: dict[str, Any] = reply.json()
    return found


def _values(page: dict[str, Any]) -> list[str]:
    return sorted(item["observable"]["value"] for item in page["items"])


def test_statements_carry_the_feeds_tags_and_filter_on_them(client: Any, make: Factory) -> None:
    fj = make.org("Fiji Cyber Unit", "FJ")
    token = make.token(make.user("a@fj.aspjoc.test", fj, password=None))
    _feed(make.db, fj.id, FEED, TLP.GREEN, "urlhaus")
    items = {i["observable"]["value"]: i for i in _listed(client, token)["items"]}
    assert items["http://198.51.100.23:48213/bins/mozi.m"]["tags"] == ["elf", "Mozi", "malware_download"]
    assert items["https://files-update.example/wp/x.exe"]["tags"] == ["exe", "malware_download"]
    assert items["http://203.0.113.9/a"]["tags"] == []
    mozi = ["http://198.51.100.23:48213/bins/mozi.m"]
    assert _values(_listed(client, token, tag="mozi")) == mozi  # any case
    assert _listed(client, token, tag="elf")["total"] == 1
    assert _listed(client, token, tag="el")["total"] == 0  # the whole tag, not a part of it
    assert _listed(client, token, tag="malware_download")["total"] == 2
    both = _listed(client, token, tag=["exe", "ELF"])  # repeated: any of them
    assert _values(both) == sorted([*mozi, "https://files-update.example/wp/x.exe"])
    assert _listed(client, token, tag="Mozi", type="url")["total"] == 1


def test_tag_filter_matches_whole_tags_whatever_characters_they_hold(client: Any, make: Factory) -> None:
    fj = make.org("Fiji Cyber Unit", "FJ")
    token = make.token(make.user("a@fj.aspjoc.test", fj, password=None))
    _feed(make.db, fj.id, FEED, TLP.GREEN, "urlhaus")
    tricky = ['50%_off', 'say "elf"', 'x"elf', "back\\slash", "ข้อมูล"]
    first = _listed(client, token)["items"][0]["id"]
    with make.db.unit_of_work() as s:
        s.execute(update(Statement).where(Statement.source == "urlhaus").values(tags="[]"))
        s.execute(update(Statement).where(Statement.id == first).values(tags=json.dumps(tricky, ensure_ascii=False)))
    for tag in tricky:
        assert _listed(client, token, tag=tag)["total"] == 1, tag
    # LIKE wildcards and quotes in the query are literal, and a tag inside another tag is no match.
    for tag in ("50__off", "%", "_", "elf", 'elf"', "say", "back", "back\\\\slash"):
        assert _listed(client, token, tag=tag)["total"] == 0, tag


def test_bad_tag_values_are_refused_naming_the_parameter(client: Any, make: Factory) -> None:
    fj = make.org("Fiji Cyber Unit", "FJ")
    token = make.token(make.user("a@fj.aspjoc.test", fj, password=None))
    for params in ({"tag": "  "}, {"tag": "x" * 256}, {"tag": [f"t{i}" for i in range(21)]}):
        reply = client.get("/api/v1/statements", params=params, headers=bearer(token))
        assert reply.status_code == 422, params
        assert reply.json()["field"] == "tag" and reply.json()["reason"]


def test_bad_json_in_the_tags_column_reads_as_no_tags(client: Any, make: Factory) -> None:
    fj = make.org("Fiji Cyber Unit", "FJ")
    token = make.token(make.user("a@fj.aspjoc.test", fj, password=None))
    _feed(make.db, fj.id, FEED, TLP.GREEN, "urlhaus")
    ids = sorted(i["id"] for i in _listed(client, token)["items"])
    with make.db.unit_of_work() as s:
        for statement_id, stored in zip(ids, ('["elf", ', '{"elf": 1}', '["ok", 7, null, ""]'), strict=True):
            s.execute(update(Statement).where(Statement.id == statement_id).values(tags=stored))
    tags = {i["id"]: i["tags"] for i in _listed(client, token)["items"]}
    assert tags == dict(zip(ids, ([], [], ["ok"]), strict=True))


SECRET_FEED = """# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter
"4001","2026-05-30 09:12:01","http://203.0.113.77/op-kinnaree/red","online","","malware_download","op-kinnaree-red","https://urlhaus.abuse.ch/url/4001/","r"
"""
STRICT_FEED = SECRET_FEED.replace("4001", "4002").replace("/red", "/strict").replace("-red", "-strict")


def _thai_secrets(make: Factory) -> tuple[Any, Any]:
    """Thai statements tagged ``op-kinnaree-red`` (RED) and ``op-kinnaree-strict`` (AMBER+STRICT for Fiji)."""
    th, ph, fj = make.org("Thai Cyber Unit", "TH"), make.org("Philippine Cyber Unit", "PH"), make.org("Fiji Cyber Unit", "FJ")
    _feed(make.db, th.id, SECRET_FEED, TLP.RED, "th red")
    _feed(make.db, th.id, STRICT_FEED, TLP.AMBER_STRICT, "th strict", frozenset({fj.id}))
    return th, ph


def test_thai_red_and_amber_strict_tags_never_reach_a_philippine_user(client: Any, make: Factory) -> None:
    th, ph = _thai_secrets(make)
    th_token = make.token(make.user("a@th.aspjoc.test", th, password=None))
    ph_token = make.token(make.user("a@ph.aspjoc.test", ph, password=None))
    assert _listed(client, th_token, tag="op-kinnaree-red")["total"] == 1  # the owner finds its own
    assert _listed(client, th_token, tag="op-kinnaree-strict")["total"] == 1
    nothing = _listed(client, ph_token, tag="never-used-anywhere")
    for tag in ("op-kinnaree-red", "OP-KINNAREE-STRICT", "op-kinnaree-%"):
        # The same answer as for a tag nobody uses: the filter does not tell the tag exists.
        assert _listed(client, ph_token, tag=tag) == nothing == {"items": [], "total": 0, "next": None}
    everything = client.get("/api/v1/statements", headers=bearer(ph_token)).text
    assert "kinnaree" not in everything
    for path in ("/statements", "/statements?tag=op-kinnaree-red", "/lookup?q=http://203.0.113.77/op-kinnaree/red"):
        page = client.get(path, headers={**bearer(ph_token), "accept": "text/html"})
        assert "op-kinnaree-red" not in page.text.replace("tag=op-kinnaree-red", "").replace("value=\"op-kinnaree-red\"", ""), path
    looked = client.get("/api/v1/lookup", params={"q": "http://203.0.113.77/op-kinnaree/strict"}, headers=bearer(ph_token))
    assert looked.status_code == 200 and "kinnaree-strict" not in json.dumps(looked.json()["statements"])


class _Chips(HTMLParser):
    """The text of the tag chips (``ul.tags li``) of each row of the table with ``table_id``."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id = table_id
        self._table = self._chip = False
        self.rows: list[list[str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "table":
            self._table = found.get("id") == self.table_id
        elif tag == "tr" and self._table:
            self.rows.append([])
        elif tag == "a" and self._table and str(found.get("href", "")).startswith("/statements?tag="):
            self._chip = True
            self.rows[-1].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._chip = False
        elif tag == "table":
            self._table = False

    def handle_data(self, data: str) -> None:
        if self._chip:
            self.rows[-1][-1] += data


def test_console_shows_tags_as_chips_that_filter_the_list(client: Any, make: Factory) -> None:
    fj = make.org("Fiji Cyber Unit", "FJ")
    token = make.token(make.user("a@fj.aspjoc.test", fj, password=None))
    _feed(make.db, fj.id, FEED, TLP.GREEN, "urlhaus")
    html = {**bearer(token), "accept": "text/html"}
    listed = _Chips("statement-list")
    listed.feed(client.get("/statements", headers=html).text)
    assert sorted(listed.rows[1:]) == [[], ["elf", "Mozi", "malware_download"], ["exe", "malware_download"]]
    filtered = _Chips("statement-list")
    page = client.get("/statements", params={"tag": "Mozi"}, headers=html)
    filtered.feed(page.text)
    assert filtered.rows[1:] == [["elf", "Mozi", "malware_download"]]
    assert 'href="/statements?tag=malware_download"' in page.text
    looked = _Chips("statements")
    looked.feed(client.get("/lookup", params={"q": "https://files-update.example/wp/x.exe"}, headers=html).text)
    assert looked.rows[1:] == [["exe", "malware_download"]]
    bad = client.get("/statements", params={"tag": "x" * 300}, headers=html)
    assert bad.status_code == 422 and "tag" in bad.text
