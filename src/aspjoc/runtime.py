"""What a CLI command or a job needs: settings, the database, the clock, built once per process from the environment."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.orm import Session

from aspjoc import sealing
from aspjoc.clock import Clock, SystemClock
from aspjoc.config import Settings, load_settings
from aspjoc.db import Database


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Clock

    @classmethod
    def from_environment(cls) -> Runtime:
        settings = load_settings()
        sealing.use_secret(settings.secret_key)
        return cls(settings, Database(settings.database_url, echo=settings.sql_echo), SystemClock())

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        with self.db.unit_of_work() as session:
            yield session
