"""Analyst text: Markdown (CommonMark with tables) to HTML, sanitised with nh3.

Raw HTML in the Markdown is not passed through (it is shown as text), and the HTML that
markdown-it produces is cleaned again with nh3, keeping only formatting tags and safe links.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

TAGS = {"p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "h3", "h4", "h5", "h6", "hr",
        "a", "table", "thead", "tbody", "tr", "th", "td"}
ATTRIBUTES = {"a": {"href", "title"}, "th": {"style"}, "td": {"style"}}
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def to_html(text: str) -> str:
    """Safe HTML for ``text``; '' for blank text. Headings of level 1 and 2 become level 3, under the section's own."""
    if not text.strip():
        return ""
    html = _MARKDOWN.render(text)
    html = html.replace("<h1>", "<h3>").replace("</h1>", "</h3>").replace("<h2>", "<h3>").replace("</h2>", "</h3>")
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes={"http", "https", "mailto"},
                     link_rel="noopener noreferrer")
