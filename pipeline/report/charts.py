"""The chart contract (decision D29): what every chart in the report carries, and the check.

A ``Chart`` is a matplotlib figure with everything a member needs beside it: a title that
states the finding, a subtitle (the measure and period), a source line, alt text of the
form "<chart type> of <data> showing <finding>" with every value, and the data behind it
as a table. ``Chart.html()`` is the figure as the committee paper shows it (the notebook
displays the same through ``_repr_html_``). ``contract_problems`` lists every way a chart
breaks the contract: the palette and its contrast, direct labels on every bar and point,
no legend, the title, subtitle and source drawn on the figure, the alt text's form and
values, and the data table in the HTML.
"""

from __future__ import annotations

import base64
import io
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402  (the backend must be chosen first)
from markupsafe import Markup, escape  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.colors import to_hex, to_rgba  # noqa: E402
from matplotlib.container import BarContainer  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from matplotlib.transforms import Bbox  # noqa: E402

from pipeline import palette  # noqa: E402
from pipeline.report import render  # noqa: E402

DPI = 110
_PAD_INCHES = 0.1  # around the tight box of a chart's PNG
SOURCE_PREFIX = "Source: "
DATA_CAPTION_PREFIX = "Data for the chart: "
# "<chart type> of <data> showing <finding>"
ALT_FORM = re.compile(r"^(?P<kind>[A-Z][a-z]*(?: [a-z]+)* chart) of .+? showing .+", re.DOTALL)
# A value label: a number (with £, %, commas or decimals) or the words for no score.
_VALUE_LABEL = re.compile(r"\d|not enough answers")


@dataclass(frozen=True, eq=False, repr=False)
class Chart:
    """A chart with its words and data; ``columns`` formats the data table (render.table)."""

    key: str  # unique in the report: the chart's id and its data table's id
    kind: str  # "Bar chart", "Stacked bar chart", "Dot chart"
    figure: Figure
    alt: str
    title: str
    subtitle: str
    source: str
    data: pd.DataFrame  # member-readable headers
    caption: str  # the data table's caption, after DATA_CAPTION_PREFIX
    columns: Sequence[Sequence[Any]] | None = None
    _png: list[bytes] = field(default_factory=list, repr=False)

    def png(self) -> bytes:
        """The figure as PNG bytes: the same inputs give the same bytes (no software or
        date stamp)."""
        if not self._png:
            for text in self.figure.findobj(Text):  # officer-typed text drawn as typed
                text.set_parse_math(False)
            buffer = io.BytesIO()
            self.figure.savefig(
                buffer,
                format="png",
                dpi=DPI,
                bbox_inches=_tight_box(self.figure),
                facecolor=palette.BACKGROUND,
                metadata={"Software": None},
            )
            self._png.append(buffer.getvalue())
        return self._png[0]

    def table(self) -> Markup:
        """The data behind the chart as an accessible table, its id unique to the chart."""
        caption = DATA_CAPTION_PREFIX + self.caption
        markup = str(render.table(self.data, caption, self.columns))
        generated = f"T_{render._slug(caption)}"
        return Markup(markup.replace(f'"{generated}', f'"T_chart-{self.key}'))

    def html(self) -> Markup:
        """The chart as the paper shows it: a figure with the PNG, its alt text and a
        caption (title, subtitle and source as text), then the data as a table."""
        encoded = base64.b64encode(self.png()).decode("ascii")
        return Markup(
            '<figure class="chart" id="chart-{key}">\n'
            '<img src="data:image/png;base64,{png}" alt="{alt}">\n'
            '<figcaption><span class="chart-title">{title}</span> '
            '<span class="chart-subtitle">{subtitle}.</span> '
            '<span class="chart-source">{source}</span></figcaption>\n'
            "</figure>\n"
            '<div class="chart-data">\n{table}\n</div>'
        ).format(
            key=self.key,
            png=encoded,
            alt=self.alt,
            title=self.title,
            subtitle=self.subtitle,
            source=self.source,
            table=self.table(),
        )

    def __repr__(self) -> str:
        """The chart as plain text (the notebook's text/plain output): its kind and title,
        the same on every run (the dataclass's own repr names functions by address)."""
        return f"{self.kind}: {self.title}"

    def _repr_html_(self) -> str:
        return str(self.html())


def _tight_box(figure: Figure) -> Bbox:
    """The figure's tight box in inches with a 0.1 inch pad: what ``bbox_inches="tight"``
    finds, measured with the canvas's own renderer, so savefig draws the figure once (the
    "tight" option first lays the whole figure out in a draw of its own)."""
    canvas = figure.canvas
    assert isinstance(canvas, FigureCanvasAgg)
    box = figure.get_tightbbox(canvas.get_renderer())
    return box.padded(_PAD_INCHES)


def _hex(colour: Any) -> str:
    return str(to_hex(to_rgba(colour), keep_alpha=False)).upper()


def _visible(colour: Any) -> bool:
    return bool(to_rgba(colour)[3] > 0)


def _graphic_colours(figure: Figure) -> list[str]:
    """Every colour a bar, point or line of the plot is drawn in (not axes, ticks or text)."""
    colours: list[Any] = []
    for axes in figure.axes:
        for patch in axes.patches:
            colours += [patch.get_facecolor()]
            if patch.get_linewidth() > 0:
                colours += [patch.get_edgecolor()]
        for line in axes.lines:
            if line.get_linestyle() not in ("None", "", " ") and line.get_linewidth() > 0:
                colours.append(line.get_color())
            if line.get_marker() not in (None, "None", "", " "):
                colours += [line.get_markerfacecolor(), line.get_markeredgecolor()]
        for collection in axes.collections:
            colours += list(collection.get_facecolor()) + list(collection.get_edgecolor())
    return [_hex(c) for c in colours if _visible(c)]


def _texts(figure: Figure) -> list[Text]:
    return [
        text
        for text in figure.findobj(Text)
        if isinstance(text, Text) and text.get_visible() and text.get_text().strip()
    ]


def _labelled(anchor: float, low: float, high: float) -> bool:
    return low - 1e-9 <= anchor <= high + 1e-9


def _unlabelled_marks(figure: Figure) -> list[str]:
    """Bars and points with no value label of their own (a text on their row or column)."""
    missing = []
    for number, axes in enumerate(figure.axes):
        labels = [t for t in axes.texts if _VALUE_LABEL.search(t.get_text())]
        positions = [t.get_position() for t in labels]
        for container in axes.containers:
            if not isinstance(container, BarContainer):
                continue
            horizontal = container.orientation == "horizontal"
            for bar in container.patches:
                assert isinstance(bar, Rectangle)
                low, high = (
                    (bar.get_y(), bar.get_y() + bar.get_height())
                    if horizontal
                    else (bar.get_x(), bar.get_x() + bar.get_width())
                )
                if not any(_labelled(y if horizontal else x, low, high) for x, y in positions):
                    missing.append(f"axes {number}: a bar at {low:g}-{high:g} has no value label")
        for line in axes.lines:
            if line.get_marker() in (None, "None", "", " "):
                continue
            xs: Any = line.get_xdata()
            ys: Any = line.get_ydata()
            for x, y in zip(xs, ys, strict=True):
                if not any(
                    abs(float(y) - ty) < 0.45 or abs(float(x) - tx) < 0.45 for tx, ty in positions
                ):
                    missing.append(f"axes {number}: the point at ({x:g}, {y:g}) has no label")
    return missing


def contract_problems(chart: Chart) -> list[str]:
    """Every way the chart breaks the contract (decision D29); empty when it meets it."""
    problems = []
    figure = chart.figure
    background = _hex(figure.get_facecolor())
    for colour in sorted(set(_graphic_colours(figure))):
        if not palette.in_palette(colour):
            problems.append(f"colour {colour} is not in the palette")
        elif palette.contrast_ratio(colour, background) < palette.MIN_GRAPHIC_CONTRAST:
            problems.append(f"colour {colour} has less than 3:1 contrast with the background")
    for text in _texts(figure):
        if palette.contrast_ratio(_hex(text.get_color()), background) < palette.MIN_TEXT_CONTRAST:
            problems.append(f"text {text.get_text()!r} has less than 4.5:1 contrast")
    problems += _unlabelled_marks(figure)
    if figure.legends or any(axes.get_legend() is not None for axes in figure.axes):
        problems.append("a legend carries meaning: label the bars or points directly")
    drawn = drawn_texts(figure)
    for name, words in (("title", chart.title), ("subtitle", chart.subtitle)):
        if not words.strip() or words not in drawn:
            problems.append(f"the {name} is not drawn on the figure")
    if not chart.source.startswith(SOURCE_PREFIX) or chart.source not in drawn:
        problems.append('no "Source:" line on the figure')
    form = ALT_FORM.match(chart.alt)
    if form is None or form["kind"] != chart.kind:
        problems.append(f'alt text is not "{chart.kind} of <data> showing <finding>"')
    for axes in figure.axes:
        for text in axes.texts:
            value = text.get_text().strip()
            if _VALUE_LABEL.search(value) and value not in chart.alt:
                problems.append(f"alt text does not state {value!r}")
    html = str(chart.html())
    if f'alt="{escape(chart.alt)}"' not in html:
        problems.append("the HTML image lacks the alt text")
    caption = escape(DATA_CAPTION_PREFIX + chart.caption)
    if f"<caption>{caption}</caption>" not in html or html.count("<tr>") < len(chart.data) + 1:
        problems.append("the HTML lacks the data table")
    if (
        escape(chart.title) not in html.split("<figcaption>")[-1]
        or escape(chart.source) not in html
    ):
        problems.append("the HTML caption lacks the title or source")
    return problems


# --- drawing: the frame every chart shares ---------------------------------------------

TITLE_SIZE, SUBTITLE_SIZE, SOURCE_SIZE = 11.5, 9.5, 8.0
_LINE_SPACING = 1.3
_BOTTOM_INCHES, _MARGIN_INCHES = 0.62, 0.1
STYLE: dict[Any, Any] = {
    # Officer-typed names are drawn as typed: "$" is not maths (png() makes sure of it).
    "text.parse_math": False,
    "font.size": 9.5,
    "text.color": palette.TEXT,
    "axes.labelcolor": palette.TEXT,
    "axes.edgecolor": palette.TEXT,
    "xtick.color": palette.TEXT,
    "ytick.color": palette.TEXT,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.facecolor": palette.BACKGROUND,
    "axes.facecolor": palette.BACKGROUND,
}


def wrap(text: str, width_inches: float, size: float) -> str:
    """Text broken into lines that fit the width at this font size (DejaVu Sans averages
    a little under 0.6 em a character)."""
    return textwrap.fill(text, max(20, int(width_inches * 72 / (size * 0.6))))


def drawn_texts(figure: Figure) -> list[str]:
    """The figure's own texts (title, subtitle, source) with their line breaks undone."""
    return [" ".join(t.get_text().split("\n")) for t in figure.texts]


def frame(figure: Figure, title: str, subtitle: str, source: str) -> None:
    """Draw the title, subtitle and source on the figure (wrapped to its width) and fit the
    axes between them, leaving room on the left for the longest category label."""
    width, height = figure.get_size_inches()
    usable = width - 2 * _MARGIN_INCHES
    title_text = wrap(title, usable, TITLE_SIZE)
    subtitle_text = wrap(subtitle, usable, SUBTITLE_SIZE)
    title_inches = (title_text.count("\n") + 1) * TITLE_SIZE * _LINE_SPACING / 72
    subtitle_inches = (subtitle_text.count("\n") + 1) * SUBTITLE_SIZE * _LINE_SPACING / 72
    top_inches = 0.08 + title_inches + 0.04 + subtitle_inches + 0.2
    figure.set_size_inches(width, height + top_inches - 0.72)  # the axes keep their height
    height = height + top_inches - 0.72
    figure.subplots_adjust(
        left=0.05, right=0.95, top=1 - top_inches / height, bottom=_BOTTOM_INCHES / height
    )
    canvas = figure.canvas
    assert isinstance(canvas, FigureCanvasAgg)
    renderer = canvas.get_renderer()
    spill = 0.0
    for axes in figure.axes:
        box = axes.get_tightbbox(renderer)
        if box is not None:
            spill = max(spill, axes.get_position().x0 * width * figure.dpi - box.x0)
    left = min(0.6, (spill / figure.dpi + _MARGIN_INCHES) / width)
    figure.subplots_adjust(left=left)
    x = _MARGIN_INCHES / width
    figure.text(
        x,
        1 - 0.08 / height,
        title_text,
        fontsize=TITLE_SIZE,
        fontweight="bold",
        va="top",
        ha="left",
        linespacing=_LINE_SPACING,
    )
    figure.text(
        x,
        1 - (0.12 + title_inches) / height,
        subtitle_text,
        fontsize=SUBTITLE_SIZE,
        va="top",
        ha="left",
        linespacing=_LINE_SPACING,
    )
    figure.text(x, 0.06 / height, source, fontsize=SOURCE_SIZE, va="bottom", ha="left")


def new_figure(width: float, height: float) -> Figure:
    """A figure outside pyplot (nothing to close, nothing kept between charts)."""
    figure = Figure(figsize=(width, height), dpi=DPI, facecolor=palette.BACKGROUND)
    FigureCanvasAgg(figure)
    return figure
