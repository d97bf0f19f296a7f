"""Settings: one typed object, read from ``ASPJOC_*`` environment variables and an optional TOML file.

Every setting is documented in docs/settings.md (a test keeps the two in step).
A bad value fails loudly at start-up, naming the variable.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from aspjoc.errors import InvalidInput

DEFAULT_SECRET = "insecure-development-secret-change-me"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class Settings(BaseModel):
    """Everything configurable about one aspjoc instance."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    database_url: str = Field("sqlite:///var/aspjoc.db", description="SQLAlchemy URL: sqlite:///path or postgresql+psycopg://...")
    secret_key: str = Field(DEFAULT_SECRET, description="Signs session cookies and CSRF tokens. Required beyond loopback.")
    host: str = Field("127.0.0.1", description="Address `aspjoc serve` listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port `aspjoc serve` listens on.")
    data_dir: Path = Field(Path("var"), description="Folder for the SQLite database, evidence files and job storage.")
    session_hours: int = Field(12, ge=1, le=720, description="Lifetime of a console sign-in.")
    cookie_secure: bool = Field(False, description="Send the session cookie only over HTTPS. Set true behind TLS.")
    login_max_failures: int = Field(5, ge=1, le=100, description="Failed sign-ins in a row before the account locks.")
    lockout_minutes: int = Field(15, ge=1, le=1440, description="How long a locked account stays locked.")
    default_region: str | None = Field(None, description="ISO 3166 country used to read phone numbers written without +country code.")
    page_size: int = Field(50, ge=1, le=1000, description="Default page size of lists in the API and console.")
    max_page_size: int = Field(1000, ge=1, le=100000, description="Largest page a client may ask for.")
    sql_echo: bool = Field(False, description="Log every SQL statement (debugging only).")

    @field_validator("default_region")
    @classmethod
    def _region_upper(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if len(value) != 2 or not value.isalpha():
            raise ValueError("must be a two-letter ISO 3166 country code")
        return value.upper()

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def check_safe_to_serve(self, host: str) -> None:
        """Refuse to listen beyond loopback with the default secret."""
        if host not in LOOPBACK_HOSTS and self.secret_key == DEFAULT_SECRET:
            raise InvalidInput("ASPJOC_SECRET_KEY", f"refusing to serve on {host} with the default secret; set a long random value")


def _from_environment(env: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in Settings.model_fields:
        key = f"ASPJOC_{name.upper()}"
        if key in env:
            values[name] = env[key]
    return values


def load_settings(env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Build settings from the file named by ``ASPJOC_CONFIG`` (if any), then the environment, then ``overrides``.

    Raises InvalidInput naming the variable when a value does not parse.
    """
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    config_file = env.get("ASPJOC_CONFIG")
    if config_file:
        try:
            values.update(tomllib.loads(Path(config_file).read_text()))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise InvalidInput("ASPJOC_CONFIG", f"cannot read {config_file}: {exc}") from exc
    values.update(_from_environment(env))
    values.update(overrides)
    try:
        return Settings(**values)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "settings"
        raise InvalidInput(f"ASPJOC_{field.upper()}", first["msg"]) from exc
