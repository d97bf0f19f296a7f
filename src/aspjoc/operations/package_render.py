"""A package as a standalone HTML document and as a PDF (WeasyPrint), the TLP marking on every page."""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from typing import Any

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


def font_configuration() -> Any:
    """A WeasyPrint font configuration to share between the PDFs of one batch (one thread: it is not thread-safe).

    Sharing it spares each PDF loading the fonts again (about a fifth of a package's rendering time).
    """
    from weasyprint.text.fonts import FontConfiguration  # imported on first use: loading WeasyPrint takes a second

    return FontConfiguration()


def render_pdf(html: str, fonts: Any | None = None) -> bytes:
    """The document printed to PDF; the @page margin boxes repeat the TLP label on every page. ``fonts`` is a
    ``font_configuration()`` shared by a batch, or None for a fresh one."""
    from weasyprint import HTML  # imported on first use: loading WeasyPrint takes about a second

    return HTML(string=html).write_pdf(font_config=fonts)  # type: ignore[no-any-return]
