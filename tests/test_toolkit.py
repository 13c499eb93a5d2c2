"""Toolkit: bands, costs, key partnerships and recommendations from config/toolkit.yaml."""

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from pipeline import protocol, toolkit
from pipeline.errors import PipelineError

PROTOCOL = protocol.load()
TOOLKIT = toolkit.load()


@pytest.mark.parametrize(
    ("mean", "expected"),
    [
        (2.999, "Concern"),
        (3.0, "Borderline"),
        (3.999, "Borderline"),
        (4.0, "Strength"),
        (None, "Not enough answers"),
    ],
)
def test_bands_are_half_open_on_the_unrounded_mean(mean, expected):
    assert toolkit.band(mean, TOOLKIT) == expected


def test_principle_score_is_the_mean_of_all_answers_with_count_and_spread():
    returns = pd.DataFrame(
        {"partnership_id": ["A", "A"], **{q: [None, None] for q in PROTOCOL.ids}}
    ).assign(Q29=[5, 2], Q30=[4, None])

    scores = toolkit.score_principles(returns, PROTOCOL, TOOLKIT).iloc[0]

    assert scores["P1_score"] == pytest.approx(11 / 3)
    assert (scores["P1_answers"], scores["P1_spread"]) == (3, 3.0)
    assert scores["P1_band"] == "Borderline"
    assert scores["P2_score"] is None and scores["P2_band"] == "Not enough answers"
    assert scores["overall_score"] == pytest.approx(11 / 3)


def test_full_cost_includes_officer_time_at_the_configured_rate():
    cost = toolkit.full_cost(1000.0, 200.0, 10.0, TOOLKIT)

    assert cost == 1200.0 + 10.0 * 12 * TOOLKIT.officer_hourly_cost


def test_governance_counts_dont_know_as_not_evidenced_and_old_reviews_as_missing():
    row = pd.Series(
        {
            "Q13": "Yes",
            "Q14": "Don't know",
            "Q16": "Yes",
            "Q17": "No",
            "Q15": "Cabinet",
            "Q18": "2020-01-01",
        }
    )

    items = toolkit.governance_items(row, TOOLKIT, as_of=dt.date(2025, 4, 30))

    assert items == {
        "Q13": True,
        "Q14": False,
        "Q16": True,
        "Q17": False,
        "Q15": True,
        "Q18": False,
    }


def _facts(**changes):
    facts = {
        "statutory": False,
        "full_cost": 5000.0,
        "risk": "Low",
        "priority_count": 1,
        "role": "Member",
        "overall_band": "Strength",
        "governance_band": "Strength",
        "leverage": None,
        "principles_of_concern": 0,
        "officer_exit_share": 0.0,
    }
    return facts | changes


def test_recommendation_takes_the_first_rule_that_holds_and_says_which():
    action, reason, rule = toolkit.recommend(
        _facts(overall_band="Concern", officer_exit_share=0.5), TOOLKIT
    )

    assert action == "exit"
    assert rule.startswith("rule 1:")
    assert reason == TOOLKIT.rules[0].reason


def test_recommendation_of_a_statutory_partnership_of_concern_is_review_not_exit():
    action, _, _ = toolkit.recommend(
        _facts(overall_band="Concern", statutory=True, officer_exit_share=1.0), TOOLKIT
    )

    assert action == "review"


def test_recommendation_defaults_to_continue():
    assert toolkit.recommend(_facts(), TOOLKIT)[0] == "continue"


def test_key_criteria_lists_each_met_criterion():
    met = toolkit.key_criteria_met(
        _facts(statutory=True, full_cost=250000.0, role="Lead partner"), TOOLKIT
    )

    assert len(met) == 3


def test_unknown_key_criterion_is_a_config_error():
    broken = dataclasses.replace(
        TOOLKIT, key_criteria=(toolkit.KeyCriterion("postcode", "Near the sea", {}),)
    )

    with pytest.raises(PipelineError, match="unknown key-partnership criterion 'postcode'"):
        toolkit.key_criteria_met(_facts(), broken)


def test_toolkit_yaml_errors_name_the_file_and_key(tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "toolkit.yaml").write_text("toolkit_version: 1\n", encoding="utf-8")

    with pytest.raises(PipelineError, match=r"toolkit.yaml: missing key 'principles'"):
        toolkit.load(tmp_path)
