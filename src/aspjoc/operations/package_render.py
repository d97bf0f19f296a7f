"""A package as a standalone HTML document and as a PDF (WeasyPrint), the TLP marking on every page."""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

from jinja2 import Environment

from aspjoc.operations.money import format_amount
from aspjoc.operations.package_content import PackageContent
from aspjoc.web.templating import make_templates


@lru_cache(maxsize=1)
def _environment() -> Environment:
    # The console's template environment (same filters and loader), built once, usable without an app (the CLI).
    return make_templates().env


def render_html(content: PackageContent) -> str:
    """The package as one self-contained HTML document (inline styles, no external assets)."""
    summary = sorted(Counter(item.target.recommended_action for item in content.targets).items())
    template = _environment().get_template("operations/package.html")
    return template.render(c=content, summary=summary, money=format_amount)


def render_pdf(html: str) -> bytes:
    """The document printed to PDF; the @page margin boxes repeat the TLP label on every page."""
    from weasyprint import HTML  # imported on first use: loading WeasyPrint takes about a second

    return HTML(string=html).write_pdf()  # type: ignore[no-any-return]
