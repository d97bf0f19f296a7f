"""The raw SQL of bulk ingest, for SQLite and PostgreSQL alike.

Bulk ingest writes through the DBAPI cursor with ``executemany``: the ORM's per-row work would
cost more than the database itself at a million rows. ``INSERT … ON CONFLICT`` is spelt the same
on both databases; the differences (placeholders, timestamps, LEAST/GREATEST, passing a list of
ids as one parameter, literals) live in ``Dialect``.

What is the same for every row of a run (its author, source, retention, time) is written into the
SQL once, as literals the database itself quotes, rather than bound again for each row: binding
is most of what an insert costs the driver.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aspjoc.clock import as_utc
from aspjoc.errors import InvalidInput

# The columns of the rows ``store.BatchWriter`` builds, in order; then those the run sets for every row.
ROW_COLUMNS = ("uuid", "observable_id", "owner_org_id", "marking_id", "kind", "crime_type", "confidence", "first_seen",
               "last_seen", "sightings", "description", "tags")
RUN_COLUMNS = ("author_user_id", "retention_until", "source", "withdrawn", "created_at", "updated_at")


@dataclass(frozen=True)
class RunLiterals:
    """The values a run gives every row, as SQL literals (``Dialect.literal``)."""

    author: str
    retention: str
    source: str
    now: str


@dataclass(frozen=True)
class Dialect:
    """SQL spelling for one database; build with ``Dialect.named``."""

    name: str
    param: str
    least: str
    greatest: str
    false: Any

    @classmethod
    def named(cls, name: str) -> Dialect:
        if name == "sqlite":
            # SQLite's scalar min()/max() with two arguments are LEAST/GREATEST.
            return cls("sqlite", "?", "min", "max", 0)
        return cls(name, "%s", "LEAST", "GREATEST", False)

    def ts(self, value: datetime) -> Any:
        """A UTC timestamp as the column type ``UTCDateTime`` stores it (text on SQLite, so it sorts)."""
        if value.tzinfo is not UTC:
            value = as_utc(value)
        if self.name == "sqlite":
            return value.isoformat(" ", "microseconds")[:26]  # "YYYY-MM-DD HH:MM:SS.ffffff", without the offset
        return value

    def params(self, count: int) -> str:
        return ", ".join([self.param] * count)

    def literal(self, raw: Any, value: Any, field: str) -> str:
        """``value`` (of ``field``) as an SQL literal, quoted by the database's own rules (``raw``: the DBAPI connection)."""
        if self.name == "sqlite":
            quoted = str(raw.execute("SELECT quote(?)", (value,)).fetchone()[0])
            if raw.execute(f"SELECT {quoted}").fetchone()[0] != value:  # text SQLite would cut short (a NUL in it)
                raise InvalidInput(field, "must not contain NUL characters")
            return quoted
        from psycopg import sql

        return sql.Literal(value).as_string(raw)

    def false_literal(self) -> str:
        return "0" if self.name == "sqlite" else "false"

    def id_list(self) -> str:
        """A sub-select over the ids passed as one parameter (see ``ids``)."""
        if self.name == "sqlite":
            return f"SELECT value FROM json_each({self.param})"
        return f"SELECT unnest({self.param}::bigint[])"

    def ids(self, values: Sequence[int]) -> Any:
        return json.dumps(list(values)) if self.name == "sqlite" else list(values)

    def text_list(self) -> str:
        if self.name == "sqlite":
            return f"SELECT value FROM json_each({self.param})"
        return f"SELECT unnest({self.param}::text[])"

    def texts(self, values: Sequence[str]) -> Any:
        return json.dumps(list(values)) if self.name == "sqlite" else list(values)

    def insert_observables(self, now: str) -> str:
        """Insert observables not stored yet, created at ``now`` (a literal). SQLite: with the ids given (see
        ``store``); PostgreSQL: ids from the sequence."""
        # SQLite's INSERT OR IGNORE skips a duplicate in the same index probe that inserts, where
        # an upsert (ON CONFLICT) runs about three times slower there.
        if self.name == "sqlite":
            return ("INSERT OR IGNORE INTO observables (id, type, value, country, domain, num_lo, num_hi, created_at) "
                    f"VALUES ({self.params(7)}, {now})")
        return (f"INSERT INTO observables (type, value, country, domain, num_lo, num_hi, created_at) "
                f"VALUES ({self.params(6)}, {now}) ON CONFLICT (type, value) DO NOTHING")

    def observables_after(self) -> str:
        """Ids of the observables above an id (those a batch just inserted, on SQLite)."""
        return f"SELECT id FROM observables WHERE id > {self.param}"

    def select_observables(self) -> str:
        """Ids of observables of one type whose values are in a list."""
        return f"SELECT id, value FROM observables WHERE type = {self.param} AND value IN ({self.text_list()})"

    def insert_statements(self, run: RunLiterals) -> str:
        """A plain INSERT of statements that cannot exist yet (their observable is new in this transaction)."""
        return (f"INSERT INTO statements ({', '.join(ROW_COLUMNS + RUN_COLUMNS)}) VALUES ({self.params(len(ROW_COLUMNS))}, "
                f"{run.author}, {run.retention}, {run.source}, {self.false_literal()}, {run.now}, {run.now})")

    def upsert_statements(self, run: RunLiterals, *, indexed: bool = True) -> str:
        """Insert statements, or re-sight those that exist.

        A statement's identity is (observable, owner, kind, source): a repeat adds sightings,
        widens first/last seen and takes the newest marking, crime type, confidence, and the
        newest description and tags unless those are blank. With ``indexed`` False the marking and
        the update time, the two indexed columns, are left to ``remark_statements``: SQLite
        rewrites an index entry for every row whose indexed column is set, even to the same value,
        and most repeats within a run change neither.
        """
        indexed_columns = "marking_id = excluded.marking_id, updated_at = excluded.updated_at, " if indexed else ""
        return (
            f"{self.insert_statements(run)} "
            "ON CONFLICT (observable_id, owner_org_id, kind, source) DO UPDATE SET "
            "sightings = statements.sightings + excluded.sightings, "
            f"first_seen = {self.least}(statements.first_seen, excluded.first_seen), "
            f"last_seen = {self.greatest}(statements.last_seen, excluded.last_seen), "
            f"{indexed_columns}author_user_id = excluded.author_user_id, "
            "crime_type = COALESCE(excluded.crime_type, statements.crime_type), "
            "confidence = excluded.confidence, "
            "description = CASE WHEN excluded.description = '' THEN statements.description ELSE excluded.description END, "
            "tags = CASE WHEN excluded.tags = '[]' THEN statements.tags ELSE excluded.tags END, "
            "withdrawn = excluded.withdrawn"
        )

    def remark_statements(self, run: RunLiterals) -> str:
        """Give a re-sighted statement its new marking and the run's time, where either differs.

        Parameters: marking, observable, owner, kind, marking (see ``upsert_statements``).
        """
        p = self.param
        return (f"UPDATE statements SET marking_id = {p}, updated_at = {run.now} WHERE observable_id = {p} "
                f"AND owner_org_id = {p} AND kind = {p} AND source = {run.source} "
                f"AND (marking_id <> {p} OR updated_at <> {run.now})")

    def existing_statements(self) -> str:
        return (f"SELECT observable_id, owner_org_id, kind FROM statements WHERE source = {self.param} "
                f"AND observable_id IN ({self.id_list()})")

    def matched_statements(self) -> str:
        """The batch's statements whose observable another organisation also holds: one set-based query."""
        p = self.param
        return (
            f"SELECT s.id FROM statements s WHERE s.source = {p} AND s.observable_id IN ({self.id_list()}) "
            f"AND s.owner_org_id IN ({self.id_list()}) AND EXISTS (SELECT 1 FROM statements o "
            f"WHERE o.observable_id = s.observable_id AND o.owner_org_id <> s.owner_org_id AND o.withdrawn = {p}) "
            "ORDER BY s.id"
        )

    def insert_flags(self) -> str:
        return (f"INSERT INTO observable_flags (observable_id, list_name) VALUES ({self.params(2)}) "
                "ON CONFLICT (observable_id, list_name) DO NOTHING")

    def insert_rejections(self) -> str:
        return f"INSERT INTO ingest_rejections (run_id, position, field, reason, raw) VALUES ({self.params(5)})"

    def advance_run(self) -> str:
        p = self.param
        return (f"UPDATE ingest_runs SET read = read + {p}, stored = stored + {p}, new = new + {p}, "
                f"updated = updated + {p}, rejected = rejected + {p}, flagged = flagged + {p}, "
                f"matches = matches + {p}, position = {self.greatest}(position, {p}) WHERE id = {p}")

    def max_observable_id(self) -> str:
        return "SELECT COALESCE(MAX(id), 0) FROM observables"

    def max_statement_id(self) -> str:
        return "SELECT COALESCE(MAX(id), 0) FROM statements"
