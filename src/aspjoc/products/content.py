"""The generated part of a product: figures computed through the audience's gate, stored as JSON.

The snapshot is made when the author generates the product (and again on submission), so the
reviewer approves, and the readers receive, the same figures. Every renderer reads this, never
the live tables.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class Count(BaseModel):
    """One row of a breakdown: a key (code or value), its label, and its counts."""

    key: str
    label: str
    statements: int
    observables: int = 0
    previous: int | None = Field(None, description="Statements in the previous period of the same length.")


class Series(BaseModel):
    name: str
    values: list[int]


class Volumes(BaseModel):
    statements: int
    observables: int
    previous_statements: int
    organisations: int
    countries: int
    months: list[str]
    monthly: list[int]
    crime_series: list[Series]
    by_crime: list[Count]
    by_type: list[Count]
    by_country: list[Count]


class Infrastructure(BaseModel):
    domains: list[Count]
    tlds: list[Count]
    networks: list[Count]
    phone_countries: list[Count]
    chains: list[Count]


class ClusterRow(BaseModel):
    label: str
    kind: str = Field(description="domain (a registered domain) or network (an IPv4 /24)")
    observables: int
    statements: int
    organisations: int
    crime_types: list[str]
    first_month: str = Field(description="YYYY-MM of the first report in the period.")


class Clusters(BaseModel):
    total: int
    items: list[ClusterRow]
    source: str = Field(description="The function that found them.")


class OutcomeRow(BaseModel):
    operation: str
    crime_type: str
    starts_on: date
    ends_on: date
    targets: int
    takedowns_requested: int
    takedowns_confirmed: int
    arrests: int
    accounts_frozen: int
    servers_seized: int
    victims_notified: int
    amounts_held: dict[str, str]


class Outcomes(BaseModel):
    items: list[OutcomeRow]
    totals: OutcomeRow | None
    withheld: int = Field(0, description="Operations left out because their figures differ between readers.")
    source: str


class MatchRow(BaseModel):
    type: str
    value: str
    countries: list[str]
    organisations: int
    statements: int
    crime_type: str | None


class Matches(BaseModel):
    observables: int
    by_pair: list[Count]
    by_type: list[Count]
    items: list[MatchRow]


class Indicator(BaseModel):
    type: str
    value: str
    statements: int
    organisations: int
    first_seen: datetime
    last_seen: datetime


class Indicators(BaseModel):
    total: int
    items: list[Indicator]


class Content(BaseModel):
    """Everything generated for one product; sections a product kind does not use stay None."""

    generated_at: datetime
    audience: str
    author_view: int = Field(description="Statements in scope the author may read.")
    left_out: int = Field(description="Of those, statements whose markings do not allow the audience.")
    volumes: Volumes | None = None
    infrastructure: Infrastructure | None = None
    clusters: Clusters | None = None
    outcomes: Outcomes | None = None
    matches: Matches | None = None
    indicators: Indicators | None = None
