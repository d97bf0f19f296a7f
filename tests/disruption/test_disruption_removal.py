"""Removal: a delisted, withdrawn, expired or deleted value leaves the list at the next refresh and shows in the
removed-since feed; serials grow only on change; rules keep their sids and bump their rev when their text changes."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from aspjoc.intel.models import Statement
from aspjoc.intel.retention import delete_statements
from aspjoc.public import delisting
from aspjoc.public.models import DelistingRequest
from disruption_helpers import Region, fetch, listed_lines
from support import Factory


def _removed(client: Any, sid: int, token: str, since: int, fmt: str = "txt") -> Any:
    return client.get(f"/feeds/{sid}/removed", params={"since": since, "format": fmt, "token": token})


def test_upheld_delisting_takes_the_value_off_at_the_next_refresh(client: Any, make: Factory) -> None:
    region = Region.build(make)
    region.state("th", "+66 81 234 5678", crime_type="investment_scam", public_use=True)
    region.state("th", "+66 81 234 9999", crime_type="investment_scam", public_use=True)
    sid, token = region.subscribe(client, "telco_csv", subscriber="telco")
    first = fetch(client, sid, "csv", token)
    assert [r[0] for r in csv.reader(io.StringIO(first.text))][1:] == ["+66812345678", "+66812349999"]
    serial = int(first.headers["X-Blocklist-Serial"])

    now = make.clock.now()
    with make.db.unit_of_work() as s:
        submission = delisting.submit(s, ["+66 81 234 5678"], "TH", "This is my shop's number.", "owner@example.net",
                                      "en", now, 14)
        request = s.scalar(select(DelistingRequest).where(DelistingRequest.reference == submission.reference))
        assert request is not None
        assert delisting.decide(s, region.principal("th"), request, "uphold", "confirmed legitimate", now) == 1

    # Before the next refresh the list is unchanged (same ETag); the refresh takes the number off.
    assert fetch(client, sid, "csv", token, **{"If-None-Match": first.headers["ETag"]}).status_code == 304
    result = region.refresh(client, sid)
    assert (result["removed"], result["serial"]) == (1, serial + 1)
    after = fetch(client, sid, "csv", token)
    assert [r[0] for r in csv.reader(io.StringIO(after.text))][1:] == ["+66812349999"]
    assert _removed(client, sid, token, serial).text == "+66812345678\n"
    assert _removed(client, sid, token, serial + 1).text == ""
    body = _removed(client, sid, token, serial, "json").json()
    assert body["serial"] == serial + 1
    assert [(r["type"], r["value"], r["removed_serial"]) for r in body["removed"]] == [("phone", "+66812345678", serial + 1)]
    rows = list(csv.reader(io.StringIO(_removed(client, sid, token, 0, "csv").text)))
    assert rows[0] == ["type", "value", "removed_serial", "ref"] and rows[1][:2] == ["phone", "+66812345678"]


def test_withdrawn_expired_retention_due_and_deleted_statements_leave_every_list(client: Any, make: Factory) -> None:
    region = Region.build(make)
    withdrawn = region.state("th", "withdrawn.example")
    region.state("th", "expires-soon.example", valid_until=make.clock.now() + timedelta(days=2))
    region.state("th", "retention-due.example", retention_until=make.clock.now() + timedelta(days=1))
    deleted = region.state("th", "deleted.example")
    region.state("ph", "stays.example")
    rpz_id, rpz_token = region.subscribe(client, "rpz")
    hosts_id, hosts_token = region.subscribe(client, "hosts", subscriber="ph")
    assert fetch(client, rpz_id, "rpz", rpz_token).text.count(" CNAME .") == 10
    assert len(listed_lines(fetch(client, hosts_id, "hosts", hosts_token).text)) == 5

    with make.db.unit_of_work() as s:
        statement = s.get(Statement, withdrawn)
        assert statement is not None
        statement.withdrawn = True
        victim = s.get(Statement, deleted)
        assert victim is not None
        delete_statements(s, None, [victim], make.clock.now(), "test")
    make.clock.advance(days=3)  # past valid_until and retention, and the 15-minute refresh interval: downloads refresh

    rpz = fetch(client, rpz_id, "rpz", rpz_token).text
    assert [line.split(" ")[0] for line in rpz.splitlines() if " CNAME ." in line] == ["stays.example", "*.stays.example"]
    assert "( 2 3600" in rpz
    assert listed_lines(fetch(client, hosts_id, "hosts", hosts_token).text)[0].startswith("0.0.0.0 stays.example")
    for sid, token in ((rpz_id, rpz_token), (hosts_id, hosts_token)):
        assert sorted(_removed(client, sid, token, 1).text.split()) == [
            "deleted.example", "expires-soon.example", "retention-due.example", "withdrawn.example"]


def test_unchanged_refresh_keeps_the_serial_and_a_returning_value_is_listed_again(client: Any, make: Factory) -> None:
    region = Region.build(make)
    statement = region.state("th", "comes-back.example")
    sid, token = region.subscribe(client, "rpz")
    fetch(client, sid, "rpz", token)
    assert region.refresh(client, sid) == {"serial": 1, "added": 0, "removed": 0, "changed": 0, "entries": 1}
    with make.db.unit_of_work() as s:
        s.get(Statement, statement).withdrawn = True  # type: ignore[union-attr]
    assert region.refresh(client, sid)["serial"] == 2
    region.state("th", "comes-back.example")  # the owner asserts it again
    assert region.refresh(client, sid)["serial"] == 3
    assert "comes-back.example CNAME ." in fetch(client, sid, "rpz", token).text
    assert _removed(client, sid, token, 1).text == ""  # back on the list: nothing to unblock


def test_rules_keep_their_sid_and_bump_rev_when_their_text_changes(client: Any, make: Factory) -> None:
    region = Region.build(make)
    region.state("th", "wave-one.example", crime_type="phishing")
    region.state("th", "steady.example", crime_type="phishing")
    sid, token = region.subscribe(client, "suricata")

    def rules() -> dict[str, tuple[int, int]]:
        lines = listed_lines(fetch(client, sid, "rules", token).text)
        return {line.split('content:"')[1].split('"')[0] + "/" + line.split(" ")[1]:
                (int(line.split("sid:")[1].split(";")[0]), int(line.split("rev:")[1].split(";")[0])) for line in lines}

    before = rules()
    region.state("ph", "wave-one.example", crime_type="investment_scam")
    region.state("ph", "steady.example", crime_type="phishing")  # same crime type: same rule text
    assert region.refresh(client, sid)["changed"] == 1
    after = rules()
    assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in before.items()}
    assert after[".wave-one.example/dns"][1] == 2 and after[".steady.example/dns"][1] == 1
