"""Helpers for tests: factories, a live server, bearer headers, screenshots. Fixtures live in conftest.py."""

from __future__ import annotations

import socket
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aspjoc.access import Principal
from aspjoc.accounts import service as accounts
from aspjoc.accounts.models import Organisation, User
from aspjoc.clock import FixedClock
from aspjoc.db import Database

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "var" / "screenshots"


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


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class LiveServer:
    """The app served by a real Uvicorn server on a free loopback port, in a background thread."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
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


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under var/screenshots/ for people to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def click_nav(page: Any, label: str) -> None:
    """Click a top-bar entry of the console, opening its menu first when it sits in one."""
    link = page.locator("header nav a", has_text=label).first
    menu = page.locator("header nav details", has=page.locator("a", has_text=label))
    if menu.count():
        menu.first.locator("summary").click()
    link.click()


def sign_in(page: Any, base: str, email: str, password: str = PASSWORD) -> None:
    """Sign ``email`` in through the console's form in the browser tab ``page`` and wait for the dashboard."""
    page.goto(f"{base}/signin")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
