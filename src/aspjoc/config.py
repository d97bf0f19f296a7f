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
    evidence_max_upload_mb: int = Field(512, ge=1, le=1048576, description="Largest evidence file accepted, in MiB; larger uploads are refused while streaming.")
    graph_max_nodes: int = Field(300, ge=10, le=100000, description="Most nodes one link-analysis view or path search loads; larger neighbourhoods are cut and marked truncated.")
    smtp_host: str = Field("", description="SMTP server that sends takedown notices; empty: notices can only be exported as .eml files.")
    smtp_port: int = Field(25, ge=1, le=65535, description="Port of the SMTP server.")
    smtp_from: str = Field("aspjoc@localhost", description="Sender address of takedown notices.")
    smtp_username: str = Field("", description="SMTP user name; empty: send without authentication.")
    smtp_password: str = Field("", description="SMTP password (with smtp_username).")
    smtp_starttls: bool = Field(False, description="Upgrade the SMTP connection with STARTTLS before authenticating and sending.")
    smtp_timeout: float = Field(10.0, gt=0, le=300, description="Seconds to wait for the SMTP server before a send counts as failed.")
    takedown_response_hours: int = Field(48, ge=1, le=2160, description="Hours a provider has to answer a takedown request before it is shown as overdue.")
    freeze_alert_hours: tuple[float, ...] = Field((12.0, 2.0), description="Hours before a freeze request's legal clock runs out at which the acting and requesting organisations are alerted; comma-separated.")
    public_check_per_minute: int = Field(60, ge=1, le=1000000, description="Public scam checks one client address may make per minute (token bucket; bursts up to this many).")
    public_report_per_hour: int = Field(10, ge=1, le=100000, description="Scam reports and delisting requests one client address may send per hour.")
    public_rate_limit_exempt: tuple[str, ...] = Field((), description="Client addresses exempt from the public rate limits (e.g. a benchmark client or a trusted relay); comma-separated.")
    public_check_cache_seconds: float = Field(30.0, ge=0, le=3600, description="How long a public check answer is reused; changes made elsewhere show after at most this long (0 disables the cache).")
    public_check_flush_seconds: float = Field(60.0, gt=0, le=86400, description="How often the aggregate counts of public checks are written to the database.")
    public_delisting_days: int = Field(14, ge=1, le=365, description="Days an organisation has to decide on a delisting request before it shows as overdue.")
    matching_batch_max: int = Field(10, ge=1, le=1000, description="Most values (or HMACs) one private-match request may hold; bigger batches are refused as bulk.")
    matching_user_daily_quota: int = Field(100, ge=1, le=1000000, description="Private-match items one user may ask about in any 24 hours.")
    matching_org_daily_quota: int = Field(500, ge=1, le=10000000, description="Private-match items all users of one organisation together may ask about in any 24 hours.")
    disruption_refresh_minutes: int = Field(15, ge=0, le=10080, description="A block-list download first refreshes the list when its last refresh is older than this many minutes (0: on every download).")
    disruption_sid_first: int = Field(1_000_000_000, ge=1, le=4_294_967_295, description="Start of the Suricata sid range of block-list rules; a rule's sid is this plus 3 x observable id plus 0, 1 or 2.")
    disruption_sid_last: int = Field(1_999_999_999, ge=1, le=4_294_967_295, description="End of the Suricata sid range of block-list rules; identifiers whose sid would pass it are left out with a comment.")

    @field_validator("freeze_alert_hours", mode="before")
    @classmethod
    def _hours_list(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                return tuple(sorted((float(part) for part in value.split(",") if part.strip()), reverse=True))
            except ValueError as exc:
                raise ValueError("must be hours separated by commas, for example 12,2") from exc
        return value

    @field_validator("public_rate_limit_exempt", mode="before")
    @classmethod
    def _address_list(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

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
