"""Fixtures shared by the whole suite: a fresh migrated database per test, the app, a clock, small factories.

The database is SQLite unless ASPJOC_TEST_DATABASE_URL names a PostgreSQL server
(`.ci/run` runs the suite a second time that way).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from aspjoc.access import Principal
from aspjoc.accounts import service as accounts
from aspjoc.accounts.models import Organisation, User
from aspjoc.clock import FixedClock
from aspjoc.config import Settings
from aspjoc.db import Database
from aspjoc.migrate import upgrade
from aspjoc.tables import metadata
from aspjoc.web.app import create_app

PG_URL = os.environ.get("ASPJOC_TEST_DATABASE_URL", "")
T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database made once per run: a SQLite file to copy, or the PostgreSQL test database."""
    if PG_URL:
        upgrade(PG_URL)
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "aspjoc.db"
    upgrade(f"sqlite:///{path}")
    return str(path)


def _truncate_all(db: Database) -> None:
    names = ", ".join(f'"{t.name}"' for t in reversed(metadata.sorted_tables))
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


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


class Factory:
    """Small builders for organisations, users, tokens and principals."""

    def __init__(self, db: Database, clock: FixedClock) -> None:
        self.db = db
        self.clock = clock

    def org(self, name: str, country: str | None = "FJ", kind: str = "law_enforcement") -> Organisation:
        with self.db.unit_of_work() as s:
            return accounts.add_organisation(s, name, country, kind, self.clock.now())

    def user(self, email: str, org: Organisation, role: str = "analyst", password: str | None = PASSWORD) -> User:
        with self.db.unit_of_work() as s:
            return accounts.add_user(s, email, s.get(Organisation, org.id), role, password, self.clock.now())  # type: ignore[arg-type]

    def token(self, user: User) -> str:
        with self.db.unit_of_work() as s:
            return accounts.create_token(s, s.get(User, user.id), self.clock.now())  # type: ignore[arg-type]

    def principal(self, user: User) -> Principal:
        with self.db.reader() as s:
            return accounts.principal_for(s, s.get(User, user.id))  # type: ignore[arg-type]

    def group(self, name: str, owner: Organisation, members: list[Organisation]) -> int:
        with self.db.unit_of_work() as s:
            group = accounts.add_group(s, name, s.get(Organisation, owner.id), [s.get(Organisation, m.id) for m in members],  # type: ignore[arg-type, misc]
                                       self.clock.now())
            return group.id


@pytest.fixture
def make(db: Database, clock: FixedClock) -> Factory:
    return Factory(db, clock)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def auth() -> Callable[[str], dict[str, str]]:
    return bearer


class LiveServer:
    """The app served by a real Uvicorn server on a free loopback port, in a background thread."""

    def __init__(self, app: Any) -> None:
        import socket
        import threading

        import uvicorn

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        import time

        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live_server(app: Any) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "var" / "screenshots"


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


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under var/screenshots/ for people to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
