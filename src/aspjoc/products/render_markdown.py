"""A product as Markdown: the marking first and last, the analyst text as written, tables in GitHub form.

Charts cannot travel in Markdown; each is replaced by its alt text, which states its figures.
"""

from __future__ import annotations

from aspjoc.products.document import Document, Table


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _table(t: Table) -> list[str]:
    if not t.rows:
        return []
    align = ["---:" if numeric else "---" for numeric in t.numeric]
    lines = [f"**{t.caption}**", "", "| " + " | ".join(_cell(h) for h in t.headers) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in t.rows]
    return [*lines, ""]


def markdown(doc: Document) -> str:
    """The whole product as Markdown text."""
    out = [f"**{doc.marking}** — {doc.tlp_meaning}", "", f"# {doc.title}", "",
           f"*{doc.kind_title}* · {doc.author_org}", "",
           f"- **Period:** {doc.period}", f"- **Coverage:** {doc.coverage}"
           + (f" · {doc.crime_type.replace('_', ' ')}" if doc.crime_type else ""),
           f"- **Audience:** {doc.audience}", f"- **Author:** {doc.author}, {doc.author_org}",
           "- **Review:** " + (f"approved by {doc.approver}" + (f" on {doc.approved_at:%Y-%m-%d}" if doc.approved_at else "")
                                if doc.approved else "draft, not approved for release"),
           f"- **Reference:** {doc.uuid}", ""]
    if doc.summary.markdown.strip():
        out += [f"## {doc.summary.title}", "", doc.summary.markdown.strip(), ""]
    out += [doc.left_out_note, ""]
    for text in doc.texts:
        out += [f"## {text.title}", "", text.markdown.strip(), ""]
    for number, section in enumerate(doc.sections, 1):
        out += [f"## {number}. {section.title}", ""]
        for paragraph in section.paragraphs:
            out += [paragraph, ""]
        for figure in section.figures:
            out += [f"*Chart — {figure.chart.alt}*", ""]
        for table in section.tables:
            out += _table(table)
    out += ["## About this product", "", f"{doc.marking}: {doc.tlp_meaning}", "", doc.left_out_note, "", f"**{doc.marking}**", ""]
    return "\n".join(out)
