"""The one chart helper: matplotlib on the Agg backend, one palette and one font, so the console and the PDFs look alike.

Each function returns a ``Chart``: PNG bytes (drawn at ``DPI``, crisp in print) with alt text
that states the figures, for screen readers and for text extraction. Nothing here touches
pyplot's global state: every chart draws on its own ``Figure`` through ``FigureCanvasAgg``,
so charts can be drawn from several threads (request handlers) at once.

Usage::

    from aspjoc import charts
    chart = charts.bars(["phishing", "bec"], [120, 31], title="Statements by crime type")
    html = f'<img src="{chart.data_uri()}" alt="{chart.alt}">'
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from PIL import Image

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# matplotlib is imported where a chart is drawn: its import costs about half a second, which every
# command and worker start would otherwise pay.

# The console's accent first, then colours that stay apart for colour-blind readers (Okabe-Ito based).
PALETTE = ("#0b5cad", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#6b6b6b", "#f0e442")
INK = "#1d2430"
MUTED = "#5b6575"
GRID = "#d9dee6"
PREVIOUS = "#b8c4d3"
FONTS = ["Noto Sans", "DejaVu Sans", "Liberation Sans", "sans-serif"]
DPI = 150
WIDTH = 7.0
STYLE: dict[str, Any] = {
    "font.family": "sans-serif",
    "font.sans-serif": FONTS,
    "font.size": 9,
    "axes.edgecolor": GRID,
    "axes.labelcolor": MUTED,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.titlecolor": INK,
    "axes.titlelocation": "left",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "legend.frameon": False,
    "legend.fontsize": 8,
    "svg.fonttype": "none",
}


@dataclass(frozen=True)
class Chart:
    png: bytes
    alt: str

    def data_uri(self) -> str:
        """The PNG as a ``data:`` URI, for an ``<img src>`` in a page or a PDF."""
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


def _figure(height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH, height), dpi=DPI)
    FigureCanvasAgg(figure)
    return figure


def _margins(figure: Figure, left: float, top: float, bottom: float, right: float = 0.25) -> None:
    """Fixed margins in inches. Matplotlib's automatic layout measures every label again and again; charts are
    simple enough to place from the longest label, which keeps a chart under a tenth of a second."""
    width, height = figure.get_size_inches()
    figure.subplots_adjust(left=left / width, right=1 - right / width, top=1 - top / height, bottom=bottom / height)


def _label_width(labels: Sequence[str]) -> float:
    """Inches taken by the longest tick label at the style's 9 pt (about 0.072 in a character)."""
    return 0.072 * max((len(label) for label in labels), default=0) + 0.2


def _png(figure: Figure) -> bytes:
    """The figure as an opaque RGB PNG: no alpha channel, so a PDF embeds one image per chart, not an image and a mask."""
    canvas = figure.canvas
    canvas.draw()
    width, height = canvas.get_width_height()
    image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB")  # type: ignore[attr-defined]
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=3)
    return buffer.getvalue()


def _alt(title: str, labels: Sequence[str], values: Sequence[float]) -> str:
    parts = ", ".join(f"{label}: {value:,.0f}" for label, value in zip(labels, values, strict=False))
    return f"{title}. {parts}." if title else f"{parts}."


def _no_data(ax: Any) -> None:
    ax.text(0.5, 0.5, "No data for this audience and period", ha="center", va="center", color=MUTED, transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def bars(labels: Sequence[str], values: Sequence[float], *, title: str = "", previous: Sequence[float] | None = None,
         unit: str = "", colour: str = PALETTE[0]) -> Chart:
    """A horizontal bar chart, largest first as given; with ``previous``, a lighter bar beside each for the period before.

    An empty ``labels`` draws a "No data" panel rather than failing.
    """
    from matplotlib import rc_context
    from matplotlib.ticker import MaxNLocator

    with rc_context(cast(Any, STYLE)):
        figure = _figure(max(1.5, (0.3 if previous is not None else 0.23) * len(labels) + 0.8))
        _margins(figure, left=_label_width(labels), top=0.35 if title else 0.1, bottom=0.35)
        ax = figure.add_subplot()
        if not labels:
            _no_data(ax)
        else:
            rows = list(range(len(labels)))[::-1]
            height = 0.38 if previous is not None else 0.7
            if previous is not None:
                ax.barh([r - height / 2 for r in rows], previous, height=height, color=PREVIOUS, label="previous period")
            shifted = [r + height / 2 for r in rows] if previous is not None else rows
            drawn = ax.barh(shifted, values, height=height, color=colour, label="this period")
            ax.bar_label(drawn, labels=[f"{v:,.0f}" for v in values], padding=3, fontsize=8, color=INK)
            ax.set_yticks(rows, labels=list(labels))
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.grid(axis="x", color=GRID, linewidth=0.6)
            ax.set_axisbelow(True)
            ax.margins(x=0.12)
            if unit:
                ax.set_xlabel(unit)
            if previous is not None:
                ax.legend(loc="lower right")
        if title:
            ax.set_title(title)
        return Chart(_png(figure), _alt(title, labels, values))


def lines(x_labels: Sequence[str], series: dict[str, Sequence[float]], *, title: str = "", unit: str = "") -> Chart:
    """A line chart of one or more series over ``x_labels`` (months, say), one palette colour each, with a legend."""
    from matplotlib import rc_context
    from matplotlib.ticker import MaxNLocator

    with rc_context(cast(Any, STYLE)):
        figure = _figure(2.8 + (0.3 if len(series) > 1 else 0))
        rotated = len(x_labels) > 6
        _margins(figure, left=0.55, top=0.35 if title else 0.1,
                 bottom=(0.7 if rotated else 0.35) + (0.3 if len(series) > 1 else 0))
        ax = figure.add_subplot()
        if not x_labels or not series:
            _no_data(ax)
        else:
            for index, (name, values) in enumerate(series.items()):
                ax.plot(list(x_labels), list(values), marker="o", markersize=3, linewidth=1.8,
                        color=PALETTE[index % len(PALETTE)], label=name)
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_ylim(bottom=0)
            ax.grid(axis="y", color=GRID, linewidth=0.6)
            ax.tick_params(axis="x", labelrotation=45 if rotated else 0, labelsize=8)
            if unit:
                ax.set_ylabel(unit)
            if len(series) > 1:
                figure.legend(loc="lower center", ncols=min(5, len(series)), bbox_to_anchor=(0.5, 0.0))
        if title:
            ax.set_title(title)
        totals = [sum(v) for v in series.values()]
        return Chart(_png(figure), _alt(title, list(series), totals))
