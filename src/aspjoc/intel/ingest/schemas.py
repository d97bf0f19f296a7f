"""API shapes of ingest: the JSON body of records, the run summary, rejections."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class RecordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: str = Field(..., min_length=1, max_length=4096)
    type: str | None = Field(None, description="Observable type; detected when left out.")
    kind: str = "indicator"
    crime_type: str | None = None
    confidence: int | None = Field(None, ge=0, le=100)
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    description: str = Field("", max_length=20000)
    tags: list[str] = Field(default_factory=list)


class RecordsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str = Field(..., min_length=1, max_length=200)
    tlp: str = Field("amber", description="clear, green, amber, amber+strict or red.")
    crime_type: str | None = None
    records: list[RecordIn] = Field(..., max_length=100000)


class RejectionOut(BaseModel):
    index: int = Field(description="Line number or position in the source.")
    field: str
    reason: str
    raw: str


class IngestSummary(BaseModel):
    run_id: int
    status: str
    source: str
    format: str
    read: int
    stored: int
    new: int
    updated: int
    rejected: int
    flagged: int
    matches: int
    seconds: float
    started_at: datetime
    finished_at: datetime | None
    rejections: list[RejectionOut] = Field(description="The first rejections; all are listed at /ingest/runs/{id}/rejections.")


class RunList(BaseModel):
    items: list[IngestSummary]
