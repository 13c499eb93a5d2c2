"""History in the report (issue 19): each partnership's cost and overall score over the
survey years, its chart in the key partnership's profile, and the landscape year by year.

Small hand-made evaluations (test_report_sections.partnership) stand for the years; the
loader is also run on tables written under ``tmp_path`` through tables.write/read.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import SAMPLE_YEAR
from test_report_profiles import row
from test_report_sections import evaluation, partnership, report_data, text_of

from pipeline import tables
from pipeline.report import charts, figures, metrics, profiles, sections

# 2023: partnerships 1-3 (3 ends before 2025); no 2024 survey; 2025: 1 renamed, 2, 4 new.
EARLIER = evaluation(
    partnership(1, full_cost=4000.0, overall_score=3.0, key_partnership=True, returns=3),
    partnership(2, full_cost=1000.0, overall_score=None, returns=1),
    partnership(3, full_cost=500.0, overall_score=2.5, returns=2),
)
LATER = evaluation(
    partnership(1, name="Partnership One", full_cost=6000.0, overall_score=3.5, returns=4,
                key_partnership=True),
    partnership(2, full_cost=None, overall_score=3.25, key_partnership=True, returns=2),
    partnership(4, full_cost=2500.0, overall_score=4.0, returns=1),
)  # fmt: skip
HISTORY = metrics.partnership_history({2023: EARLIER, 2025: LATER})


def _later(**changes: object) -> sections.ReportData:
    return report_data(LATER, history=HISTORY, **changes)


def test_history_joins_years_by_partnership_id_and_skips_a_missing_year():
    history = HISTORY.set_index(["partnership_id", "year"])

    assert HISTORY.columns.tolist() == list(metrics.HISTORY_COLUMNS)
    assert sorted(HISTORY["year"].unique().tolist()) == [2023, 2025]
    # renamed in 2025, still one partnership: its ID carries the history
    assert history.loc[("PSH-0001", 2023), "full_cost"] == 4000.0
    assert history.loc[("PSH-0001", 2025), ["name", "full_cost", "overall_score"]].tolist() == [
        "Partnership One",
        6000.0,
        3.5,
    ]
    assert metrics.years_of(HISTORY, "PSH-0004")["year"].tolist() == [2025]  # new this year
    assert metrics.years_of(HISTORY, "PSH-0003")["year"].tolist() == [2023]  # ended
    assert pd.isna(history.loc[("PSH-0002", 2025), "full_cost"])  # a blank stays blank
    assert pd.isna(history.loc[("PSH-0002", 2023), "overall_score"])


def test_history_does_not_change_the_evaluations_it_is_given():
    before = EARLIER.copy()

    metrics.partnership_history({2023: EARLIER, 2025: LATER})

    pd.testing.assert_frame_equal(EARLIER, before)


def test_the_landscape_by_year_sums_each_years_evaluation():
    by_year = metrics.landscape_by_year(HISTORY).set_index("year")

    for year, frame in ((2023, EARLIER), (2025, LATER)):
        key = frame["key_partnership"].astype(bool)
        assert by_year.loc[year, "partnerships"] == len(frame)
        assert by_year.loc[year, "key_partnerships"] == key.sum()
        assert by_year.loc[year, "full_cost"] == frame["full_cost"].sum()
        assert by_year.loc[year, "key_cost"] == frame.loc[key, "full_cost"].sum()
        assert by_year.loc[year, "returns"] == frame["returns"].sum()


def test_read_history_reads_every_earlier_years_evaluation_under_the_root(
    sample_stages: Path, tmp_path: Path
):
    this_year = tables.read("evaluation", SAMPLE_YEAR, sample_stages, personal=False)
    two_back = this_year.head(5)  # an earlier year with fewer partnerships
    tables.write("evaluation", two_back, SAMPLE_YEAR - 2, tmp_path)
    (tmp_path / "data" / "processed" / str(SAMPLE_YEAR - 1)).mkdir(parents=True)  # no table

    history = sections.read_history(SAMPLE_YEAR, this_year, tmp_path)

    counts = history.groupby("year").size().to_dict()
    assert counts == {SAMPLE_YEAR - 2: 5, SAMPLE_YEAR: len(this_year)}
    earlier = history[history["year"] == SAMPLE_YEAR - 2].set_index("partnership_id")
    expected = two_back.set_index("partnership_id")
    assert earlier["full_cost"].tolist() == pd.to_numeric(expected["full_cost"]).tolist()


@pytest.mark.parametrize("partnership_id", ["PSH-0001", "PSH-0002", "PSH-0004"])
def test_the_history_chart_meets_the_contract(partnership_id):
    chart = figures.partnership_history(_later(), partnership_id)

    assert charts.contract_problems(chart) == []


def test_the_history_chart_states_each_year_and_the_change_in_its_title():
    chart = figures.partnership_history(_later(), "PSH-0001")

    assert chart.title == (
        "Full cost up from £4,000 to £6,000 between 2023 and 2025; "
        "overall score up from 3.00 to 3.50"
    )
    assert "2023 full cost £4,000, overall score 3.00; 2025 full cost £6,000" in chart.alt
    assert chart.source.endswith("2023 to 2025; each year's evaluation")
    assert chart.data.iloc[:, 0].tolist() == ["2023", "2025"]


def _three_years(costs: list[float], scores: list[float]) -> sections.ReportData:
    """One key partnership surveyed in 2023, 2024 and 2025 with these costs and scores."""
    years = {
        year: evaluation(partnership(1, full_cost=cost, overall_score=score, key_partnership=True))
        for year, cost, score in zip((2023, 2024, 2025), costs, scores, strict=True)
    }
    return report_data(years[2025], history=metrics.partnership_history(years))


@pytest.mark.parametrize(
    ("costs", "scores", "title"),
    [
        (  # back where it started: the middle year is not hidden
            [1_000_000.0, 2_000_000.0, 1_000_000.0],
            [3.0, 3.5, 3.0],
            "Full cost varied between £1,000,000 and £2,000,000 from 2023 to 2025; "
            "overall score varied between 3.00 and 3.50",
        ),
        (  # compared as shown: to the pound, scores to two places
            [1000.4, 999.6, 1000.2],
            [2.751, 2.7501, 2.749],
            "Full cost unchanged at £1,000 between 2023 and 2025; overall score unchanged at 2.75",
        ),
        (  # a year level with its neighbour still moves one way
            [1000.0, 3000.0, 3000.0],
            [3.5, 3.5, 3.0],
            "Full cost up from £1,000 to £3,000 between 2023 and 2025; "
            "overall score down from 3.50 to 3.00",
        ),
        (  # a middle year beyond both ends is no rise
            [1000.0, 3000.0, 2000.0],
            [2.0, 2.5, 4.0],
            "Full cost varied between £1,000 and £3,000 from 2023 to 2025; "
            "overall score up from 2.00 to 4.00",
        ),
    ],
)
def test_the_history_title_compares_every_year_as_shown(costs, scores, title):
    chart = figures.partnership_history(_three_years(costs, scores), "PSH-0001")

    assert chart.title == title
    assert charts.contract_problems(chart) == []


def test_a_missing_cost_or_score_is_labelled_never_drawn_as_zero():
    chart = figures.partnership_history(_later(), "PSH-0002")

    cost_axes, score_axes = chart.figure.axes
    assert len(cost_axes.patches) == 1  # 2023 only: 2025 has no cost
    assert [t.get_text() for t in cost_axes.texts] == ["£1,000", "not reported"]
    assert "not enough answers" in [t.get_text() for t in score_axes.texts]
    assert "2025 full cost not reported, overall score 3.25" in chart.alt


def test_a_key_profile_has_its_history_chart_and_one_seen_once_says_so():
    rows = [row(n, key_partnership=True) for n in (1, 4)]  # 1 since 2023, 4 new in 2025
    data = _later(evaluation=evaluation(*rows))

    markup = str(profiles.key_partnership_profiles(data).data)

    assert 'id="chart-history-psh-0001"' in markup
    assert 'id="chart-history-psh-0004"' not in markup
    assert "Reported in 2025 only" in text_of(markup)
    assert "Reported in 2 survey years (2023, 2025)" in text_of(markup)


def test_the_landscape_section_prints_the_years_table_from_the_evaluations():
    markup = str(sections.landscape(_later()).data)

    table = re.search(r'<table id="T_partnerships-key[^>]*>.*?</table>', markup, re.DOTALL)
    assert table is not None
    rows = [text_of(row) for row in re.findall(r"<tr>(.*?)</tr>", table.group(0), re.DOTALL)]
    assert rows[1:] == ["2023 3 1 £5,500 £4,000 6", "2025 3 2 £8,500 £6,000 7"]
    assert "In 2025, 3 partnerships were reported (3 in 2023), of which 2 are key (1 in 2023)" in (
        text_of(markup)
    )
