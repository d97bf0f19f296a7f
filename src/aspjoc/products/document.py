"""A product as every renderer reads it: its text, its marking, and its sections as sentences, charts and tables.

``build(product, content)`` turns the stored snapshot into a ``Document``; the HTML, PDF and
Markdown renderers only lay it out, so the three say the same thing in the same words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from aspjoc.charts import Chart
from aspjoc.countries import country_name
from aspjoc.marking import TLP
from aspjoc.products.content import Content
from aspjoc.products.generate import SECTION_TITLES, sections_of
from aspjoc.products.models import Product, ProductKind, ProductStatus
from aspjoc.products.text import to_html

TLP_MEANING = {
    TLP.CLEAR: "Recipients can spread this to the world; there is no limit on disclosure.",
    TLP.GREEN: "Recipients can spread this within their community, but not via publicly accessible channels.",
    TLP.AMBER: "Recipients can only spread this on a need-to-know basis within their organisation and its clients.",
    TLP.AMBER_STRICT: "Recipients can only spread this on a need-to-know basis within their organisation.",
    TLP.RED: "For the eyes and ears of individual recipients only, no further disclosure.",
}


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[str]]
    numeric: list[bool]
    caption: str = ""
    weights: tuple[int, ...] = ()

    @property
    def widths(self) -> list[int]:
        """Column widths in percent: numbers narrow, text columns by ``weights`` (default: the first twice the others).

        Fixed widths let the PDF lay tables out without measuring every cell (WeasyPrint's automatic
        table layout took most of a report's rendering time).
        """
        numbers = sum(self.numeric)
        texts = [i for i, numeric in enumerate(self.numeric) if not numeric]
        number_width = min(14, 60 // max(numbers, 1)) if texts else 100 // max(numbers, 1)
        shares = {i: (self.weights[n] if n < len(self.weights) else 2 if n == 0 else 1) for n, i in enumerate(texts)}
        left = 100 - number_width * numbers
        total = sum(shares.values()) or 1
        return [number_width if numeric else left * shares[i] // total for i, numeric in enumerate(self.numeric)]


@dataclass(frozen=True)
class Figure:
    chart: Chart
    caption: str


@dataclass
class Section:
    key: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


@dataclass(frozen=True)
class Text:
    """One piece of analyst text: its heading, the Markdown as written, and the sanitised HTML."""

    title: str
    markdown: str
    html: str


@dataclass
class Document:
    product_id: int
    uuid: str
    kind: ProductKind
    title: str
    tlp: TLP
    status: str
    author_org: str
    author_country: str
    author: str
    approver: str
    approved_at: datetime | None
    published_at: datetime | None
    period_start: date
    period_end: date
    countries: list[str]
    crime_type: str | None
    generated_at: datetime | None
    audience: str
    author_view: int
    left_out: int
    summary: Text
    texts: list[Text]
    sections: list[Section]

    @property
    def kind_title(self) -> str:
        return self.kind.heading

    @property
    def marking(self) -> str:
        return f"TLP:{self.tlp.label.upper()}"

    @property
    def tlp_meaning(self) -> str:
        return TLP_MEANING[self.tlp]

    @property
    def period(self) -> str:
        return f"{self.period_start:%-d %B %Y} – {self.period_end:%-d %B %Y}"

    @property
    def coverage(self) -> str:
        return ", ".join(country_name(c) for c in self.countries) if self.countries else "All member countries"

    @property
    def approved(self) -> bool:
        return self.status in (ProductStatus.APPROVED.value, ProductStatus.PUBLISHED.value)

    @property
    def left_out_note(self) -> str:
        """The sentence that says what was left out for the audience (counts, never contents)."""
        if not self.left_out:
            return f"Every figure is computed for {self.audience}; no statement in scope had to be left out."
        plural = "statement" if self.left_out == 1 else "statements"
        return (f"{self.left_out:,} {plural} under narrower markings {'was' if self.left_out == 1 else 'were'} left out: "
                f"every figure is computed for {self.audience}.")


def _texts(product: Product) -> list[Text]:
    kind = ProductKind(product.kind)
    body_title = "How the scheme works" if kind is ProductKind.MO_BULLETIN else "Assessment"
    wanted = [(body_title, product.body)]
    if kind in (ProductKind.ADVISORY, ProductKind.MO_BULLETIN):
        wanted += [("Detection", product.detection), ("Prevention", product.prevention)]
    return [Text(title, text, to_html(text)) for title, text in wanted if text.strip()]


def build(product: Product, content: Content | None, charts: bool = True) -> Document:
    """The document for ``product`` with ``content`` (None before the first generation: no sections)."""
    from aspjoc.products.figures import section_for

    kind = ProductKind(product.kind)
    sections = [section_for(name, content, product, charts) for name in sections_of(kind)] if content else []
    return Document(
        product_id=product.id, uuid=product.uuid, kind=kind, title=product.title, tlp=TLP(product.marking.tlp),
        status=product.status, author_org=product.author_org.name, author_country=product.author_org.country or "",
        author=(product.author.name or product.author.email) if product.author else product.author_org.name,
        approver=(product.approver.name or product.approver.email) if product.approver else "",
        approved_at=product.approved_at, published_at=product.published_at,
        period_start=product.period_start, period_end=product.period_end, countries=product.country_list,
        crime_type=product.crime_type, generated_at=content.generated_at if content else None,
        audience=content.audience if content else "", author_view=content.author_view if content else 0,
        left_out=content.left_out if content else 0,
        summary=Text("Key judgements", product.summary, to_html(product.summary)),
        texts=_texts(product), sections=[s for s in sections if s is not None],
    )


def section_title(name: str) -> str:
    return SECTION_TITLES[name]
