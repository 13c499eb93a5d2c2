"""Annual report charts: matplotlib figures as embedded PNGs with real text alternatives.

Each chart draws numbers from metrics.py (the same the tables show) and takes its title,
axis labels and alt text from pipeline/templates/report/figures.txt.j2. The alt text states
the numbers, so that a screen-reader user (and the PDF's figure tag) gets the same
information. It is returned as an IPython Image with the alt text in its metadata.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import pandas as pd  # noqa: E402
from IPython.display import Image  # noqa: E402
from markupsafe import Markup, escape  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from pipeline.protocol import Protocol  # noqa: E402
from pipeline.report import formats, metrics  # noqa: E402
from pipeline.report.render import macros  # noqa: E402
from pipeline.report.sections import ActionLabels, ReportData  # noqa: E402
from pipeline.toolkit import Toolkit  # noqa: E402
from pipeline.toolkit.model import domain_range  # noqa: E402

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

# High-contrast colours that stay distinct in greyscale and for colour-blind readers.
PALETTE = ["#1b4f72", "#d35400", "#7d8c8d", "#117a65", "#6c3483"]
UNLISTED_ACTION_COLOUR = "#7d8c8d"  # an action toolkit.yaml does not list (an old evaluation)
_STYLE: dict[RcKeyType, Any] = {
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def _wording() -> Any:
    return macros("figures.txt.j2")


def _png(figure: Figure, alt: Any) -> Image:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    plt.close(figure)
    return Image(data=buffer.getvalue(), format="png", metadata={"alt": str(alt).strip()})


def partnerships_by_type(data: ReportData) -> Image:
    """Horizontal bars: partnerships by type, in the question's option order."""
    words = _wording()
    counts = metrics.counts_by(
        data.evaluation["partnership_type"], data.protocol.by_key("partnership_type").options
    )
    labels = [formats.answer(v) for v in counts["value"]]
    values = counts["partnerships"].tolist()
    with plt.rc_context(_STYLE):
        figure, axes = plt.subplots(figsize=(7.5, 3.6))
        axes.barh(labels[::-1], values[::-1], color=PALETTE[0])
        for y, v in enumerate(values[::-1]):
            axes.text(v + 0.3, y, str(v), va="center")
        axes.set_xlabel(words.by_type["x"])
        axes.set_title(words.by_type["title"])
    return _png(figure, words.by_type_alt(metrics.records(counts)))


def cost_by_directorate(data: ReportData) -> Image:
    """Stacked horizontal bars: cash, in-kind and officer time by lead directorate."""
    words = _wording()
    table = metrics.money_by(
        data.evaluation, "directorate", data.protocol.by_key("directorate").options
    )
    labels = [formats.answer(v) for v in table["value"]]
    with plt.rc_context(_STYLE):
        figure, axes = plt.subplots(figsize=(7.5, 3.6))
        left = [0.0] * len(table)
        for colour, part in zip(PALETTE, ("cash", "in_kind", "officer_time"), strict=False):
            widths = (table[part] / 1000).tolist()
            axes.barh(
                labels, widths, left=left, color=colour, label=words.cost_by_directorate[part]
            )
            left = [a + b for a, b in zip(left, widths, strict=True)]
        axes.invert_yaxis()
        axes.set_xlabel(words.cost_by_directorate["x"])
        axes.set_title(words.cost_by_directorate["title"])
        axes.legend(frameon=False, loc="lower right")
    return _png(figure, words.cost_by_directorate_alt(metrics.records(table)))


# How each band's starting line is drawn, by what the band means (not colour alone).
_BAND_LINE = {"concern": "-.", "borderline": "--", "strength": ":"}


def principle_chart(evaluation: pd.DataFrame, kit: Toolkit, protocol: Protocol) -> Figure:
    """Horizontal bars: each principle's mean score on the instrument's reachable range
    (the scale's ends, times the statements per principle when they are summed), with a
    labelled line where each domain band above the lowest starts."""
    words = _wording()
    summary = metrics.principle_summary(evaluation, kit)
    low, high = domain_range(kit.instrument, protocol)
    labels = summary["principle"].tolist()
    means = [float("nan") if formats.is_missing(m) else float(m) for m in summary["mean"]]
    with plt.rc_context(_STYLE):
        figure, axes = plt.subplots(figsize=(7.5, 3.6))
        axes.barh(labels[::-1], means[::-1], color=PALETTE[3])
        for band in kit.instrument.domain_bands[1:]:
            axes.axvline(
                band.start,
                color="#444444",
                linestyle=_BAND_LINE[band.means],
                linewidth=1,
                label=words.band_line(band),
            )
        for y, v in enumerate(means[::-1]):
            axes.text(v + (high - low) / 130, y, formats.score(v), va="center")
        axes.set_xlim(low, high)
        axes.set_xlabel(words.principles_x(low, high, kit.instrument.statements))
        axes.set_title(words.principles["title"])
        axes.legend(frameon=False, loc="lower right", fontsize=8)
    return figure


def principle_scores(data: ReportData) -> Image:
    """The principle chart as a PNG, with alt text stating every mean and band line."""
    words, kit = _wording(), data.toolkit
    summary = metrics.principle_summary(data.evaluation, kit)
    low, high = domain_range(kit.instrument, data.protocol)
    alt = words.principles_alt(metrics.records(summary), kit.instrument.domain_bands, low, high)
    return _png(principle_chart(data.evaluation, kit, data.protocol), alt)


def recommended_actions(data: ReportData) -> Image:
    """Vertical bars: partnerships per recommended action, in the toolkit's order and colours."""
    words, kit = _wording(), data.toolkit
    counts = metrics.action_counts(data.evaluation, kit)
    labels = ActionLabels.of(kit)
    names = counts["action"].tolist()
    values = counts["partnerships"].tolist()
    colours = [kit.actions[a].colour if a in kit.actions else UNLISTED_ACTION_COLOUR for a in names]
    with plt.rc_context(_STYLE):
        figure, axes = plt.subplots(figsize=(5, 2.4))
        axes.bar([labels[a] for a in names], values, color=colours)
        for x, v in enumerate(values):
            axes.text(x, v + 0.5, str(v), ha="center")
        axes.set_ylabel(words.actions["y"])
        axes.set_title(words.actions["title"])
    return _png(figure, words.actions_alt(metrics.records(counts), labels))


# --- one partnership's principle scores (a profile's chart) ------------------------------
# A minimal version for the profiles (decision D32): h17-charts writes the one that passes
# the chart contract, with this name and signature.


@dataclass(frozen=True)
class PartnershipChart:
    """A profile's chart: the PNG, its alt text and the data behind it as a table."""

    png: bytes
    alt: str
    caption: str
    rows: tuple[tuple[str, str, str, str], ...]  # principle, score, spread, band (as text)

    def html(self) -> Markup:
        """A <figure> with the image and its alt text, then the data as a table."""
        source = "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")
        body = "".join(
            "<tr>"
            + f'<th scope="row">{escape(principle)}</th>'
            + "".join(f'<td class="number">{escape(cell)}</td>' for cell in (score, spread))
            + f"<td>{escape(band)}</td></tr>"
            for principle, score, spread, band in self.rows
        )
        return Markup(
            '<figure class="chart profile-chart">'
            f'<img src="{source}" alt="{escape(self.alt)}">'
            f"<figcaption>{escape(self.caption)}</figcaption></figure>"
            '<table class="profile-principles">'
            f"<caption>{escape(self.caption)}: the data</caption>"
            '<thead><tr><th scope="col">Principle</th><th scope="col" class="number">Score</th>'
            '<th scope="col" class="number">Spread between officers</th>'
            '<th scope="col">Band</th></tr></thead>'
            f"<tbody>{body}</tbody></table>"
        )


def partnership_principles(data: ReportData, partnership_id: str) -> PartnershipChart:
    """Horizontal bars: one partnership's mean score on each principle, on the
    instrument's reachable range, each bar labelled with its score and band."""
    kit = data.toolkit
    rows = data.evaluation[data.evaluation["partnership_id"].eq(partnership_id).to_numpy()]
    row = rows.iloc[0]
    low, high = domain_range(kit.instrument, data.protocol)
    codes = list(kit.principles)
    scores: list[Any] = [row.get(f"{code}_score") for code in codes]
    values = [float("nan") if formats.is_missing(s) else float(s) for s in scores]
    bands = [formats.answer(row.get(f"{code}_band")) for code in codes]
    spreads = [row.get(f"{code}_officer_spread") for code in codes]
    with plt.rc_context(_STYLE):
        figure, axes = plt.subplots(figsize=(4.2, 1.7))
        axes.barh(
            codes[::-1],
            [0 if v != v else v - low for v in values[::-1]],
            left=low,
            color=PALETTE[0],
        )
        for y, (value, band) in enumerate(zip(values[::-1], bands[::-1], strict=True)):
            label = band if value != value else f"{formats.score(value)} {band}"
            axes.text(
                (low if value != value else value) + (high - low) / 100,
                y,
                label,
                va="center",
                fontsize=8,
            )
        axes.set_xlim(low, high + (high - low) * 0.45)  # room for the last label
        axes.set_xticks(range(int(low), int(high) + 1))
        axes.set_xlabel(f"Mean score ({formats.number(low)} to {formats.number(high)})")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    plt.close(figure)
    described = "; ".join(
        f"{code} {band if value != value else formats.score(value) + ' ' + band}"
        for code, value, band in zip(codes, values, bands, strict=True)
    )
    name = row["name"]
    return PartnershipChart(
        png=buffer.getvalue(),
        alt=f"Bar chart of {name}'s mean score on each principle: {described}.",
        caption=f"{partnership_id}: principle scores",
        rows=tuple(
            (
                f"{code} {kit.principles[code]}",
                formats.score(value) or "not enough answers",
                formats.score(spread) or "one officer",
                band,
            )
            for code, value, spread, band in zip(codes, scores, spreads, bands, strict=True)
        ),
    )
