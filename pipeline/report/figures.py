"""Annual report charts, each a ``charts.Chart`` that meets the chart contract (D29).

Each chart draws numbers from metrics.py (the same the tables show), computes the finding
its title states from them, and takes every word (titles, subtitles, axis labels, alt text,
the data table's headers) from pipeline/templates/report/figures.txt.j2. Colours come from
the Analysis Function palette (pipeline/palette.py); every bar and point carries its value
as a label, and the alt text states every value. ``CHARTS`` lists every chart the report
draws, so that the contract test covers a new chart once it is added there.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import matplotlib.pyplot as plt  # noqa: I001  (only for rc_context; figures stay outside pyplot)
import pandas as pd

from pipeline.palette import PALETTE
from pipeline.protocol import Protocol
from pipeline.report import charts, formats, metrics
from pipeline.report.charts import Chart, frame, new_figure
from pipeline.report.render import macros
from pipeline.report.sections import ActionLabels, ReportData
from pipeline.toolkit import Toolkit
from pipeline.toolkit.model import domain_range

BAR = PALETTE[0]  # one series, one colour: dark blue
LINE = PALETTE[4]  # reference lines: dark grey
# Stacked segments in the palette's order: adjacent colours differ by at least 3:1.
SEGMENTS = {"cash": PALETTE[0], "in_kind": PALETTE[1], "officer_time": PALETTE[2]}
UNLISTED_ACTION_COLOUR = PALETTE[4]  # an action toolkit.yaml does not list (an old evaluation)
# How each band's starting line is drawn, by what the band means (not colour alone).
_BAND_LINE = {"concern": "-.", "borderline": "--", "strength": ":"}


def _wording() -> Any:
    return macros("figures.txt.j2")


def _source(data: ReportData) -> str:
    return str(_wording().source(data.council_name, data.year, data.dq_summary["valid"]))


def _leaders(values: Sequence[str], amounts: Sequence[float]) -> list[str]:
    """The values with the largest amount (more than one on a tie), in their order."""
    top = max(amounts, default=0)
    return [v for v, a in zip(values, amounts, strict=True) if a == top and top > 0]


def _finish(figure: Any, report: ReportData, **chart: Any) -> Chart:
    source = _source(report)
    frame(figure, chart["title"], chart["subtitle"], source)
    return Chart(figure=figure, source=source, **chart)


def recommended_actions(data: ReportData) -> Chart:
    """Vertical bars: partnerships per recommended action, in the toolkit's order and colours."""
    words, kit = _wording(), data.toolkit
    counts = metrics.action_counts(data.evaluation, kit)
    labels = ActionLabels.of(kit)
    names = counts["action"].tolist()
    values = counts["partnerships"].tolist()
    shown = [labels[a] for a in names]
    colours = [kit.actions[a].colour if a in kit.actions else UNLISTED_ACTION_COLOUR for a in names]
    finding = str(words.actions_finding(_leaders(shown, values), max(values), sum(values)))
    with plt.rc_context(charts.STYLE):
        figure = new_figure(6.5, 3.0)
        axes = figure.add_subplot()
        axes.bar(shown, values, color=colours)
        for x, v in enumerate(values):
            axes.text(x, v, f"{v}", ha="center", va="bottom")
        axes.set_ylabel(words.actions["y"])
        axes.margins(y=0.15)
    table = pd.DataFrame({words.actions["action"]: shown, words.actions["y"]: values})
    return _finish(
        figure,
        data,
        key="recommended-actions",
        kind="Bar chart",
        alt=str(words.actions_alt(metrics.records(counts), labels, finding)),
        title=finding,
        subtitle=str(words.actions_subtitle(data.year)),
        data=table,
        caption=words.actions["caption"],
    )


def partnerships_by_type(data: ReportData) -> Chart:
    """Horizontal bars: partnerships by type, in the question's option order."""
    words = _wording()
    counts = metrics.counts_by(
        data.evaluation["partnership_type"], data.protocol.by_key("partnership_type").options
    )
    labels = [formats.answer(v) for v in counts["value"]]
    values = counts["partnerships"].tolist()
    finding = str(words.by_type_finding(_leaders(labels, values), max(values), sum(values)))
    with plt.rc_context(charts.STYLE):
        figure = new_figure(7.5, 3.6)
        axes = figure.add_subplot()
        axes.barh(labels[::-1], values[::-1], color=BAR)
        for y, v in enumerate(values[::-1]):
            axes.text(v, y, f" {v}", va="center")
        axes.set_xlabel(words.by_type["x"])
        axes.margins(x=0.08)
    table = pd.DataFrame({words.by_type["type"]: labels, words.by_type["x"]: values})
    return _finish(
        figure,
        data,
        key="partnerships-by-type",
        kind="Bar chart",
        alt=str(words.by_type_alt(metrics.records(counts), finding)),
        title=finding,
        subtitle=str(words.by_type_subtitle(data.year)),
        data=table,
        caption=words.by_type["caption"],
    )


def cost_by_directorate(data: ReportData) -> Chart:
    """Stacked horizontal bars: cash, in-kind and officer time by lead directorate, each
    bar labelled with its full cost and the segments named on the costliest bar."""
    words = _wording()
    table = metrics.money_by(
        data.evaluation, "directorate", data.protocol.by_key("directorate").options
    )
    labels = [formats.answer(v) for v in table["value"]]
    totals = table["full_cost"].tolist()
    leaders = _leaders(labels, totals)
    finding = str(words.cost_finding(leaders, max(totals, default=0), sum(totals)))
    parts = words.cost_by_directorate
    with plt.rc_context(charts.STYLE):
        figure = new_figure(7.5, 3.9)
        axes = figure.add_subplot()
        left = [0.0] * len(table)
        starts: dict[str, list[float]] = {}
        for part, colour in SEGMENTS.items():
            widths = (table[part] / 1000).tolist()
            axes.barh(labels, widths, left=left, color=colour, edgecolor=PALETTE[4], linewidth=0)
            starts[part] = left
            left = [a + b for a, b in zip(left, widths, strict=True)]
        axes.invert_yaxis()
        for y, total in enumerate(totals):
            axes.text(total / 1000, y, f" {formats.money(total)}", va="center")
        axes.set_xlabel(parts["x"])
        axes.xaxis.set_major_formatter("{x:,.0f}")
        axes.margins(x=0.2)
        if leaders:
            # The segments named above the costliest bar, where each is wide enough.
            row = labels.index(leaders[0])
            widest = max(left)
            for part in SEGMENTS:
                width = float(table[part].iloc[row]) / 1000
                if widest and width / widest >= 0.14:
                    axes.text(
                        starts[part][row] + width / 2,
                        row - 0.45,
                        parts[part],
                        ha="center",
                        va="bottom",
                        fontsize=8.5,
                    )
    shown = pd.DataFrame(
        {
            parts["directorate"]: labels,
            parts["cash"]: table["cash"],
            parts["in_kind"]: table["in_kind"],
            parts["officer_time"]: table["officer_time"],
            parts["full_cost"]: table["full_cost"],
        }
    )
    money_columns = [(h, h, "money") for h in list(shown.columns)[1:]]
    return _finish(
        figure,
        data,
        key="cost-by-directorate",
        kind="Stacked bar chart",
        alt=str(words.cost_by_directorate_alt(metrics.records(table), finding)),
        title=finding,
        subtitle=str(words.cost_subtitle(data.year)),
        data=shown,
        caption=parts["caption"],
        columns=[(parts["directorate"], parts["directorate"]), *money_columns],
    )


def _band_lines(axes: Any, kit: Toolkit, rows: int) -> None:
    """A labelled line where each domain band above the lowest starts (style by meaning),
    the labels above the top row on two staggered levels so that neighbours never overlap."""
    words = _wording()
    for number, band in enumerate(kit.instrument.domain_bands[1:]):
        label = str(words.band_line(band))
        axes.axvline(
            band.start, color=LINE, linestyle=_BAND_LINE[band.means], linewidth=1, label=label
        )
        level = rows - 0.45 + 0.55 * (number % 2)
        axes.text(band.start, level, f" {label}", ha="left", va="bottom", fontsize=8)
    axes.set_ylim(-0.6, rows + (0.65 if len(kit.instrument.domain_bands) > 2 else 0.1))


def principle_chart(evaluation: pd.DataFrame, kit: Toolkit, protocol: Protocol) -> Any:
    """Horizontal bars: each principle's mean score on the instrument's reachable range
    (the scale's ends, times the statements per principle when they are summed), with a
    labelled line where each domain band above the lowest starts. The figure without its
    title and source (principle_scores adds them)."""
    words = _wording()
    summary = metrics.principle_summary(evaluation, kit)
    low, high = domain_range(kit.instrument, protocol)
    labels = summary["principle"].tolist()[::-1]
    means = [math.nan if formats.is_missing(m) else float(m) for m in summary["mean"]][::-1]
    with plt.rc_context(charts.STYLE):
        figure = new_figure(7.5, 3.9)
        axes = figure.add_subplot()
        axes.barh([charts.wrap(label, 2.6, 9.5) for label in labels], means, color=BAR)
        for y, v in enumerate(means):
            if math.isnan(v):
                axes.text(low, y, f" {words.no_score}", va="center")
            else:
                axes.text(v, y, f" {formats.score(v)}", va="center")
        _band_lines(axes, kit, len(labels))
        axes.set_xlim(low, high)
        axes.set_xlabel(words.principles_x(low, high, kit.instrument.statements))
    return figure


def principle_scores(data: ReportData) -> Chart:
    """The principle chart, with alt text stating every mean and band line."""
    words, kit = _wording(), data.toolkit
    summary = metrics.principle_summary(data.evaluation, kit)
    low, high = domain_range(kit.instrument, data.protocol)
    scored = summary.dropna(subset=["mean"]).sort_values("mean", kind="stable")
    finding = str(words.principles_finding(metrics.records(scored)))
    table = pd.DataFrame(
        {
            words.principles["principle"]: summary["principle"],
            words.principles["mean"]: summary["mean"],
        }
    )
    return _finish(
        principle_chart(data.evaluation, kit, data.protocol),
        data,
        key="principle-scores",
        kind="Bar chart",
        alt=str(
            words.principles_alt(
                metrics.records(summary), kit.instrument.domain_bands, low, high, finding
            )
        ),
        title=finding,
        subtitle=str(words.principles_subtitle(data.year)),
        data=table,
        caption=words.principles["caption"],
        columns=[
            (words.principles["principle"], words.principles["principle"]),
            (
                words.principles["mean"],
                words.principles["mean"],
                _or(words.no_score, formats.score),
            ),
        ],
    )


def _principle_rows(row: pd.Series, kit: Toolkit, protocol: Protocol) -> list[dict[str, Any]]:
    """One partnership's principles: code, name, score, officers' spread and its ends (the
    lowest and highest officer's mean) in score units (times the statements when they
    are summed), and band label."""
    summed = kit.instrument.statements == "sum"
    rows = []
    for code, name in kit.principles.items():
        score: Any = row.get(f"{code}_score")
        spread: Any = row.get(f"{code}_officer_spread")
        lowest: Any = row.get(f"{code}_officer_low")
        highest: Any = row.get(f"{code}_officer_high")
        factor = len(protocol.principles[code]) if summed else 1
        rows.append(
            {
                "principle": f"{code} {name}",
                "name": name,
                "score": None if formats.is_missing(score) else float(score),
                "spread": None if formats.is_missing(spread) else float(spread) * factor,
                "lowest": None if formats.is_missing(lowest) else float(lowest) * factor,
                "highest": None if formats.is_missing(highest) else float(highest) * factor,
                "band": formats.text(row.get(f"{code}_band")),
            }
        )
    return rows


def partnership_principles(data: ReportData, partnership_id: str) -> Chart:
    """A dot chart of one partnership's score on each principle, with a line from its
    lowest to its highest officer's mean (the spread between officers) and the lines where
    the bands start. A principle with too few answers is labelled so, never drawn as 0."""
    words, kit = _wording(), data.toolkit
    found = data.evaluation[data.evaluation["partnership_id"] == partnership_id]
    if found.empty:
        raise KeyError(f"no partnership {partnership_id} in the evaluation")
    row = found.iloc[0]
    name = formats.text(row["name"])
    rows = _principle_rows(row, kit, data.protocol)
    low, high = domain_range(kit.instrument, data.protocol)
    scored = sorted((r for r in rows if r["score"] is not None), key=lambda r: r["score"])
    finding = str(words.profile_finding(scored))
    with plt.rc_context(charts.STYLE):
        figure = new_figure(6.5, 3.6 + 0.4 * max(0, len(rows) - 6))
        axes = figure.add_subplot()
        ys = list(range(len(rows)))[::-1]
        for y, principle in zip(ys, rows, strict=True):
            score, spread = principle["score"], principle["spread"]
            if score is None:
                axes.text(low, y, f" {words.no_score}", va="center", fontsize=8.5)
                continue
            lowest, highest = principle["lowest"], principle["highest"]
            if spread and lowest is not None and highest is not None:
                axes.hlines(y, lowest, highest, color=BAR, linewidth=1.6)
            axes.plot([score], [y], marker="o", markersize=6, color=BAR, linestyle="None")
            axes.text(score, y + 0.14, formats.score(score), ha="center", va="bottom", fontsize=8)
        _band_lines(axes, kit, len(rows))
        axes.set_yticks(ys, [charts.wrap(r["principle"], 2.1, 8.5) for r in rows], fontsize=8.5)
        axes.set_xlim(low, high + (high - low) * 0.08)
        axes.set_xlabel(
            words.principles_x(low, high, kit.instrument.statements).replace(
                "Mean score across partnerships", "Score"
            )
        )
    headers = words.profile
    table = pd.DataFrame(
        {
            headers["principle"]: [r["principle"] for r in rows],
            headers["score"]: [r["score"] for r in rows],
            headers["spread"]: [r["spread"] for r in rows],
            headers["band"]: [r["band"] for r in rows],
        }
    )
    return _finish(
        figure,
        data,
        key=f"principles-{partnership_id.lower()}",
        kind="Dot chart",
        alt=str(words.profile_alt(name, rows, kit.instrument.domain_bands, low, high, finding)),
        title=finding,
        subtitle=str(words.profile_subtitle(name, data.year)),
        data=table,
        caption=str(words.profile_caption(name)),
        columns=[
            (headers["principle"], headers["principle"]),
            (headers["score"], headers["score"], _or(words.no_score, formats.score)),
            (headers["spread"], headers["spread"], _or(headers["no_spread"], formats.score)),
            (headers["band"], headers["band"]),
        ],
    )


def _history_rows(data: ReportData, partnership_id: str) -> list[dict[str, Any]]:
    """The partnership's years (oldest first), each with its full cost and overall score."""
    found = metrics.years_of(data.years(), partnership_id)
    if found.empty:
        raise KeyError(f"no partnership {partnership_id} in the history")
    return [
        {
            "year": int(row["year"]),
            "cost": None if formats.is_missing(row["full_cost"]) else float(row["full_cost"]),
            "score": (
                None if formats.is_missing(row["overall_score"]) else float(row["overall_score"])
            ),
        }
        for _, row in found.iterrows()
    ]


def partnership_history(data: ReportData, partnership_id: str) -> Chart:
    """Two small panels of one partnership over every survey year up to the report's: its
    full cost as bars (left) and its overall score as points joined by a line (right), each
    labelled with its value. A year with no cost or score is labelled so, never drawn as 0."""
    words, kit = _wording(), data.toolkit
    rows = _history_rows(data, partnership_id)
    name = formats.text(metrics.years_of(data.years(), partnership_id).iloc[-1]["name"])
    low, high = domain_range(kit.instrument, data.protocol)
    finding = str(words.history_finding(rows))
    years = [str(r["year"]) for r in rows]
    xs = list(range(len(rows)))
    with plt.rc_context(charts.STYLE):
        figure = new_figure(6.5, 2.6)
        cost_axes, score_axes = figure.subplots(1, 2, gridspec_kw={"wspace": 0.35})
        costs = [r["cost"] for r in rows]
        top = max((c for c in costs if c is not None), default=0) or 1
        for x, cost in zip(xs, costs, strict=True):
            if cost is None:
                cost_axes.text(x, 0, words.history["no_cost"], ha="center", va="bottom", fontsize=8)
                continue
            cost_axes.bar([x], [cost], color=BAR, width=0.6)
            cost_axes.text(x, cost, formats.money(cost), ha="center", va="bottom", fontsize=8)
        cost_axes.set_xticks(xs, years)
        cost_axes.set_ylim(0, top * 1.25)
        cost_axes.set_yticks([])
        cost_axes.spines["left"].set_visible(False)
        cost_axes.set_xlabel(words.history["cost"])
        scored = [(x, r["score"]) for x, r in zip(xs, rows, strict=True) if r["score"] is not None]
        if len(scored) > 1:
            score_axes.plot(*zip(*scored, strict=True), color=BAR, linewidth=1.4)
        for x, r in zip(xs, rows, strict=True):
            if r["score"] is None:
                score_axes.text(x, low, words.no_score, ha="center", va="bottom", fontsize=8)
                continue
            score_axes.plot(
                [x], [r["score"]], marker="o", markersize=6, color=BAR, linestyle="None"
            )
            score_axes.text(
                x,
                r["score"] + (high - low) * 0.05,
                formats.score(r["score"]),
                ha="center",
                va="bottom",
                fontsize=8,
            )
        score_axes.set_xticks(xs, years)
        score_axes.set_ylim(low, high + (high - low) * 0.12)
        score_axes.set_xlabel(words.history_score_axis(low, high))
        for axes in (cost_axes, score_axes):
            axes.set_xlim(-0.6, len(rows) - 0.4)
    table = pd.DataFrame(
        {
            words.history["year"]: years,
            words.history["cost"]: [r["cost"] for r in rows],
            words.history["score"]: [r["score"] for r in rows],
        }
    )
    source = str(words.history_source(data.council_name, years[0], years[-1]))
    frame(figure, finding, str(words.history_subtitle(name, years[0], years[-1])), source)
    return Chart(
        figure=figure,
        source=source,
        key=f"history-{partnership_id.lower()}",
        kind="Bar and dot chart",
        alt=str(words.history_alt(name, rows, low, high, finding)),
        title=finding,
        subtitle=str(words.history_subtitle(name, years[0], years[-1])),
        data=table,
        caption=str(words.history_caption(name)),
        columns=[
            (words.history["year"], words.history["year"], "text"),
            (
                words.history["cost"],
                words.history["cost"],
                _or(words.history["no_cost"], formats.money),
            ),
            (words.history["score"], words.history["score"], _or(words.no_score, formats.score)),
        ],
    )


def _or(missing: str, shown: Callable[[Any], str]) -> Callable[[Any], str]:
    """A cell format that says ``missing`` instead of leaving a blank cell."""
    return lambda value: missing if formats.is_missing(value) else shown(value)


# Every chart the report draws, each from the report's data alone: the contract test
# runs them all. A chart of one partnership is listed with how it is called.
CHARTS: dict[str, Callable[[ReportData], Chart]] = {
    "recommended_actions": recommended_actions,
    "partnerships_by_type": partnerships_by_type,
    "cost_by_directorate": cost_by_directorate,
    "principle_scores": principle_scores,
}
PARTNERSHIP_CHARTS: dict[str, Callable[[ReportData, str], Chart]] = {
    "partnership_principles": partnership_principles,
    "partnership_history": partnership_history,
}
