"""Remote credentials are sealed at rest: the database file holds no usable TAXII secret or MISP key."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from aspjoc import sealing
from aspjoc.db import Database
from aspjoc.sharing.misp.models import MispRemote
from aspjoc.sharing.models import SyncRemote
from aspjoc.sharing.service import RemoteSpec, add_remote
from support import Factory

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
TAXII_SECRET = "aspjoc_tok_hub-node-fj-7f3a9c"
MISP_KEY = "K" * 20 + "misp-key-0123456789"


def _raw(db: Database, table: str, column: str) -> str:
    with db.reader() as s:
        return str(s.execute(text(f"SELECT {column} FROM {table}")).scalar_one())


def test_credentials_are_sealed_in_the_database_and_open_for_the_instance(db: Database, make: Factory) -> None:
    fj = make.org("Fiji Cyber Unit", "FJ")
    with db.unit_of_work() as s:
        add_remote(s, None, RemoteSpec("hub", "http://127.0.0.1:9/taxii2/aspjoc/", "community", fj.id, "both", "basic",
                                       "node@fj.aspjoc.test", TAXII_SECRET), NOW)
        s.add(MispRemote(name="misp", url="http://127.0.0.1:9/", api_key=MISP_KEY, org_id=fj.id, created_at=NOW))
    stored_secret, stored_key = _raw(db, "sync_remotes", "secret"), _raw(db, "misp_remotes", "api_key")
    for stored, plain in ((stored_secret, TAXII_SECRET), (stored_key, MISP_KEY)):
        assert stored.startswith(sealing.PREFIX) and plain not in stored
    assert len(stored_key) <= 200, "a MISP key still fits its column sealed"
    with db.reader() as s:
        assert s.query(SyncRemote).one().secret == TAXII_SECRET
        assert s.query(MispRemote).one().api_key == MISP_KEY


def test_unsealed_rows_still_read_and_a_foreign_key_reads_as_empty(db: Database, make: Factory) -> None:
    fj = make.org("Fiji Cyber Unit", "FJ")
    foreign = sealing._fernet("another instance's secret key").encrypt(b"stolen").decode()
    with db.unit_of_work() as s:
        s.add(MispRemote(name="old", url="http://127.0.0.1:9/", api_key="x", org_id=fj.id, created_at=NOW))
        s.flush()
        s.execute(text("UPDATE misp_remotes SET api_key = :k WHERE name = 'old'"), {"k": "legacy-plain-key"})
        s.add(MispRemote(name="foreign", url="http://127.0.0.1:9/", api_key="y", org_id=fj.id, created_at=NOW))
        s.flush()
        s.execute(text("UPDATE misp_remotes SET api_key = :k WHERE name = 'foreign'"), {"k": sealing.PREFIX + foreign})
    with db.reader() as s:
        keys = {r.name: r.api_key for r in s.query(MispRemote)}
    assert keys == {"old": "legacy-plain-key", "foreign": ""}


def test_two_secret_keys_in_one_process_each_open_their_own() -> None:
    ring = list(sealing._ring)
    try:
        sealing.use_secret("first instance secret key, forty characters")
        first = sealing.seal("one")
        sealing.use_secret("second instance secret key, forty characters")
        second = sealing.seal("two")
        assert (sealing.unseal(first), sealing.unseal(second)) == ("one", "two")
        assert sealing.seal("") == "" and sealing.unseal("") == ""
    finally:
        sealing._ring[:] = ring  # later tests in this process seal under the instance's own key again
