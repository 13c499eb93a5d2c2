"""Toolkit: bands, costs, key partnerships and recommendations.

Every number here is pinned: the tests load tests/backtest/config/toolkit.yaml (bands 3.0 and
4.0, min_answers 2, £38.50 an hour, key partnership at 3 of 5 criteria with £100,000 and
3 priorities, the recommendation rules), and a test that turns on one number sets it with
dataclasses.replace, so that tuning config/toolkit.yaml never breaks the suite.
"""

import dataclasses
import datetime as dt
from pathlib import Path

import hypothesis
import numpy as np
import pandas as pd
import pytest
from helpers import recommendation_facts
from hypothesis import strategies as st

from pipeline import grouped, paths, protocol, toolkit
from pipeline.errors import PipelineError
from pipeline.toolkit import scoring

PROTOCOL = protocol.load()
# the pinned toolkit (tests/backtest/config/toolkit.yaml), never config/toolkit.yaml
TOOLKIT = toolkit.load(Path(__file__).parent / "backtest", PROTOCOL)


def _pinned(**numbers) -> toolkit.Toolkit:
    """The pinned toolkit with some numbers set; the instrument's own (min_answers,
    domain_bands, ...) are set on its frozen model."""
    instrument = {k: numbers.pop(k) for k in list(numbers) if k in toolkit.Instrument.model_fields}
    if instrument:
        numbers["instrument"] = TOOLKIT.instrument.model_copy(update=instrument)
    return dataclasses.replace(TOOLKIT, **numbers)


def _bands(*bands: tuple[float, str, str]) -> tuple[toolkit.Band, ...]:
    return tuple(
        toolkit.Band(start=start, label=label, means=means) for start, label, means in bands
    )


THREE_BANDS = _bands(
    (1, "Concern", "concern"), (3.0, "Borderline", "borderline"), (4.0, "Strength", "strength")
)


@pytest.mark.parametrize(
    ("mean", "expected"),
    [
        (2.999, "Concern"),
        (3.0, "Borderline"),
        (3.999, "Borderline"),
        (4.0, "Strength"),
        (None, "Not enough answers"),
        (float("nan"), "Not enough answers"),
    ],
)
def test_bands_are_half_open_on_the_unrounded_mean(mean, expected):
    kit = _pinned(domain_bands=THREE_BANDS)

    assert toolkit.band(mean, kit) == expected


def test_principle_score_is_the_mean_of_all_answers_with_count_and_spread():
    returns = pd.DataFrame(
        {"partnership_id": ["A", "A"], **{key: [None, None] for key in PROTOCOL.keys}}
    ).assign(need_achieves_more=[5, 2], need_agreed_purpose=[4, None])  # P1's two statements

    scores = toolkit.score_principles(returns, PROTOCOL, _pinned(min_answers=2)).iloc[0]

    assert scores["P1_score"] == pytest.approx(11 / 3)
    assert (scores["P1_answers"], scores["P1_spread"]) == (3, 3.0)
    assert scores["P1_band"] == "Borderline"
    assert scores["P2_score"] is None and scores["P2_band"] == "Not enough answers"
    assert scores["overall_score"] == pytest.approx(11 / 3)


def test_principle_with_fewer_answers_than_the_minimum_has_no_score():
    returns = pd.DataFrame(
        {"partnership_id": ["A"], **{key: [None] for key in PROTOCOL.keys}}
    ).assign(need_achieves_more=[5], need_agreed_purpose=[4])

    scores = toolkit.score_principles(returns, PROTOCOL, _pinned(min_answers=3)).iloc[0]

    assert scores["P1_score"] is None and scores["P1_answers"] == 2
    assert scores["overall_band"] == "Not enough answers"


def test_full_cost_includes_officer_time_at_the_pinned_rate():
    kit = _pinned(officer_hourly_cost=38.50, months_per_year=12)

    # £1,000 cash + £200 in kind + 10 hours a month x 12 x £38.50 (= £4,620)
    assert toolkit.full_cost(1000.0, 200.0, 10.0, kit) == 5820.0


def test_recommendation_takes_the_first_rule_that_holds_and_says_which():
    action, reason, rule = toolkit.recommend(
        recommendation_facts(overall_band="Concern", officer_exit_share=0.5), TOOLKIT
    )

    assert action == "exit"
    assert reason == "Principles of concern, not required by law, and officers recommend exit"
    assert rule == (
        "rule 1: overall_band eq Concern; statutory eq False; officer_exit_share ge 0.5"
    )


def test_recommendation_of_a_statutory_partnership_of_concern_is_review_not_exit():
    action, _, rule = toolkit.recommend(
        recommendation_facts(overall_band="Concern", statutory=True, officer_exit_share=1.0),
        TOOLKIT,
    )

    assert action == "review" and rule.startswith("rule 2:")


def test_recommendation_of_high_risk_with_weak_governance_is_review():
    action, _, rule = toolkit.recommend(
        recommendation_facts(risk_level="High", governance_band="Concern"), TOOLKIT
    )

    assert (action, rule.split(":")[0]) == ("review", "rule 3")


def test_recommendation_defaults_to_continue():
    assert toolkit.recommend(recommendation_facts(), TOOLKIT) == (
        "continue",
        "No concerns found by the toolkit",
        "default: no rule matched",
    )


def test_key_criteria_lists_each_met_criterion_with_its_number_in_force():
    met = toolkit.key_criteria_met(
        recommendation_facts(statutory=True, full_cost=250000.0, council_role="Lead partner"),
        TOOLKIT,
    )

    assert met == [
        "Required by law or regulation",
        "Full cost of at least £100,000 a year",
        "Council's role is Lead partner or Accountable body",
    ]


def test_key_criteria_cost_threshold_is_inclusive_and_risk_and_priorities_count():
    met = toolkit.key_criteria_met(
        recommendation_facts(full_cost=100000.0, risk_level="High", priority_count=3), TOOLKIT
    )

    assert met == [
        "Full cost of at least £100,000 a year",
        "High risk to the council",
        "Serves 3 or more Council Plan priorities",
    ]
    assert (
        toolkit.key_criteria_met(
            recommendation_facts(full_cost=99999.99, priority_count=2), TOOLKIT
        )
        == []
    )


def test_unknown_key_criterion_is_refused_not_skipped():
    broken = _pinned(key_criteria=(toolkit.KeyCriterion("postcode", "Near the sea", {}),))

    with pytest.raises(ValueError, match="unknown key-partnership criterion 'postcode'"):
        toolkit.key_criteria_met(recommendation_facts(), broken)


def test_evaluate_partnerships_costs_scores_and_recommends_each_partnership():
    answers = {key: None for key in PROTOCOL.keys}
    registry = pd.DataFrame(
        [
            answers
            | {
                "partnership_id": "PSH-0001",
                "name": "Alpha Board",
                "statutory_requirement": "Yes - statutory duty",
                "council_role": "Lead partner",
                "risk_level": "High",
                "terms_of_reference": "Yes",
                "cash": 90000.0,
                "in_kind": 0.0,
                "officer_hours": 40.0,
                "external_funding": 37120.0,
                "priorities": "Better lives for all",
                "priority_count": 1,
                "officer_exit_share": 0.0,
                "returns": 2,
                "cost_missing_returns": 0,
            }
        ]
    )
    statements = [key for keys in PROTOCOL.principles.values() for key in keys]
    returns = pd.DataFrame(  # two returns: every statement 2, then every statement 3
        [answers | {"partnership_id": "PSH-0001"} | dict.fromkeys(statements, s) for s in (2, 3)]
    )

    row = toolkit.evaluate_partnerships(
        registry, returns, PROTOCOL, TOOLKIT, as_of=dt.date(2025, 4, 30)
    ).iloc[0]

    assert row["officer_time_cost"] == 40 * 12 * 38.50 == 18480.0
    assert row["full_cost"] == 108480.0
    assert row["leverage"] == round(37120 / 108480, 2)
    assert row["overall_score"] == 2.5 and row["overall_band"] == "Concern"
    assert row["principles_of_concern"] == 6
    assert row["statutory"]
    # only terms of reference evidenced: 1 of 4 items under one heading of 7
    assert row["governance_completeness"] == round(0.25 / 7, 4)
    assert row["governance_band"] == "Concern"
    assert row["uncontrolled_risk"]  # high risk, no risk register, no exit strategy
    assert row["key_partnership"]  # statutory, cost, high risk, lead partner: 4 of 3
    assert (row["action"], row["action_rule"][:6]) == ("review", "rule 2")


def test_a_respondents_name_typed_in_officers_words_is_not_published():
    answers = {key: None for key in PROTOCOL.keys}
    costs = dict.fromkeys(["cash", "in_kind", "officer_hours", "external_funding"], 0.0)
    registry = pd.DataFrame(  # the registry holds no free text: it is consolidated answers
        [
            {k: v for k, v in answers.items() if k not in ("main_risks", "achievements")}
            | costs
            | {"partnership_id": "PSH-0001", "name": "Alpha Board", "returns": 2}
            | {"priority_count": 0, "officer_exit_share": 0.0, "cost_missing_returns": 0}
        ]
    )
    returns = pd.DataFrame(
        [
            answers
            | {
                "partnership_id": "PSH-0001",
                "respondent_name": "Jo Bloggs",
                "main_risks": "Funding ends; ask JO  BLOGGS or Sam Reeve-Smith",
                "achievements": "Jo Bloggsworth Trust funded two posts",
            },
            answers
            | {
                "partnership_id": "PSH-0001",
                "respondent_name": "Sam Reeve-Smith",
                "achievements": "Sam led it",
            },
        ]
    )

    row = toolkit.evaluate_partnerships(
        registry, returns, PROTOCOL, TOOLKIT, as_of=dt.date(2025, 4, 30)
    ).iloc[0]

    assert row["main_risks"] == "Funding ends; ask [name removed] or [name removed]"
    # a longer word that starts with a name, and a first name alone, are not the name
    assert row["achievements"] == "Jo Bloggsworth Trust funded two posts | Sam led it"


def test_toolkit_yaml_errors_name_the_file_and_key(tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "toolkit.yaml").write_text("toolkit_version: 1\n", encoding="utf-8")

    with pytest.raises(PipelineError, match=r"toolkit.yaml: instrument: missing key"):
        toolkit.load(tmp_path, PROTOCOL)


def test_toolkit_naming_an_unknown_question_key_is_one_line_with_its_place(tmp_path):
    (tmp_path / "config").mkdir()
    text = paths.toolkit_file().read_text(encoding="utf-8")
    broken = text.replace("{question: terms_of_reference,", "{question: terms_of_referance,")
    assert broken != text
    (tmp_path / "config" / "toolkit.yaml").write_text(broken, encoding="utf-8")

    with pytest.raises(
        PipelineError,
        match=r"governance.headings.governance_and_accountability.items\[0\].question "
        r"\(line \d+\): 'terms_of_referance' is no question's key",
    ):
        toolkit.load(tmp_path, PROTOCOL)


def test_overall_mean_of_exactly_the_strength_threshold_is_strength():
    # two returns answer each principle's two statements; principle means 3.75, 4.0, 3.25,
    # 4.5, 3.5 and 5.0, whose mean is exactly 4.0
    answers = [(4, 4, 4, 3), (4, 4, 4, 4), (3, 3, 3, 4), (5, 5, 4, 4), (4, 4, 3, 3), (5, 5, 5, 5)]
    rows = [{"partnership_id": "A", **dict.fromkeys(PROTOCOL.keys)} for _ in range(2)]
    for (first, second), given in zip(PROTOCOL.principles.values(), answers, strict=True):
        rows[0] |= {first: given[0], second: given[1]}
        rows[1] |= {first: given[2], second: given[3]}

    scores = toolkit.score_principles(pd.DataFrame(rows), PROTOCOL, _pinned(min_answers=2))

    assert sum(sum(a) / 4 for a in answers) / 6 == 4.0
    assert scores["overall_band"].item() == "Strength"


def _officers(*answers: tuple[float | None, float | None]) -> pd.DataFrame:
    """One return per officer, each answering P1's two statements; nothing else answered."""
    first, second = PROTOCOL.principles["P1"]
    return pd.DataFrame(
        [
            {"partnership_id": "A", **dict.fromkeys(PROTOCOL.keys), first: one, second: two}
            for one, two in answers
        ]
    )


@pytest.mark.parametrize(
    ("answers", "spread", "disagree"),
    [
        (((5, 4), (3, 2)), 2.0, "P1"),  # officer means 4.5 and 2.5: exactly 2 points apart
        (((5, 4), (3, 3)), 1.5, None),  # 4.5 and 3.0
        (((5, 5), (4, None), (3, 3)), 2.0, "P1"),  # highest 5.0, lowest 3.0; a skip is no 0
        (((5, 1),), None, None),  # one officer cannot disagree with themself
        (((5, 1), (None, None)), None, None),  # the second officer answered nothing
    ],
)
def test_officers_disagree_from_two_points_apart_between_officers_means(answers, spread, disagree):
    scores = toolkit.score_principles(_officers(*answers), PROTOCOL, _pinned(disagree_from=2.0))

    row = scores.iloc[0]
    assert row["P1_officer_spread"] == spread
    assert row["officers_disagree_on"] == disagree
    assert row["officers_disagree_count"] == (disagree is not None)


def test_the_officer_spread_keeps_its_ends_the_lowest_and_highest_officers_mean():
    returns = _officers((5, 4), (3, 3), (4, None))  # officer means 4.5, 3.0 and 4.0

    row = toolkit.score_principles(returns, PROTOCOL, _pinned(disagree_from=2.0)).iloc[0]
    alone = toolkit.score_principles(_officers((5, 1)), PROTOCOL, _pinned()).iloc[0]

    assert (row["P1_officer_low"], row["P1_officer_high"]) == (3.0, 4.5)
    assert row["P1_officer_high"] - row["P1_officer_low"] == row["P1_officer_spread"]
    assert alone["P1_officer_low"] is None and alone["P1_officer_high"] is None


def test_the_disagreement_threshold_comes_from_the_toolkit():
    returns = _officers((5, 4), (3, 3))  # officer means 4.5 and 3.0

    strict = toolkit.score_principles(returns, PROTOCOL, _pinned(disagree_from=1.5)).iloc[0]
    lenient = toolkit.score_principles(returns, PROTOCOL, _pinned(disagree_from=1.6)).iloc[0]

    assert strict["officers_disagree_on"] == "P1" and lenient["officers_disagree_count"] == 0


def test_officers_disagree_lists_every_principle_in_the_protocols_order():
    first, second = PROTOCOL.principles["P2"][0], PROTOCOL.principles["P5"][0]
    returns = _officers((4, 4), (4, 4)).assign(**{first: [1, 5], second: [5, 2]})

    row = toolkit.score_principles(returns, PROTOCOL, _pinned(disagree_from=2.0)).iloc[0]

    assert (row["officers_disagree_on"], row["officers_disagree_count"]) == ("P2; P5", 2)
    assert row["P1_officer_spread"] == 0.0 and row["P2_officer_spread"] == 4.0


@pytest.mark.parametrize(
    ("answers", "minimum", "score", "band"),
    [
        ([5], 1, 5.0, "Strength"),  # a one-statement measure scored from one return
        ([2], 1, 2.0, "Concern"),
        ([], 1, None, "Not enough answers"),
        ([5], 2, None, "Not enough answers"),
        ([5, 2], 2, 3.5, "Borderline"),
    ],
)
def test_equality_is_scored_from_its_own_minimum_answers(answers, minimum, score, band):
    returns = pd.DataFrame(
        {"partnership_id": ["A"] * max(len(answers), 1), "equality_considered": answers or [None]}
    )
    kit = _pinned(equality_min_answers=minimum, min_answers=2, domain_bands=THREE_BANDS)

    row = toolkit.score_equality(returns, dataclasses.replace(kit, equality_bands=THREE_BANDS))

    assert (row.iloc[0]["equality_score"], row.iloc[0]["equality_band"]) == (score, band)
    assert row.iloc[0]["equality_answers"] == len(answers)


def test_principles_still_need_their_own_minimum_when_equality_needs_one():
    returns = _officers((5, None))

    row = toolkit.score_principles(returns, PROTOCOL, _pinned(min_answers=2)).iloc[0]

    assert row["P1_score"] is None and row["P1_answers"] == 1


def _domain_measures(values, labels, statements, kit, at_once: bool) -> dict:
    groups = grouped.group_rows(np.asarray(labels, dtype=object))
    measure = scoring._domain_at_once if at_once else scoring._domain_by_slices
    found = measure(np.asarray(values, dtype=float), groups, statements, kit.instrument)
    return {name: [repr(v) for v in column] for name, column in found.items()}


# min_answers 0 with no answers: the one-partnership path's numpy mean of nothing is NaN, and
# numpy says so; what is compared is the value, not the warning
@pytest.mark.filterwarnings("ignore:Mean of empty slice:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@hypothesis.settings(max_examples=200, deadline=None)
@hypothesis.given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["A", "B", "C", None]),
            st.lists(st.sampled_from([None, 0, 1, 2, 3, 4, 5, -7, 10**6]), min_size=3, max_size=3),
        ),
        min_size=1,
        max_size=30,
    ),
    summed=st.booleans(),
    min_answers=st.integers(0, 3),
)
def test_domains_measured_at_once_are_the_partnerships_own_bit_for_bit(rows, summed, min_answers):
    labels = [label for label, _ in rows]
    values = [[np.nan if a is None else a for a in answers] for _, answers in rows]
    kit = _pinned(min_answers=min_answers, statements="sum" if summed else "mean")
    hypothesis.assume(any(label is not None for label in labels))

    at_once = _domain_measures(values, labels, 3, kit, at_once=True)

    assert at_once == _domain_measures(values, labels, 3, kit, at_once=False)


def test_fractional_answers_are_measured_partnership_by_partnership_in_their_order():
    values = [[0.1, 0.2, 0.3], [0.7, np.nan, 1e16], [-0.0, 0.0, np.nan]]
    first = PROTOCOL.principles["P1"]
    returns = pd.DataFrame(
        [
            {
                "partnership_id": label,
                **dict.fromkeys(PROTOCOL.keys),
                **dict(zip(first, row[:2], strict=True)),
            }
            for label, row in zip(["A", "A", "B"], values, strict=True)
        ]
    )
    kit = _pinned(min_answers=1)

    scores = toolkit.score_principles(returns, PROTOCOL, kit).set_index("partnership_id")

    assert not scoring._whole_numbers(np.array(values, dtype=float))
    answers = np.array([a for row in values[:2] for a in row[: len(first)] if not np.isnan(a)])
    assert float(scores.loc["A", "P1_score"]).hex() == float(answers.mean()).hex()
