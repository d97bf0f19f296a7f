"""The pipeline: idempotent re-runs, whole-or-nothing batches, resume after a crash, flags, matches, markings."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from aspjoc.db import Database
from aspjoc.errors import InvalidInput
from aspjoc.intel.formats import FORMATS, FormatOptions
from aspjoc.intel.ingest.flags import flags_for, is_flagged
from aspjoc.intel.ingest.models import IngestRejection, IngestRun
from aspjoc.intel.ingest.pipeline import IngestOptions, ingest
from aspjoc.intel.ingest.producer import ProducerFailed
from aspjoc.intel.ingest.records import Record, RecordMarking, Rejected
from aspjoc.intel.models import Observable, Statement
from aspjoc.marking import TLP, Marking
from ingest_helpers import counts, mixed_lines, run
from support import T0, Factory

def test_the_same_feed_twice_adds_sightings_not_rows(db: Database, make: Factory) -> None:
    org = make.org("Fiji Cyber Unit", "FJ")
    data = mixed_lines(600)
    first = run(db, org.id, "list", data, batch_size=100)
    after_first = counts(db)
    second = run(db, org.id, "list", data, batch_size=100)
    after_second = counts(db)
    assert after_second[:2] == after_first[:2]
    assert after_second[2] == 2 * after_first[2]
    assert (first.read, first.rejected) == (second.read, second.rejected) == (600, 12)
    assert first.new == after_first[1] and first.updated == 0
    assert second.new == 0 and second.updated == after_first[1]
    with db.reader() as s:
        assert s.scalar(select(IngestRejection.reason).where(IngestRejection.position == 51)) is not None


def _failing(items: Iterator[Record | Rejected], after: int) -> Iterator[Record | Rejected]:
    for n, item in enumerate(items):
        if n == after:
            raise OSError("the connection dropped")
        yield item


def test_a_failing_batch_is_absent_and_the_run_marked_failed(db: Database, make: Factory) -> None:
    org = make.org("Fiji Cyber Unit", "FJ")
    items = [Record(i, f"198.51.100.{i}") for i in range(1, 251)]
    options = IngestOptions(org_id=org.id, tlp=TLP.GREEN, source="flaky", batch_size=100)
    with pytest.raises(OSError):
        ingest(db, _failing(iter(items), 150), options, T0)
    assert counts(db)[:2] == (100, 100)  # batch 1 whole, batch 2 (records 101-150 read) not at all
    with db.reader() as s:
        failed = s.scalars(select(IngestRun)).one()
    assert failed.status == "failed" and "connection dropped" in failed.error and failed.position == 100


def test_a_database_error_inside_a_batch_rolls_the_batch_back(db: Database, make: Factory) -> None:
    org = make.org("Fiji Cyber Unit", "FJ")
    with db.engine.begin() as conn:  # a trigger that fails the 150th statement insert
        if db.engine.dialect.name == "sqlite":
            conn.exec_driver_sql("CREATE TRIGGER boom BEFORE INSERT ON statements WHEN "
                                 "(SELECT count(*) FROM statements) >= 149 BEGIN SELECT RAISE(ABORT, 'disk full'); END")
        else:
            conn.exec_driver_sql("CREATE OR REPLACE FUNCTION boom() RETURNS trigger AS $$ BEGIN "
                                 "IF (SELECT count(*) FROM statements) >= 149 THEN RAISE EXCEPTION 'disk full'; END IF; "
                                 "RETURN NEW; END $$ LANGUAGE plpgsql")
            conn.exec_driver_sql("CREATE TRIGGER boom BEFORE INSERT ON statements FOR EACH ROW EXECUTE FUNCTION boom()")
    items = [Record(i, f"198.51.100.{i}") for i in range(1, 201)]
    with pytest.raises(Exception, match="disk full"):
        ingest(db, items, IngestOptions(org_id=org.id, tlp=TLP.GREEN, source="x", batch_size=100), T0)
    assert counts(db)[:2] == (100, 100)
    with db.reader() as s:
        assert s.scalar(select(IngestRun.position)) == 100 and s.scalar(select(IngestRun.stored)) == 100
    if db.engine.dialect.name != "sqlite":
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TRIGGER boom ON statements")


def test_an_interrupted_run_with_a_resume_key_continues_where_it_stopped(db: Database, make: Factory) -> None:
    org = make.org("Fiji Cyber Unit", "FJ")
    items = [Record(i, f"198.51.100.{i}") for i in range(1, 251)]
    options = IngestOptions(org_id=org.id, tlp=TLP.GREEN, source="feed", batch_size=100, resume_key="sha:abc")
    with pytest.raises(OSError):
        ingest(db, _failing(iter(items), 220), options, T0)
    report = ingest(db, items, options, T0)
    assert (report.read, report.stored, report.new, report.resumed_from, report.status) == (250, 250, 250, 200, "complete")
    assert counts(db) == (250, 250, 250)  # nothing counted twice
    with db.reader() as s:
        assert len(s.scalars(select(IngestRun)).all()) == 1


KILLABLE = """
import sys
from datetime import datetime
from aspjoc.db import Database
from aspjoc.intel.formats import FORMATS, FormatOptions
from aspjoc.intel.formats import FORMATS, FormatOptions
from aspjoc.intel.ingest.pipeline import IngestOptions, ingest
from aspjoc.marking import TLP
url, path, org_id, now = sys.argv[1], sys.argv[2], int(sys.argv[3]), datetime.fromisoformat(sys.argv[4])
with open(path, "rb") as source:
    ingest(Database(url), FORMATS["list"].read(source, FormatOptions()),
           IngestOptions(org_id=org_id, tlp=TLP.AMBER, source="feed", format="list", batch_size=200, resume_key="kill-test"), now)
"""


def test_kill_9_mid_ingest_then_rerun_leaves_the_store_as_one_clean_run(db: Database, make: Factory, tmp_path: Path,
                                                                       database_url: str) -> None:
    org = make.org("Fiji Cyber Unit", "FJ")
    feed = tmp_path / "feed.txt"
    feed.write_bytes(mixed_lines(12000))
    process = subprocess.Popen([sys.executable, "-c", KILLABLE, database_url, str(feed), str(org.id), T0.isoformat()],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            with db.reader() as s:
                position = s.scalar(select(IngestRun.position)) or 0
            if position >= 600:
                break
            time.sleep(0.02)
        assert process.poll() is None, "the ingest ended before it could be killed: " + process.stderr.read().decode()  # type: ignore[union-attr]
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait()
        process.stderr.close()  # type: ignore[union-attr]
    with db.reader() as s:
        interrupted = s.scalars(select(IngestRun)).one()
    assert interrupted.status == "running" and 0 < interrupted.position < 12000
    with feed.open("rb") as source:
        report = ingest(db, FORMATS["list"].read(source, FormatOptions()),
                        IngestOptions(org_id=org.id, tlp=TLP.AMBER, source="feed", format="list", batch_size=200,
                                      resume_key="kill-test"), T0)
    assert report.resumed_from == interrupted.position
    with db.reader() as s:
        resumed = s.scalars(select(IngestRun)).one()
        rejections = len(s.scalars(select(IngestRejection)).all())
    assert (resumed.status, resumed.read, resumed.rejected, rejections) == ("complete", 12000, 240, 240)
    values = [line for line in feed.read_text().splitlines()[1:] if not line.startswith("not an")]
    assert counts(db) == (len(set(values)), len(set(values)), 11760)  # the values are canonical as written


def test_known_good_values_are_flagged_not_dropped(db: Database, make: Factory) -> None:
    org = make.org("Fiji Cyber Unit", "FJ")
    report = run(db, org.id, "list", b"8.8.8.8\ngoogle.com\n198.51.100.99\n")
    assert (report.stored, report.flagged) == (3, 2)
    with db.reader() as s:
        ids = {o.value: o.id for o in s.scalars(select(Observable))}
        flags = flags_for(s, ids.values())
        assert any("DNS resolvers" in name for name in flags[ids["8.8.8.8"]])
        assert is_flagged(s, ids["google.com"]) and not is_flagged(s, ids["198.51.100.99"])


def test_values_held_by_another_organisation_are_counted_as_matches(db: Database, make: Factory) -> None:
    fj = make.org("Fiji Cyber Unit", "FJ")
    th = make.org("Thai Cyber Unit", "TH")
    run(db, fj.id, "list", b"198.51.100.1\n198.51.100.2\n")
    report = run(db, th.id, "list", b"198.51.100.2\n198.51.100.3\n", source="thai-feed")
    assert report.matches == 1


def test_a_record_marking_only_narrows_the_ingest_marking(db: Database, make: Factory) -> None:
    fj = make.org("Fiji Cyber Unit", "FJ")
    items = [Record(1, "198.51.100.1", marking=RecordMarking(tlp=TLP.RED)),
             Record(2, "198.51.100.2", marking=RecordMarking(tlp=TLP.CLEAR)),
             Record(3, "198.51.100.3")]
    ingest(db, items, IngestOptions(org_id=fj.id, tlp=TLP.AMBER, source="s"), T0)
    with db.reader() as s:
        levels = dict(s.execute(select(Observable.value, Marking.tlp).join(Statement, Statement.observable_id == Observable.id)
                                .join(Marking, Marking.id == Statement.marking_id)).all())
    assert levels == {"198.51.100.1": TLP.RED, "198.51.100.2": TLP.AMBER, "198.51.100.3": TLP.AMBER}


def test_a_user_cannot_file_records_under_another_organisation(db: Database, make: Factory) -> None:
    fj = make.org("Fiji Cyber Unit", "FJ")
    th = make.org("Thai Cyber Unit", "TH")
    analyst = make.principal(make.user("a@fj.aspjoc.test", fj))
    ingest(db, [Record(1, "198.51.100.1", owner_org_id=th.id)], IngestOptions(org_id=fj.id, tlp=TLP.AMBER, source="s"),
           T0, analyst)
    ingest(db, [Record(1, "198.51.100.1", owner_org_id=th.id)], IngestOptions(org_id=fj.id, tlp=TLP.AMBER, source="s"), T0)
    with db.reader() as s:
        owners = sorted(s.scalars(select(Statement.owner_org_id)))
    assert owners == sorted([fj.id, th.id])  # the analyst's went to Fiji; the operator's (no principal) to Thailand


def test_bad_record_fields_are_rejected_naming_the_field(db: Database, make: Factory) -> None:
    fj = make.org("Fiji Cyber Unit", "FJ")
    items = [Record(1, "198.51.100.1", crime_type="jaywalking"), Record(2, "198.51.100.2", confidence=101),
             Record(3, "198.51.100.3", kind="rumour"), Record(4, ""), Rejected(5, "row", "too short", "x,y")]
    report = ingest(db, items, IngestOptions(org_id=fj.id, tlp=TLP.AMBER, source="s"), T0)
    assert [(r.index, r.field) for r in report.rejections] == [(1, "crime_type"), (2, "confidence"), (3, "kind"),
                                                               (4, "value"), (5, "row")]
    assert report.stored == 0


@pytest.mark.parametrize("workers", [1, 2])
def test_worker_processes_give_the_same_result_as_inline(db: Database, make: Factory, workers: int) -> None:
    org = make.org("Fiji Cyber Unit", "FJ")
    data = mixed_lines(3000) + mixed_lines(600)  # the second part repeats values of the first
    report = run(db, org.id, "list", data, batch_size=500, workers=workers)
    inline = run(db, org.id, "list", data, batch_size=500, source="inline")
    assert (report.read, report.rejected, report.stored) == (inline.read, inline.rejected, inline.stored) == (3600, 72, 3528)
    assert (report.new, report.updated) == (inline.new, inline.updated)
    assert report.phases["canonicalise"] > 0  # the producer's time is reported
    with db.reader() as s:
        rows = s.execute(select(Observable.value, Statement.source, Statement.sightings, Statement.first_seen, Statement.marking_id)
                         .join(Statement, Statement.observable_id == Observable.id)).all()
    by_source = {source: sorted((v, n, f, m) for v, src, n, f, m in rows if src == source) for source in ("test-feed", "inline")}
    assert by_source["test-feed"] == by_source["inline"] and len(by_source["inline"]) == 2940


def _dying(items: Iterator[Record | Rejected], after: int) -> Iterator[Record | Rejected]:
    for n, item in enumerate(items):
        if n == after:
            os.kill(os.getpid(), signal.SIGKILL)  # in the producer process: the way an out-of-memory kill looks
        yield item


def test_errors_in_the_producer_process_reach_the_run(db: Database, make: Factory) -> None:
    org = make.org("Fiji Cyber Unit", "FJ")
    items = [Record(i, f"198.51.100.{i}") for i in range(1, 251)]

    def options(source: str) -> IngestOptions:
        return IngestOptions(org_id=org.id, tlp=TLP.GREEN, source=source, batch_size=100, workers=1)

    with pytest.raises(OSError, match="connection dropped"):
        ingest(db, _failing(iter(items), 150), options("dropped"), T0)
    with pytest.raises(InvalidInput) as refused:
        ingest(db, FORMATS["stix"].read(io.BytesIO(b"[1, 2"), FormatOptions()), options("broken"), T0)
    assert refused.value.field and refused.value.reason
    with pytest.raises(ProducerFailed):
        ingest(db, _dying(iter(items), 120), options("killed"), T0)
    with db.reader() as s:
        failed = s.scalars(select(IngestRun).order_by(IngestRun.id)).all()
        stored = dict(s.execute(select(Statement.source, func.count()).group_by(Statement.source)).tuples().all())
    # With a producer the first batch is an eighth (12 records here), the next ones twice as big up to 100.
    assert [r.status for r in failed] == ["failed"] * 3 and [r.position for r in failed][:2] == [84, 0]
    # Killed, the producer may not have sent all it prepared: whatever is stored is whole batches.
    assert failed[2].position in (0, 12, 36, 84)
    assert {r.source: r.stored for r in failed if r.stored} == stored
    assert stored == {"dropped": 84, **({"killed": failed[2].position} if failed[2].position else {})}


def test_the_observable_id_cache_starts_again_when_full(db: Database, make: Factory, monkeypatch: pytest.MonkeyPatch) -> None:
    from aspjoc.intel.ingest import store

    monkeypatch.setattr(store, "CACHE_LIMIT", 60)
    org = make.org("Fiji Cyber Unit", "FJ")
    items = [Record(i, f"198.51.100.{i % 90}") for i in range(1, 401)]
    report = ingest(db, items, IngestOptions(org_id=org.id, tlp=TLP.GREEN, source="s", batch_size=40), T0)
    assert (report.stored, report.rejected) == (400, 0)
    assert counts(db) == (90, 90, 400)


def _tags(db: Database) -> dict[str, list[str]]:
    with db.reader() as s:
        rows = s.execute(select(Observable.value, Statement.tags).join(Statement, Statement.observable_id == Observable.id))
        return {value: json.loads(tags) for value, tags in rows}


def test_tags_are_kept_and_the_newest_given_replace_them(db: Database, make: Factory) -> None:
    org = make.org("Fiji Cyber Unit", "FJ")
    options = IngestOptions(org_id=org.id, tlp=TLP.GREEN, source="s", batch_size=2)
    ingest(db, [Record(1, "198.51.100.1", tags=("elf", "mozi", "elf", " ")), Record(2, "198.51.100.2"),
                Record(3, "198.51.100.3", tags=("x",)), Record(4, "198.51.100.3", tags=("y", "z"))], options, T0)
    assert _tags(db) == {"198.51.100.1": ["elf", "mozi"], "198.51.100.2": [], "198.51.100.3": ["y", "z"]}
    ingest(db, [Record(1, "198.51.100.1"), Record(2, "198.51.100.2", tags=("phishing",)), Record(3, "198.51.100.3", tags=("q",)),
                Record(4, "198.51.100.3")], options, T0)
    assert _tags(db) == {"198.51.100.1": ["elf", "mozi"], "198.51.100.2": ["phishing"], "198.51.100.3": ["q"]}


def test_urlhaus_tags_and_threat_reach_the_statement(db: Database, make: Factory) -> None:
    org = make.org("Fiji Cyber Unit", "FJ")
    run(db, org.id, "urlhaus-csv", b'"1","2026-05-01 10:00:00","http://198.51.100.7/bins/mozi.m","online","","malware_download",'
                                   b'"elf,mozi","https://urlhaus.abuse.ch/url/1/","r"\n')
    assert _tags(db) == {"http://198.51.100.7/bins/mozi.m": ["elf", "mozi", "malware_download"]}


def test_a_source_name_with_quotes_is_stored_as_written(db: Database, make: Factory) -> None:
    org = make.org("Fiji Cyber Unit", "FJ")
    source = "O'Brien's \"feed\"; DROP TABLE statements; -- ไทย"
    options = IngestOptions(org_id=org.id, tlp=TLP.GREEN, source=source, batch_size=2, workers=1)
    items = [Record(i, f"198.51.100.{i % 3}") for i in range(1, 8)]
    first = ingest(db, items, options, T0)
    again = ingest(db, items, options, T0)

    assert (first.new, again.new, again.stored) == (3, 0, 7)
    with db.reader() as s:
        assert set(s.scalars(select(Statement.source))) == {source}
        assert sorted(s.scalars(select(Statement.sightings))) == [4, 4, 6]


def test_a_resighting_takes_the_newest_marking_and_moves_the_update_time(db: Database, make: Factory) -> None:
    fj = make.org("Fiji Cyber Unit", "FJ")
    values = [Record(i, f"198.51.100.{i}") for i in range(1, 5)]
    ingest(db, values, IngestOptions(org_id=fj.id, tlp=TLP.GREEN, source="s"), T0)
    later = T0 + timedelta(hours=1)
    # Re-sighted an hour later: two under the run's AMBER, one narrowed to RED by its record, in
    # batches of two so that the repeats of the first batch's values are upserts in the second.
    again = [Record(1, "198.51.100.1"), Record(2, "198.51.100.9"), Record(3, "198.51.100.2", marking=RecordMarking(tlp=TLP.RED)),
             Record(4, "198.51.100.3"), Record(5, "198.51.100.1"), Record(6, "198.51.100.9")]
    ingest(db, again, IngestOptions(org_id=fj.id, tlp=TLP.AMBER, source="s", batch_size=2), later)
    with db.reader() as s:
        found = {value: (tlp, updated, sightings) for value, tlp, updated, sightings in s.execute(
            select(Observable.value, Marking.tlp, Statement.updated_at, Statement.sightings)
            .join(Statement, Statement.observable_id == Observable.id).join(Marking, Marking.id == Statement.marking_id))}
    assert found == {"198.51.100.1": (TLP.AMBER, later, 3), "198.51.100.2": (TLP.RED, later, 2),
                     "198.51.100.3": (TLP.AMBER, later, 2), "198.51.100.4": (TLP.GREEN, T0, 1),
                     "198.51.100.9": (TLP.AMBER, later, 2)}
