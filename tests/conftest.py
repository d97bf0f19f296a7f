"""Fixtures shared by the whole suite: a fresh migrated database per test, the app, a clock, small factories.

The database is SQLite unless ASPJOC_TEST_DATABASE_URL names a PostgreSQL server
(`.ci/run` runs the suite a second time that way).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect, make_url, text
from sqlalchemy.orm import Session

from aspjoc.clock import FixedClock
from aspjoc.config import Settings
from aspjoc.db import Database
from aspjoc.migrate import upgrade
from aspjoc.tables import metadata
from aspjoc.web.app import create_app
from support import CHROMIUM, CHROMIUM_ARGS, T0, Factory, LiveServer



def _worker_database(url: str) -> str:
    """With pytest-xdist, each worker gets its own PostgreSQL database (created on first use)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not url or not worker:
        return url
    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


PG_URL = _worker_database(os.environ.get("ASPJOC_TEST_DATABASE_URL", ""))


_SEEDS: dict[str, list[dict[str, Any]]] = {}


def _reset_schema(url: str) -> None:
    """Start each run from an empty schema, so that rows left by an earlier run are never taken for seeds."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _snapshot_seeds(url: str) -> None:
    """Remember the rows migrations seed (legal clocks, ...), to put back after each test's TRUNCATE."""
    engine = create_engine(url)
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            if table.name in inspect(conn).get_table_names():
                rows = [dict(r._mapping) for r in conn.execute(table.select())]
                if rows:
                    _SEEDS[table.name] = rows
    engine.dispose()


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database made once per run: a SQLite file to copy, or the PostgreSQL test database."""
    if PG_URL:
        _reset_schema(PG_URL)
        upgrade(PG_URL)
        _snapshot_seeds(PG_URL)
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "aspjoc.db"
    upgrade(f"sqlite:///{path}")
    return str(path)


def _truncate_all(db: Database) -> None:
    with db.engine.begin() as conn:
        present = set(inspect(conn).get_table_names()) - {"alembic_version"}
        names = ", ".join(f'"{t.name}"' for t in reversed(metadata.sorted_tables) if t.name in present)
        conn.execute(text("SET lock_timeout = '20s'"))
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        for table in metadata.sorted_tables:
            if table.name in _SEEDS:
                conn.execute(table.insert(), _SEEDS[table.name])
                if "id" in table.c:  # the sequence must continue after the re-inserted ids
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                      f"(SELECT max(id) FROM \"{table.name}\"))"))


@pytest.fixture
def database_url(_template_db: str, tmp_path: Path) -> Iterator[str]:
    if PG_URL:
        yield PG_URL
        return
    target = tmp_path / "aspjoc.db"
    shutil.copyfile(_template_db, target)
    yield f"sqlite:///{target}"


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    if PG_URL:
        _truncate_all(database)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, data_dir=tmp_path / "var", login_max_failures=3)


@pytest.fixture
def app(settings: Settings, clock: FixedClock, db: Database) -> Any:
    return create_app(settings, clock=clock, db=db)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    """A unit of work for arranging data; committed when the test body has used it (call ``session.commit()``)."""
    with db.unit_of_work() as s:
        yield s


@pytest.fixture
def make(db: Database, clock: FixedClock) -> Factory:
    return Factory(db, clock)


@pytest.fixture
def live_server(app: Any) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(10000)
    yield tab
    context.close()


