"""Sources polled from a real HTTP server on loopback: ETag/Last-Modified, outcomes stored, failing shown, workers share the schedule."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from typing import Any

import httpx
from pymisp import MISPEvent, MISPOrganisation
from sqlalchemy import func, select

from aspjoc.accounts.models import Organisation
from aspjoc.clock import FixedClock
from aspjoc.intel.ingest.models import IngestRejection
from aspjoc.intel.models import Notice, Observable, Statement
from aspjoc.intel.sources import service
from aspjoc.intel.sources.fetch import new_client
from aspjoc.intel.sources.models import Source, SourceFetch
from aspjoc.intel.sources.runner import run_source
from aspjoc.intel.sources.worker import run_due, serve
from aspjoc.marking import MarkingSpec, TLP, marking_id_for
from sources_helpers import LAST_MODIFIED, PLAIN_LIST, URLHAUS_CSV, FeedServer
from support import Factory


def _add(make: Factory, org_id: int, url: str, fmt: str = "urlhaus-csv", name: str = "URLhaus recent", **extra: Any) -> int:
    with make.db.unit_of_work() as s:
        owner = s.get(Organisation, org_id)
        assert owner is not None
        spec = service.SourceSpec(name=name, url=url, format=fmt, **extra)
        return service.add_source(s, None, owner, spec, make.clock.now()).id


def _fetches(make: Factory, source_id: int) -> list[SourceFetch]:
    with make.db.reader() as s:
        return list(s.scalars(select(SourceFetch).where(SourceFetch.source_id == source_id).order_by(SourceFetch.id)))


def test_second_poll_of_an_unchanged_feed_is_a_304_recorded_as_unchanged(make: Factory) -> None:
    org = make.org("Vendor CERT", "SG", "cert")
    with FeedServer({"/csv_recent/": URLHAUS_CSV}) as feeds, new_client() as client:
        source_id = _add(make, org.id, feeds.url + "/csv_recent/", tlp="green", reliability="B", credibility=2)
        first = run_source(make.db, source_id, make.clock.now(), client)
        make.clock.advance(hours=1)
        second = run_source(make.db, source_id, make.clock.now(), client)
        requests = list(feeds.log)
    assert (first.outcome, first.http_status, first.read, first.stored, first.new, first.rejected) == ("ok", 200, 3, 2, 2, 1)
    assert first.run_id is not None and first.bytes == len(URLHAUS_CSV)
    assert (second.outcome, second.http_status, second.read, second.bytes) == ("unchanged", 304, 0, 0)
    assert "if-none-match" not in requests[0][2]
    assert requests[1][2]["if-none-match"].startswith('"') and requests[1][2]["if-modified-since"] == LAST_MODIFIED
    with make.db.reader() as s:
        source = s.get(Source, source_id)
        assert source is not None and service.state(source) == "unchanged" and source.failures == 0
        assert source.etag and source.last_modified == LAST_MODIFIED
        assert source.next_due_at == make.clock.now() + timedelta(minutes=60)
        stored = s.execute(select(Observable.value, Statement.reliability, Statement.credibility, Statement.source)
                           .join(Statement, Statement.observable_id == Observable.id).order_by(Observable.value)).all()
        assert [tuple(r) for r in stored] == [("http://198.51.100.44/bins/mozi.m", "B", 2, "URLhaus recent"),
                                              ("http://coral-bank-login.example/verify", "B", 2, "URLhaus recent")]
        rejected = s.scalars(select(IngestRejection.position).where(IngestRejection.run_id == first.run_id)).all()
        assert rejected == [7]


def test_changed_feed_is_fetched_and_stored_again(make: Factory) -> None:
    org = make.org("Vendor CERT", "SG", "cert")
    with FeedServer({"/list.txt": PLAIN_LIST}) as feeds, new_client() as client:
        source_id = _add(make, org.id, feeds.url + "/list.txt", "list", name="Partner list", default_region="FJ")
        run_source(make.db, source_id, make.clock.now(), client)
        feeds.files["/list.txt"] = PLAIN_LIST + b"203.0.113.9\n"
        make.clock.advance(hours=1)
        again = run_source(make.db, source_id, make.clock.now(), client)
    assert (again.outcome, again.read, again.new, again.updated) == ("ok", 4, 1, 3)
    with make.db.reader() as s:
        assert s.scalar(select(func.count()).select_from(Statement)) == 4
        assert s.scalar(select(func.max(Statement.sightings))) == 2


def test_failing_source_becomes_a_visible_state_and_recovers(make: Factory) -> None:
    org = make.org("Vendor CERT", "SG", "cert")
    with FeedServer({"/feed.csv": URLHAUS_CSV}, status={"/feed.csv": 503}) as feeds, new_client() as client:
        source_id = _add(make, org.id, feeds.url + "/feed.csv")
        for _ in range(2):
            failed = run_source(make.db, source_id, make.clock.now(), client)
            make.clock.advance(hours=1)
        assert failed.outcome == "error" and failed.http_status == 503 and "503" in failed.error
        with make.db.reader() as s:
            source = s.get(Source, source_id)
            assert source is not None and service.state(source) == "failing" and source.failures == 2
            assert source.etag is None
        del feeds.status["/feed.csv"]
        ok = run_source(make.db, source_id, make.clock.now(), client)
    assert ok.outcome == "ok"
    with make.db.reader() as s:
        source = s.get(Source, source_id)
        assert source is not None and service.state(source) == "ok" and source.failures == 0 and source.last_error == ""


def test_unreachable_host_is_an_error_not_an_exception(make: Factory) -> None:
    org = make.org("Vendor CERT", "SG", "cert")
    source_id = _add(make, org.id, "http://127.0.0.1:9/nothing-listens-here")
    with httpx.Client(timeout=2) as client:
        fetch = run_source(make.db, source_id, make.clock.now(), client)
    assert fetch.outcome == "error" and fetch.http_status is None and "ConnectError" in fetch.error


def test_worker_polls_only_due_sources_and_two_workers_never_fetch_the_same_one(make: Factory, clock: FixedClock) -> None:
    org = make.org("Vendor CERT", "SG", "cert")
    with FeedServer({"/a": PLAIN_LIST, "/b": URLHAUS_CSV}) as feeds, new_client() as client:
        a = _add(make, org.id, feeds.url + "/a", "list", name="A", interval_minutes=15)
        b = _add(make, org.id, feeds.url + "/b", name="B", interval_minutes=120)
        first = run_due(make.db, clock, client)
        assert sorted(f.source_id for f in first) == [a, b]
        assert run_due(make.db, clock, client) == []
        clock.advance(minutes=16)
        assert [f.source_id for f in run_due(make.db, clock, client)] == [a]
        clock.advance(minutes=16)
        with make.db.unit_of_work() as s:
            assert service.claim(s, a, clock.now(), timedelta(minutes=30))
        assert run_due(make.db, clock, client) == [], "a claimed source is not fetched by another worker"
        assert len(feeds.log) == 3


def test_disabled_source_is_not_polled(make: Factory, clock: FixedClock) -> None:
    org = make.org("Vendor CERT", "SG", "cert")
    with FeedServer({"/a": PLAIN_LIST}) as feeds, new_client() as client:
        source_id = _add(make, org.id, feeds.url + "/a", "list", name="A", enabled=False)
        assert run_due(make.db, clock, client) == []
        with make.db.unit_of_work() as s:
            source = s.get(Source, source_id)
            assert source is not None
            service.set_enabled(s, None, source, True, clock.now())
        assert len(run_due(make.db, clock, client)) == 1


def test_misp_feed_source_reads_the_manifest_and_fetches_each_event_beside_it(make: Factory) -> None:
    org = make.org("Vendor CERT", "SG", "cert")
    files: dict[str, bytes] = {}
    manifest: dict[str, object] = {}
    for info, value in (("Phishing wave", "login-coral.example"), ("C2", "203.0.113.50")):
        event = MISPEvent()
        event.info = info
        orgc = MISPOrganisation()
        orgc.from_dict(name="Vendor CERT", uuid="5d6d3b2f-1b2a-4c3d-9e8f-0a1b2c3d4e5f")
        event.Orgc = orgc
        event.add_tag("tlp:green")
        event.add_attribute("ip-dst" if value[0].isdigit() else "domain", value)
        feed = event.to_feed(with_meta=True)
        body = feed["Event"]
        body.pop("_hashes")
        manifest.update(body.pop("_manifest"))
        files[f"/feed/{body['uuid']}.json"] = json.dumps(feed).encode()
    manifest["6f0d6b5e-0000-4000-8000-00000000dead"] = {"info": "missing on the server"}
    files["/feed/manifest.json"] = json.dumps(manifest).encode()
    with FeedServer(files) as feeds, new_client() as client:
        source_id = _add(make, org.id, feeds.url + "/feed/manifest.json", "misp-feed", name="Partner MISP feed", tlp="amber")
        fetch = run_source(make.db, source_id, make.clock.now(), client)
        again = run_source(make.db, source_id, make.clock.now(), client)
    assert (fetch.outcome, fetch.stored, fetch.rejected) == ("ok", 2, 1)
    assert again.outcome == "unchanged"
    with make.db.reader() as s:
        assert set(s.scalars(select(Observable.value))) == {"login-coral.example", "203.0.113.50"}


def test_worker_loop_polls_and_flags_retention_until_stopped(make: Factory, clock: FixedClock) -> None:
    org = make.org("Vendor CERT", "SG", "cert")
    with make.db.unit_of_work() as s:
        owner = s.get(Organisation, org.id)
        assert owner is not None
        marking = marking_id_for(s, MarkingSpec(org.id, TLP.GREEN))
        obs = Observable(type="ipv4", value="192.0.2.99", created_at=clock.now())
        s.add(obs)
        s.flush()
        s.add(Statement(observable_id=obs.id, owner_org_id=org.id, marking_id=marking, kind="indicator", first_seen=clock.now(),
                        last_seen=clock.now(), retention_until=clock.now() - timedelta(days=1), created_at=clock.now(),
                        updated_at=clock.now()))
    stop = threading.Event()
    ticks: list[list[SourceFetch]] = []

    def on_tick(done: list[SourceFetch]) -> None:
        ticks.append(done)
        if len(ticks) == 2:
            stop.set()

    with FeedServer({"/a": PLAIN_LIST}) as feeds, new_client() as client:
        _add(make, org.id, feeds.url + "/a", "list", name="A")
        worker = threading.Thread(target=serve, args=(make.db, clock, client, 0.01, stop, on_tick))
        worker.start()
        worker.join(timeout=30)
    assert not worker.is_alive()
    assert [len(t) for t in ticks] == [1, 0]
    with make.db.reader() as s:
        assert s.scalars(select(Notice.org_id).where(Notice.kind == "retention")).all() == [org.id]
