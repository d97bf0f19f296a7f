"""API shapes of products."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from aspjoc.intel.schemas import MarkingIn, TLPText
from aspjoc.products.content import Content


class ProductIn(BaseModel):
    """A new product; its figures are generated from the data at once, through its audience's gate."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field("assessment", description="assessment, advisory, activity_report or mo_bulletin.")
    title: str = Field(..., min_length=3, max_length=300)
    period_start: date = Field(..., description="First day of the period covered.")
    period_end: date = Field(..., description="Last day of the period covered (included).")
    countries: list[str] = Field(default_factory=list, description="ISO 3166 codes; empty for the whole region.")
    crime_type: str | None = Field(None, description="The one threat of an advisory or bulletin; optional for the others.")
    marking: MarkingIn = Field(default_factory=lambda: MarkingIn(tlp="green"),
                               description="Who may read the product; every figure is computed for that audience only.")
    summary: str = Field("", max_length=20000, description="Key judgements, Markdown.")
    body: str = Field("", max_length=100000, description="Analysis (or, for a bulletin, how the scheme works), Markdown.")
    detection: str = Field("", max_length=50000, description="How to detect it, Markdown (advisories and bulletins).")
    prevention: str = Field("", max_length=50000, description="How to prevent it, Markdown (advisories and bulletins).")


class ProductPatch(BaseModel):
    """Changes to a draft; fields left out stay as they are. A change of scope or marking regenerates the figures."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, min_length=3, max_length=300)
    period_start: date | None = None
    period_end: date | None = None
    countries: list[str] | None = None
    crime_type: str | None = None
    marking: MarkingIn | None = None
    summary: str | None = Field(None, max_length=20000)
    body: str | None = Field(None, max_length=100000)
    detection: str | None = Field(None, max_length=50000)
    prevention: str | None = Field(None, max_length=50000)


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field("", max_length=5000)


class ProductOut(BaseModel):
    id: int
    uuid: str
    kind: str
    title: str
    status: str
    tlp: TLPText
    author_organisation: str
    author: str
    period_start: date
    period_end: date
    countries: list[str]
    crime_type: str | None
    summary: str
    body: str
    detection: str
    prevention: str
    approved_by: str | None
    approved_at: datetime | None
    published_at: datetime | None
    updated_at: datetime
    content: Content | None = Field(None, description="The generated figures, computed for the product's audience.")
    links: dict[str, str] = Field(default_factory=dict, description="Renderings: html, pdf, markdown, stix.")


class ProductList(BaseModel):
    items: list[ProductOut]
