"""A product as HTML: the standalone report (for the PDF and ``.html`` files) and the body the console embeds."""

from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment
from markupsafe import Markup

from aspjoc.marking import TLP
from aspjoc.products.document import Document
from aspjoc.web.templating import make_templates

# FIRST TLP 2.0 colours: the label's text colour, always on black.
TLP_COLOURS = {TLP.CLEAR: "#FFFFFF", TLP.GREEN: "#33FF00", TLP.AMBER: "#FFC000", TLP.AMBER_STRICT: "#FFC000",
               TLP.RED: "#FF2B2B"}


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The console's Jinja2 environment (every capability's templates, the shared filters)."""
    return make_templates().env


def css_string(text: str) -> Markup:
    """``text`` as a quoted CSS string; quotes, backslashes, '<' and line breaks are escaped so nothing breaks out of <style>."""
    out = []
    for ch in text:
        out.append(f"\\{ord(ch):x} " if ch in '"\\<>\n\r' else ch)
    return Markup('"' + "".join(out) + '"')


def report_html(doc: Document) -> str:
    """The whole product as one HTML document, with its print stylesheet and the marking in every page's margins."""
    return environment().get_template("products/report.html").render(
        doc=doc, colour=TLP_COLOURS[doc.tlp], marking_css=css_string(doc.marking), kind_css=css_string(doc.kind_title),
        org_css=css_string(doc.author_org))
