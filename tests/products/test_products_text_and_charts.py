"""Analyst Markdown is sanitised; the one chart helper draws PNGs with alt text, empty data included."""

from __future__ import annotations

import io

from PIL import Image

from aspjoc import charts
from aspjoc.products.text import to_html


def test_markdown_keeps_formatting_and_drops_scripts_handlers_and_unsafe_links() -> None:
    html = to_html("# Heading\n\n**bold** <script>alert(1)</script> <img src=x onerror=alert(2)>\n\n"
                   "[bad](javascript:alert(3)) [good](https://first.org/tlp/)\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    assert "<h3>Heading</h3>" in html and "<strong>bold</strong>" in html and "<table>" in html
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html
    assert '<a href="https://first.org/tlp/" rel="noopener noreferrer">good</a>' in html
    assert to_html("   ") == ""


def test_charts_are_opaque_pngs_with_alt_text_stating_the_figures() -> None:
    bar = charts.bars(["phishing", "bec"], [120, 31], title="Statements by crime type", previous=[100, 40])
    line = charts.lines(["2026-01", "2026-02"], {"phishing": [3, 5], "bec": [1, 0]}, title="Per month")
    empty = charts.bars([], [], title="Nothing")
    for chart in (bar, line, empty):
        image = Image.open(io.BytesIO(chart.png))
        assert image.format == "PNG" and image.mode == "RGB" and image.width == int(charts.WIDTH * charts.DPI)
        assert chart.data_uri().startswith("data:image/png;base64,")
    assert bar.alt == "Statements by crime type. phishing: 120, bec: 31."
    assert line.alt == "Per month. phishing: 8, bec: 1."
    assert bar.png != charts.bars(["phishing", "bec"], [120, 30], title="Statements by crime type", previous=[100, 40]).png
