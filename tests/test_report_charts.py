"""The chart contract (decision D29), checked on every chart the report draws.

Each chart in figures.CHARTS (and each partnership chart in figures.PARTNERSHIP_CHARTS) is
drawn from the real sample (the ``sample_stages`` session fixture: no pipeline run of its
own) and from a small hand-made evaluation, and must meet ``charts.contract_problems``.
A planted bad chart shows the check can fail.
"""

from __future__ import annotations

import dataclasses
import html
import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import SAMPLE_YEAR
from markupsafe import escape
from test_report_sections import FOUR, SCRIPT, evaluation, partnership, report_data

from pipeline import palette
from pipeline.report import charts, figures, sections


@pytest.fixture(scope="module")
def sample_report(sample_stages: Path) -> sections.ReportData:
    return sections.load(SAMPLE_YEAR, sample_stages)


def _sample_partnerships(data: sections.ReportData) -> list[str]:
    """Two key partnerships, one recommended for exit and, if the sample has one, one with
    a principle too few officers answered to score."""
    frame = data.evaluation
    scores = frame[[f"{code}_score" for code in data.toolkit.principles]]
    key = frame.loc[frame["key_partnership"].fillna(False).astype(bool), "partnership_id"]
    chosen = key.head(2).tolist()
    chosen += frame.loc[frame["action"] == "exit", "partnership_id"].head(1).tolist()
    chosen += frame.loc[scores.isna().any(axis=1), "partnership_id"].head(1).tolist()
    return chosen


@pytest.mark.parametrize("name", sorted(figures.CHARTS))
def test_every_report_chart_meets_the_contract_on_the_sample(sample_report, name):
    chart = figures.CHARTS[name](sample_report)

    assert charts.contract_problems(chart) == []


@pytest.mark.parametrize("name", sorted(figures.PARTNERSHIP_CHARTS))
def test_every_partnership_chart_meets_the_contract_on_the_sample(sample_report, name):
    chosen = _sample_partnerships(sample_report)
    assert len(chosen) >= 3

    for partnership_id in chosen:
        chart = figures.PARTNERSHIP_CHARTS[name](sample_report, partnership_id)
        assert charts.contract_problems(chart) == [], partnership_id


HAND_MADE = evaluation(
    *FOUR.to_dict(orient="records"),
    partnership(5, name=f"{SCRIPT} & Co", P2_score=None, P2_band="Not enough answers"),
)


@pytest.mark.parametrize("name", sorted(figures.CHARTS))
def test_every_report_chart_meets_the_contract_on_a_hand_made_evaluation(name):
    chart = figures.CHARTS[name](report_data(HAND_MADE))

    assert charts.contract_problems(chart) == []


@pytest.mark.parametrize("partnership_id", ["PSH-0001", "PSH-0005"])
def test_the_partnership_chart_meets_the_contract_on_a_hand_made_evaluation(partnership_id):
    chart = figures.partnership_principles(report_data(HAND_MADE), partnership_id)

    assert charts.contract_problems(chart) == []


def _planted_bad(chart: charts.Chart) -> charts.Chart:
    """The chart with a bar in a colour off the palette and no label, and no source."""
    axes = chart.figure.axes[0]
    axes.barh([-3], [1.0], color="#00FF00")
    for text in chart.figure.texts:
        if text.get_text().startswith("Source:"):
            text.set_text("")
    return dataclasses.replace(chart, _png=[])


def test_the_contract_check_fails_a_planted_bad_chart():
    chart = _planted_bad(figures.partnerships_by_type(report_data()))

    problems = charts.contract_problems(chart)

    assert "colour #00FF00 is not in the palette" in problems
    assert any("a bar at" in p and "has no value label" in p for p in problems)
    assert 'no "Source:" line on the figure' in problems


def test_the_contract_check_fails_a_legend_bad_alt_text_and_a_missing_value():
    chart = figures.recommended_actions(report_data())
    chart.figure.axes[0].legend(["Partnerships"])
    chart = dataclasses.replace(chart, alt="A chart of actions.", _png=[])

    problems = charts.contract_problems(chart)

    assert "a legend carries meaning: label the bars or points directly" in problems
    assert 'alt text is not "Bar chart of <data> showing <finding>"' in problems
    assert any(p.startswith("alt text does not state") for p in problems)


def test_the_palette_meets_wcag_contrast_against_white():
    ratios = [palette.contrast_ratio(c, palette.BACKGROUND) for c in palette.PALETTE]

    assert all(r >= palette.MIN_GRAPHIC_CONTRAST for r in ratios)
    assert palette.contrast_ratio("#FFFFFF", "#000000") == pytest.approx(21.0)
    assert palette.contrast_ratio("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)
    assert palette.contrast_ratio("#F46A25", "#FFFFFF") < palette.MIN_TEXT_CONTRAST


def test_chart_titles_state_the_finding_computed_from_the_data():
    most_continue = figures.recommended_actions(report_data()).title
    mostly_exit = figures.recommended_actions(
        report_data(evaluation(*(partnership(n, action="exit") for n in range(1, 4))))
    ).title

    assert most_continue == "Continue is the most common recommendation: 2 of 4 partnerships"
    assert mostly_exit == "Most partnerships are recommended to exit: 3 of 3"


def test_the_source_line_names_the_council_year_and_accepted_returns():
    chart = figures.cost_by_directorate(report_data())

    assert chart.source == (
        "Source: Testshire County Council survey of senior officers, 2025; 10 accepted returns"
    )


def test_chart_html_is_a_figure_with_escaped_alt_caption_and_data_table():
    chart = figures.partnership_principles(report_data(HAND_MADE), "PSH-0005")

    markup = str(chart.html())

    assert markup == chart._repr_html_()
    assert markup.startswith('<figure class="chart" id="chart-principles-psh-0005">')
    assert SCRIPT not in markup
    assert f'alt="{escape(chart.alt)}"' in markup
    caption = re.search(r"<figcaption>(.*?)</figcaption>", markup, re.DOTALL).group(1)
    assert chart.title in html.unescape(caption) and chart.source in html.unescape(caption)
    assert markup.index("</figure>") < markup.index("<table")
    assert 'id="T_chart-principles-psh-0005"' in markup
    assert "Data for the chart: " in markup


def test_the_same_inputs_give_the_same_png_bytes():
    first = figures.principle_scores(report_data()).png()
    second = figures.principle_scores(report_data()).png()

    assert first.startswith(b"\x89PNG") and first == second
    assert b"Software" not in first


def test_a_principle_without_a_score_is_labelled_never_drawn_as_zero():
    chart = figures.partnership_principles(report_data(HAND_MADE), "PSH-0005")
    axes = chart.figure.axes[0]

    points = [
        (line.get_xdata()[0], line.get_ydata()[0])
        for line in axes.lines
        if line.get_marker() == "o"
    ]
    labels = [t.get_text().strip() for t in axes.texts]

    assert len(points) == len(report_data().toolkit.principles) - 1
    assert "not enough answers" in labels
    assert "P2 Trust not enough answers" in chart.alt
    assert chart.data.iloc[1, 0] == "P2 Trust" and pd.isna(chart.data.iloc[1, 1])
    assert re.search(r"<td[^>]*>P2 Trust</td>\s*<td[^>]*>not enough answers</td>", chart.table())


def test_the_partnership_chart_draws_the_officers_spread_and_states_it():
    frame = evaluation(
        partnership(
            1,
            P1_score=3.0,
            P1_officer_spread=1.5,
            P1_officer_low=2.5,
            P1_officer_high=4.0,
            P2_officer_spread=None,
            P2_officer_low=None,
            P2_officer_high=None,
        )
    )
    chart = figures.partnership_principles(report_data(frame), "PSH-0001")
    axes = chart.figure.axes[0]

    segments = [seg for c in axes.collections for seg in c.get_segments()]
    assert [(s[0][0], s[1][0]) for s in segments] == [(2.5, 4.0)]  # lowest to highest officer
    assert "P1 Purpose 3.00 (Borderline; spread between officers 1.50)" in chart.alt
    assert "P2 Trust 3.50 (Borderline; fewer than two officers answered)" in chart.alt
    assert chart.alt.startswith(
        "Dot chart of Partnership 1's scores on the two principles showing "
    )


def test_every_chart_the_report_notebook_draws_is_in_the_registry():
    notebook = Path(__file__).parents[1] / "notebooks" / "04_annual_report.ipynb"
    called = set(re.findall(r"figures\.(\w+)\(data\)", notebook.read_text(encoding="utf-8")))

    assert called and called <= set(figures.CHARTS)


def test_action_colours_are_all_one_neutral_palette_colour():
    kit = report_data().toolkit
    colours = {action.colour for action in kit.actions.values()}

    assert colours == {palette.PALETTE[0]}


def test_a_charts_plain_text_is_its_kind_and_title_the_same_on_every_run():
    frame = evaluation(partnership(1), partnership(2, action="review"))
    first = figures.recommended_actions(report_data(frame))
    second = figures.recommended_actions(report_data(frame))

    assert repr(first) == repr(second) == f"{first.kind}: {first.title}"
    assert " at 0x" not in repr(first)
