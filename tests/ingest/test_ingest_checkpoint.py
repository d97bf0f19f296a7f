"""During bulk ingest on SQLite, the write-ahead log is copied into the database beside the writer, not at its commits."""

import sqlite3
from pathlib import Path

import pytest

from aspjoc.db import Database
from aspjoc.intel.ingest import store
from support import Factory

from ingest_helpers import mixed_lines, run

pytestmark = pytest.mark.skipif("sqlite" not in __import__("os").environ.get("ASPJOC_TEST_DATABASE_URL", "sqlite"),
                                reason="SQLite's write-ahead log")


def _wal_bytes(db: Database) -> int:
    wal = Path(f"{db.engine.url.database}-wal")
    return wal.stat().st_size if wal.exists() else 0


def _ingest_and_measure(db: Database, org_id: int, source: str) -> int:
    db.engine.dispose()  # the log starts afresh: the last connection closed checkpoints and removes it
    assert _wal_bytes(db) == 0
    report = run(db, org_id, "list", mixed_lines(6000, seed=int(source[-1])), batch_size=300, source=source)
    assert report.stored > 5000
    return _wal_bytes(db)


def test_the_log_is_checkpointed_in_the_background_every_few_batches(db: Database, make: Factory,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    org = make.org("Fiji Cyber Unit", "FJ")
    with monkeypatch.context() as without:  # the baseline: no checkpoint at all until the run ends
        without.setattr(store, "RESTART_BATCHES", 10**9)
        without.setattr(store._Checkpointer, "request", lambda self: None)
        unchecked = _ingest_and_measure(db, org.id, "feed-1")
    monkeypatch.setattr(store, "RESTART_BATCHES", 3)
    checked = _ingest_and_measure(db, org.id, "feed-2")

    # Started again every three batches (of 20), the log never grew to the run's size.
    assert 0 < checked < unchecked / 3


def test_the_connection_goes_back_with_the_default_checkpointing(db: Database, make: Factory) -> None:
    org = make.org("Fiji Cyber Unit", "FJ")
    run(db, org.id, "list", mixed_lines(1200), batch_size=300)

    with db.engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        assert raw.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
        assert raw.execute("PRAGMA cache_size").fetchone()[0] == -65536
