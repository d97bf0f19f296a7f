"""Schema migrations through Alembic, run from code (``aspjoc init``, tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    return config


def upgrade(database_url: str, revision: str = "heads") -> None:
    """Bring the database at ``database_url`` to ``revision`` (all branch heads by default: capabilities branch from the foundation)."""
    command.upgrade(alembic_config(database_url), revision)
