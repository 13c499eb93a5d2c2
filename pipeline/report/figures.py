"""Annual report charts: matplotlib figures as embedded PNGs with real text alternatives.

Each chart is returned as an IPython Image whose alt text states the numbers it shows, so
that a screen-reader user (and the PDF's figure tag) gets the same information.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import pandas as pd  # noqa: E402
from IPython.display import Image  # noqa: E402

from pipeline.report.sections import ReportData, money, money_by  # noqa: E402

# High-contrast colours that stay distinct in greyscale and for colour-blind readers.
PALETTE = ["#1b4f72", "#d35400", "#7d8c8d", "#117a65", "#6c3483"]
_STYLE = {"font.size": 10, "axes.spines.top": False, "axes.spines.right": False}


def _png(figure: plt.Figure, alt: str) -> Image:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    plt.close(figure)
    return Image(data=buffer.getvalue(), format="png", metadata={"alt": alt})


def partnerships_by_type(data: ReportData) -> Image:
    counts = data.evaluation["partnership_type"].fillna("Not answered").value_counts()
    order = [o for o in data.protocol.by_key("partnership_type").options if o in counts.index]
    values = [int(counts[o]) for o in order]
    with plt.rc_context(_STYLE):
        figure, axes = plt.subplots(figsize=(7.5, 3.6))
        axes.barh(order[::-1], values[::-1], color=PALETTE[0])
        for y, v in enumerate(values[::-1]):
            axes.text(v + 0.3, y, str(v), va="center")
        axes.set_xlabel("Partnerships")
        axes.set_title("Partnerships by type")
    alt = (
        "Bar chart of partnerships by type: "
        + "; ".join(f"{o} {v}" for o, v in zip(order, values, strict=True))
        + "."
    )
    return _png(figure, alt)


def cost_by_directorate(data: ReportData) -> Image:
    table = money_by(data, "directorate", "Directorate").sort_values("Directorate")
    parts = [("cash", "Cash"), ("in_kind", "In kind"), ("officer_time", "Officer time")]
    with plt.rc_context(_STYLE):
        figure, axes = plt.subplots(figsize=(7.5, 3.6))
        left = pd.Series(0.0, index=table.index)
        for colour, (column, label) in zip(PALETTE, parts, strict=False):
            axes.barh(
                table["Directorate"],
                table[column] / 1000,
                left=left / 1000,
                color=colour,
                label=label,
            )
            left = left + table[column]
        axes.invert_yaxis()
        axes.set_xlabel("£ thousand a year")
        axes.set_title("Full annual cost to the council by lead directorate")
        axes.legend(frameon=False, loc="lower right")
    alt = (
        "Stacked bar chart of full annual cost by lead directorate: "
        + "; ".join(
            f"{row.Directorate} {money(row.full_cost)} (cash {money(row.cash)}, in kind "
            f"{money(row.in_kind)}, officer time {money(row.officer_time)})"
            for row in table.itertuples()
        )
        + "."
    )
    return _png(figure, alt)


def principle_scores(data: ReportData) -> Image:
    codes = list(data.toolkit.principles)
    means = [
        float(pd.to_numeric(data.evaluation[f"{c}_score"], errors="coerce").mean()) for c in codes
    ]
    labels = [f"{c} {data.toolkit.principles[c]}" for c in codes]
    with plt.rc_context(_STYLE):
        figure, axes = plt.subplots(figsize=(7.5, 3.6))
        axes.barh(labels[::-1], means[::-1], color=PALETTE[3])
        axes.axvline(data.toolkit.borderline_from, color="#444444", linestyle="--", linewidth=1)
        axes.axvline(data.toolkit.strength_from, color="#444444", linestyle=":", linewidth=1)
        for y, v in enumerate(means[::-1]):
            axes.text(v + 0.03, y, f"{v:.2f}", va="center")
        axes.set_xlim(1, 5)
        axes.set_xlabel(
            "Mean score across partnerships (1 = strongly disagree, 5 = strongly agree)"
        )
        axes.set_title("Principles of partnership working")
    alt = (
        "Bar chart of the mean principle score across partnerships, on a scale of 1 to 5, "
        f"with lines at the borderline ({data.toolkit.borderline_from:g}) and strength "
        f"({data.toolkit.strength_from:g}) thresholds: "
        + "; ".join(f"{lab} {v:.2f}" for lab, v in zip(labels, means, strict=True))
        + "."
    )
    return _png(figure, alt)


def recommended_actions(data: ReportData) -> Image:
    counts = data.evaluation["action"].value_counts()
    actions = data.toolkit.actions
    order = list(actions)
    values = [int(counts.get(a, 0)) for a in order]
    with plt.rc_context(_STYLE):
        figure, axes = plt.subplots(figsize=(5, 2.4))
        axes.bar(
            [actions[a].label for a in order], values, color=[actions[a].colour for a in order]
        )
        for x, v in enumerate(values):
            axes.text(x, v + 0.5, str(v), ha="center")
        axes.set_ylabel("Partnerships")
        axes.set_title("Recommended action")
    alt = (
        "Bar chart of recommended actions: "
        + "; ".join(f"{a} {v}" for a, v in zip(order, values, strict=True))
        + "."
    )
    return _png(figure, alt)
