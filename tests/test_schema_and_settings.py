"""Models and migrations agree; every setting is documented; bad settings fail loudly."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from aspjoc.config import Settings, load_settings
from aspjoc.db import Database
from aspjoc.errors import InvalidInput
from aspjoc.tables import metadata

ROOT = Path(__file__).resolve().parents[1]


def test_migrations_match_the_models(db: Database) -> None:
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), metadata)
    assert diff == [], f"models and migrations differ; add an Alembic revision: {diff}"


def test_every_setting_is_documented() -> None:
    doc = (ROOT / "docs" / "settings.md").read_text()
    missing = [name for name in Settings.model_fields if f"ASPJOC_{name.upper()}" not in doc]
    assert missing == []


def test_bad_setting_names_the_variable() -> None:
    with pytest.raises(InvalidInput) as caught:
        load_settings({"ASPJOC_PORT": "eighty"})
    assert caught.value.field == "ASPJOC_PORT"


def test_refuses_to_serve_beyond_loopback_with_default_secret() -> None:
    with pytest.raises(InvalidInput):
        Settings().check_safe_to_serve("0.0.0.0")
    Settings(secret_key="x" * 40).check_safe_to_serve("0.0.0.0")
