"""Value for money: every measure and heading band at its boundaries, the same-type
comparison, "not enough evidence", each judgement rule at its boundary, the judgement as a
recommendation fact, and the strict checks on the ``value_for_money:`` section.

The numbers are pinned: the tests load tests/backtest/config/toolkit.yaml (points 1 / 0.5 /
0, headings good from 0.75 and adequate from 0.5, cost known from half the returns, a
comparison from 5 of a type, ratio good up to 1 and adequate up to 2, leverage good from 1
and adequate from 0.25, cost per priority good up to £10,000 and adequate up to £50,000,
objectives good from 4 and adequate from 3, min_answers 2), or set a number themselves.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from helpers import recommendation_facts

from pipeline import paths, protocol, settings, toolkit
from pipeline.errors import PipelineError
from pipeline.toolkit.value_for_money import (
    cost_known,
    heading_band,
    judge,
    measure_band,
    same_type_comparison,
    value_for_money,
)
from pipeline.toolkit.value_model import HEADINGS, HigherIsBetter, LowerIsBetter

PROTOCOL = protocol.load()
TOOLKIT = toolkit.load(Path(__file__).parent / "backtest", PROTOCOL)
VFM = TOOLKIT.value_for_money
NEE = "Not enough evidence"


# --- measures and headings ------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.0, "good"), (1.0, "good"), (1.01, "adequate"), (2.0, "adequate"), (2.01, "poor")],
)
def test_a_lower_is_better_measure_is_banded_with_inclusive_upper_limits(value, expected):
    assert measure_band(value, LowerIsBetter(good_up_to=1.0, adequate_up_to=2.0)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1.0, "good"), (0.99, "adequate"), (0.25, "adequate"), (0.24, "poor"), (0.0, "poor")],
)
def test_a_higher_is_better_measure_is_banded_with_inclusive_lower_limits(value, expected):
    assert measure_band(value, HigherIsBetter(good_from=1.0, adequate_from=0.25)) == expected


@pytest.mark.parametrize("unknown", [None, float("nan")])
def test_a_measure_without_a_value_is_not_judged_rather_than_poor(unknown):
    assert measure_band(unknown, HigherIsBetter(good_from=1.0, adequate_from=0.25)) == "none"


@pytest.mark.parametrize(
    ("bands", "expected"),
    [
        (["good", "adequate"], (0.75, "good")),  # exactly good_from
        (["good", "poor"], (0.5, "adequate")),  # exactly adequate_from
        (["adequate", "adequate", "poor"], (round(1 / 3, 9), "poor")),  # just below
        (["good", "none"], (1.0, "good")),  # a measure without evidence is left out
    ],
)
def test_a_heading_is_banded_on_the_mean_points_of_its_judged_measures(bands, expected):
    assert heading_band(bands, 1, VFM) == expected


def test_a_heading_with_fewer_judged_measures_than_its_minimum_has_not_enough_evidence():
    assert heading_band(["good", "none", "none"], 2, VFM) == (None, "none")
    assert heading_band(["good", "poor", "none"], 2, VFM) == (0.5, "adequate")
    assert heading_band(["none", "none"], 1, VFM) == (None, "none")


@pytest.mark.parametrize(
    ("costed", "returns", "expected"), [(1, 2, True), (2, 5, False), (0, 1, False), (1, 1, True)]
)
def test_the_cost_is_known_when_at_least_the_set_share_of_returns_gave_every_figure(
    costed, returns, expected
):
    assert cost_known(costed, returns, VFM) is expected


# --- the same-type comparison ---------------------------------------------------------


def _costed(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A scored registry as value_for_money reads it, one row per dict (defaults fill in a
    partnership with every measure judged)."""
    defaults = {
        "partnership_type": "Shared service",
        "cash": 6000.0,
        "in_kind": 2000.0,
        "officer_time_cost": 2000.0,
        "full_cost": 10000.0,
        "leverage": 1.0,
        "returns": 2,
        "cost_missing_returns": 0,
        "priority_count": 1,
        "outcome_evidence": "Yes - measured",
        "equality_impact_assessment": "Yes",
        "P6_band": "Strength",
        "equality_band": "Strength",
    }
    return pd.DataFrame(
        [defaults | {"partnership_id": f"PSH-{n:04d}"} | row for n, row in enumerate(rows, 1)]
    )


def _returns(costed: pd.DataFrame, **answers: Any) -> pd.DataFrame:
    """Two returns per partnership, each saying what was achieved and agreeing (4) with
    both objectives statements, unless ``answers`` says otherwise."""
    base = {"achievements": "Opened two hubs", "purpose_clear_objectives": 4}
    base |= {"need_agreed_purpose": 4} | answers
    return pd.DataFrame([{"partnership_id": p} | base for p in costed["partnership_id"]] * 2)


def test_a_type_is_compared_with_its_median_only_from_the_minimum_number_of_known_costs():
    costed = _costed(
        [{"full_cost": float(c)} for c in (100, 200, 300, 400, 1000)]
        + [{"full_cost": 50.0, "cost_missing_returns": 2}]  # cost not known: not counted
        + [{"partnership_type": "Other", "full_cost": float(c)} for c in (100, 200, 300, 400)]
    )

    result = value_for_money(costed, _returns(costed), TOOLKIT).set_index("partnership_id")

    shared, other = result.iloc[:6], result.iloc[6:]
    assert shared["vfm_type_costed"].tolist() == [5] * 6
    assert shared["vfm_type_median_cost"].tolist() == [300.0] * 6
    assert shared["vfm_cost_ratio"].tolist()[:5] == [0.33, 0.67, 1.0, 1.33, 3.33]
    assert pd.isna(shared["vfm_cost_ratio"].iloc[5])
    assert shared["vfm_economy_band"].tolist() == ["Good", "Good", "Good", "Adequate", "Poor", NEE]
    assert other["vfm_type_costed"].tolist() == [4] * 4
    assert other["vfm_type_median_cost"].isna().all() and other["vfm_cost_ratio"].isna().all()
    assert other["vfm_economy_band"].eq(NEE).all()


def test_same_type_comparison_leaves_a_partnership_of_no_type_uncompared():
    costed = _costed([{}] * 5 + [{"partnership_type": None}]).assign(vfm_cost_known=True)

    comparison = same_type_comparison(costed, VFM)

    assert comparison["vfm_type_costed"].tolist() == [5] * 5 + [0]
    assert comparison["vfm_type_median_cost"].tolist() == [10000.0] * 5 + [None]


# --- value for money per partnership --------------------------------------------------


def test_value_for_money_bands_each_measure_and_heading_of_a_partnership():
    costed = _costed([{"full_cost": 10000.0}] * 4 + [{"full_cost": 20000.0, "priority_count": 2}])

    row = value_for_money(costed, _returns(costed), TOOLKIT).iloc[4]

    assert (row["vfm_cash_share"], row["vfm_in_kind_share"]) == (0.3, 0.1)
    assert row["vfm_officer_time_share"] == 0.1
    assert row["vfm_cost_ratio"] == 2.0 and row["vfm_economy_band"] == "Adequate"
    assert row["vfm_cost_per_priority"] == 10000.0  # at good_up_to: good; leverage 1: good
    assert (row["vfm_efficiency_score"], row["vfm_efficiency_band"]) == (1.0, "Good")
    # measured outcomes, achievements said (adequate), P6 strength, objectives mean 4
    assert row["vfm_objectives_score"] == 4.0 and row["vfm_objectives_answers"] == 4
    assert row["vfm_achievements_reported"] == 2
    assert (row["vfm_effectiveness_score"], row["vfm_effectiveness_band"]) == (0.875, "Good")
    assert (row["vfm_equity_score"], row["vfm_equity_band"]) == (1.0, "Good")
    assert row["vfm_measures"].startswith("Cost for its type: Adequate; Leverage: Good;")
    assert (row["vfm_judgement"], row["vfm_rule"]) == (
        "Good",
        "rule 6: good_headings ge 3; poor_headings eq 0",
    )


def test_an_unknown_cost_is_not_enough_evidence_never_poor():
    costed = _costed([{}] * 4 + [{"cost_missing_returns": 2, "leverage": 0.0}])

    row = value_for_money(costed, _returns(costed), TOOLKIT).iloc[4]

    assert not row["vfm_cost_known"]
    assert pd.isna(row["vfm_cash_share"]) and pd.isna(row["vfm_cost_per_priority"])
    assert row["vfm_economy_band"] == NEE and row["vfm_efficiency_band"] == NEE
    assert (row["vfm_judgement"], row["vfm_reason"]) == (
        NEE,
        "The full cost to the council is not known",
    )
    assert row["vfm_rule"] == "rule 1: cost_known eq False"


def test_no_outcome_evidence_and_no_scores_is_not_enough_evidence():
    costed = _costed([{"outcome_evidence": None, "P6_band": "Not enough answers"}])
    returns = _returns(
        costed, achievements=None, purpose_clear_objectives=None, need_agreed_purpose=None
    )

    row = value_for_money(costed, returns.iloc[:1], TOOLKIT).iloc[0]

    # nothing said achieved is not judged either (D18), and effectiveness needs 2 judged
    assert row["vfm_achievements_reported"] == 0 and row["vfm_objectives_answers"] == 0
    assert row["vfm_effectiveness_band"] == NEE
    assert row["vfm_rule"] == "rule 2: effectiveness eq Not enough evidence"


def test_a_blank_achievements_answer_is_not_judged_rather_than_poor():
    costed = _costed([{}, {}])
    said = _returns(costed)
    returns = said.assign(
        achievements=said["achievements"].where(said["partnership_id"] == "PSH-0001")
    )

    result = value_for_money(costed, returns, TOOLKIT).set_index("partnership_id")

    said_row, blank_row = result.loc["PSH-0001"], result.loc["PSH-0002"]
    assert said_row["vfm_achievements_reported"] == 2
    assert blank_row["vfm_achievements_reported"] == 0
    assert "Achievements reported: Adequate" in said_row["vfm_measures"]
    assert f"Achievements reported: {NEE}" in blank_row["vfm_measures"]
    # measured outcomes, P6 strength, objectives 4 (good) with achievements adequate, or
    # without it: (1 + 0.5 + 1 + 1) / 4 against (1 + 1 + 1) / 3, never a poor 0 added
    assert said_row["vfm_effectiveness_score"] == 0.875
    assert blank_row["vfm_effectiveness_score"] == 1.0


def test_an_option_banded_none_is_left_unjudged():
    costed = _costed([{"equality_impact_assessment": "Not applicable"}])

    row = value_for_money(costed, _returns(costed), TOOLKIT).iloc[0]

    assert row["vfm_measures"].endswith(
        f"Equality impact assessment: {NEE}; Equality statement: Good"
    )
    assert row["vfm_equity_score"] == 1.0


# --- the judgement rules, each at its boundary -----------------------------------------


def _facts(**changes: Any) -> dict[str, Any]:
    bands = {"economy": "Adequate", "efficiency": "Adequate"}
    bands |= {"effectiveness": "Adequate", "equity": "Adequate"} | changes
    facts: dict[str, Any] = {"cost_known": True} | bands
    for label, name in (
        ("Good", "good_headings"),
        ("Adequate", "adequate_headings"),
        ("Poor", "poor_headings"),
        (NEE, "unknown_headings"),
    ):
        facts[name] = sum(bands[h] == label for h in HEADINGS)
    return facts


@pytest.mark.parametrize(
    ("facts", "rule"),
    [
        (_facts(cost_known=False), "rule 1"),
        (_facts(effectiveness=NEE), "rule 2"),
        (_facts(economy=NEE, equity=NEE), "rule 3"),  # exactly 2 headings unknown
        (_facts(economy=NEE), "default"),  # one heading unknown: judged on the rest
        (_facts(effectiveness="Poor"), "rule 4"),
        (_facts(economy="Poor", equity="Poor"), "rule 5"),  # exactly 2 poor
        (_facts(economy="Poor"), "default"),  # one poor heading that is not effectiveness
        (_facts(economy="Good", efficiency="Good", effectiveness="Good"), "rule 6"),
        (_facts(economy="Good", efficiency="Good"), "default"),  # 2 good: not enough
        (
            _facts(economy="Good", efficiency="Good", effectiveness="Good", equity="Poor"),
            "default",
        ),  # 3 good but one poor
    ],
)
def test_each_judgement_rule_fires_at_its_boundary_and_not_below(facts, rule):
    judgement, _, fired = judge(facts, VFM)

    assert fired.split(":")[0] == rule
    expected = {"rule 1": NEE, "rule 2": NEE, "rule 3": NEE, "rule 4": "Poor"}
    expected |= {"rule 5": "Poor", "rule 6": "Good", "default": "Adequate"}
    assert judgement == expected[rule]


# --- value for money in the recommendation --------------------------------------------


def test_poor_value_for_money_of_a_partnership_not_required_by_law_is_reviewed():
    action, reason, rule = toolkit.recommend(recommendation_facts(vfm_judgement="Poor"), TOOLKIT)

    assert (action, reason) == ("review", "Poor value for money, not required by law")
    assert rule == "rule 4: vfm_judgement eq Poor; statutory eq False"


@pytest.mark.parametrize(
    "changes", [{"vfm_judgement": "Poor", "statutory": True}, {"vfm_judgement": NEE}]
)
def test_value_for_money_rule_spares_statutory_partnerships_and_missing_evidence(changes):
    action, _, rule = toolkit.recommend(recommendation_facts(**changes), TOOLKIT)

    assert (action, rule) == ("continue", "default: no rule matched")


def test_value_for_money_describes_every_measure_with_the_numbers_in_force():
    described = {row.measure: row for row in VFM.describe()}

    assert list(described)[:3] == ["cost_for_type", "leverage", "cost_per_priority"]
    assert "<= £10,000 good, <= £50,000 adequate" in described["cost_per_priority"].formula
    assert "Yes - measured good, Partly adequate, No poor" in (
        described["outcome_evidence"].formula
    )
    assert all(row.description and row.formula for row in described.values())


# --- strict config --------------------------------------------------------------------


def _config_with(tmp_path: Path, old: str, new: str) -> Path:
    shutil.copytree(paths.config_dir(), paths.config_dir(tmp_path))
    target = paths.toolkit_file(tmp_path)
    text = target.read_text(encoding="utf-8")
    assert old in text, old
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return tmp_path


def _line_of(root: Path, text: str) -> int:
    lines = paths.toolkit_file(root).read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if text in line)


@pytest.mark.parametrize(
    ("old", "new", "key", "words", "line_text"),
    [
        (
            "none: Not enough evidence}",
            "none: Poor}",
            "value_for_money.labels",
            "must differ",
            "labels: {good: Good",
        ),
        (
            "cost_for_type: {good_up_to: 1.0, adequate_up_to: 2.0}",
            "cost_for_type: {good_up_to: 3.0, adequate_up_to: 2.0}",
            "value_for_money.economy.cost_for_type",
            "good_up_to must not be above adequate_up_to",
            "cost_for_type:",
        ),
        (
            "leverage: {good_from: 1.0, adequate_from: 0.25}",
            "leverage: {good_from: 0.2, adequate_from: 0.25}",
            "value_for_money.efficiency.leverage",
            "adequate_from must not be above good_from",
            "leverage: {good_from",
        ),
        (
            "points: {good: 1.0, adequate: 0.5, poor: 0.0}",
            "points: {good: 0.5, adequate: 0.5, poor: 0.0}",
            "value_for_money.points",
            "must fall",
            "points:",
        ),
        (
            "headings: {good_from: 0.75, adequate_from: 0.5}",
            "headings: {good_from: 1.5, adequate_from: 0.5}",
            "value_for_money",
            "a heading scores 0-1",
            "value_for_money:",
        ),
        (
            "    min_measures: 2\n",
            "    min_measures: 5\n",
            "value_for_money.effectiveness",
            "could never be judged",
            "  effectiveness:",
        ),
        (
            "min_same_type: 5",
            "min_same_tipe: 5",
            "value_for_money.economy.min_same_tipe",
            "unknown key",
            "min_same_tipe",
        ),
        (
            "min_costed_share: 0.5",
            "min_costed_share: 0",
            "value_for_money.economy.min_costed_share",
            "greater than 0",
            "min_costed_share",
        ),
        (
            'bands: {"Yes - measured": good, Partly: adequate, "No": poor}',
            'bands: {"Yes - measured": good, Partly: adequate}',
            "value_for_money.effectiveness.outcome_evidence.bands",
            "option 'No' of outcome_evidence has no band",
            'bands: {"Yes - measured"',
        ),
        (
            'bands: {"Yes - measured": good, Partly: adequate, "No": poor}',
            'bands: {"Yes - measured": good, Partly: adequate, "No": poor, Maybe: good}',
            "value_for_money.effectiveness.outcome_evidence.bands.Maybe",
            "'Maybe' is not an option of outcome_evidence",
            'bands: {"Yes - measured"',
        ),
        (
            'bands: {"Yes - measured": good, Partly: adequate, "No": poor}',
            'bands: {"Yes - measured": great, Partly: adequate, "No": poor}',
            "value_for_money.effectiveness.outcome_evidence.bands.Yes - measured",
            "'good', 'adequate', 'poor' or 'none'",
            'bands: {"Yes - measured"',
        ),
        (  # value for money's own question (governance also names outcome_evidence)
            "  question: outcome_evidence\n",
            "  question: risk_level\n",
            "value_for_money.effectiveness.outcome_evidence.bands.Yes - measured",
            "'Yes - measured' is not an option of risk_level",
            'bands: {"Yes - measured"',
        ),
        (
            "achievements: {question: achievements,",
            "achievements: {question: outcome_evidence,",
            "value_for_money.effectiveness.achievements.question",
            "not a free-text question",
            "achievements: {question:",
        ),
        (
            "monitoring: {principle: P6}",
            "monitoring: {principle: P7}",
            "value_for_money.effectiveness.monitoring.principle",
            "'P7' is not a principle",
            "monitoring:",
        ),
        (
            "statements: [purpose_clear_objectives, need_agreed_purpose]",
            "statements: [purpose_clear_objectives, achievements]",
            "value_for_money.effectiveness.objectives.statements[1]",
            "not an agree5 statement",
            "statements: [purpose_clear_objectives",
        ),
        (
            "default: {judgement: Adequate,",
            "default: {judgement: OK,",
            "value_for_money.judgement.default.judgement",
            "'OK' is not a label",
            "default: {judgement:",
        ),
        (
            "- {field: unknown_headings, op: ge, value: 2}",
            "- {field: unknown_headings, op: ge, value: 5}",
            "value_for_money.judgement.rules[2].when[0].value",
            "runs from 0 to 4",
            "field: unknown_headings",
        ),
        (
            "- {field: effectiveness, op: eq, value: Poor}",
            "- {field: effectiveness, op: eq, value: Weak}",
            "value_for_money.judgement.rules[3].when[0].value",
            "never 'Weak'",
            "value: Weak",
        ),
        (
            "- {field: effectiveness, op: eq, value: Poor}",
            "- {field: effectivenes, op: eq, value: Poor}",
            "value_for_money.judgement.rules[3].when[0].field",
            "effectivenes",
            "effectivenes,",
        ),
        (
            "- {field: cost_known, op: eq, value: false}",
            "- {field: cost_known, op: ge, value: false}",
            "value_for_money.judgement.rules[0].when[0].value",
            "true or false",
            "field: cost_known",
        ),
        (
            "- {field: vfm_judgement, op: eq, value: Poor}",
            "- {field: vfm_judgement, op: eq, value: Concern}",
            "recommendation.rules[3].when[0].value",
            "vfm_judgement is never 'Concern'",
            "field: vfm_judgement",
        ),
    ],
)
def test_a_value_for_money_setting_that_could_never_work_is_one_line_with_its_place(
    tmp_path, old, new, key, words, line_text
):
    root = _config_with(tmp_path, old, new)

    with pytest.raises(PipelineError) as caught:
        settings.load(root)

    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{paths.toolkit_file(root)}: {key} (line ")
    assert words in message
    assert f"(line {_line_of(root, line_text)})" in message


def test_the_value_for_money_section_is_required(tmp_path):
    text = paths.toolkit_file().read_text(encoding="utf-8")
    start = text.index("value_for_money:")
    end = text.index("# Changes since last year")
    root = _config_with(tmp_path, text[start:end], "")

    with pytest.raises(PipelineError, match=r"toolkit\.yaml: value_for_money: missing key"):
        settings.load(root)


def test_evaluate_partnerships_reviews_a_discretionary_partnership_of_poor_value():
    answers = {key: None for key in PROTOCOL.keys}
    registry = pd.DataFrame(
        [
            answers
            | {
                "partnership_id": f"PSH-{n:04d}",
                "name": f"Board {n}",
                "partnership_type": "Shared service",
                "statutory_requirement": "No - discretionary",
                "council_role": "Member",
                "risk_level": "Low",
                "terms_of_reference": "Yes",
                "partnership_agreement": "Yes",
                "risk_register": "Yes",
                "exit_strategy": "Yes",
                "reporting_line": "Cabinet",
                "last_reviewed": "2025-01-01",
                "cash": 1000.0,
                "in_kind": 0.0,
                "officer_hours": 0.0,
                "external_funding": 2000.0,
                "priority_count": 1,
                "officer_exit_share": 0.0,
                "returns": 2,
                "cost_missing_returns": 0,
                "outcome_evidence": evidence,
                "equality_impact_assessment": "Yes",
            }
            for n, evidence in ((1, "Yes - measured"), (2, "No"))
        ]
    )
    statements = [key for keys in PROTOCOL.principles.values() for key in keys]
    weak = [*PROTOCOL.principles["P6"], *VFM.effectiveness.objectives.statements]
    strong = dict.fromkeys([*statements, "equality_considered"], 5)
    returns = pd.DataFrame(  # PSH-0002: P6 and the objectives 2, nothing said achieved
        [answers | {"partnership_id": "PSH-0001", "achievements": "Two hubs"} | strong] * 2
        + [answers | {"partnership_id": "PSH-0002"} | strong | dict.fromkeys(weak, 2)] * 2
    )

    result = toolkit.evaluate_partnerships(
        registry, returns, PROTOCOL, TOOLKIT, as_of=dt.date(2025, 4, 30)
    ).set_index("partnership_id")

    good, poor = result.loc["PSH-0001"], result.loc["PSH-0002"]
    # economy: 2 of the type, no comparison; the other three headings good
    assert (good["vfm_judgement"], good["vfm_rule"][:6]) == ("Good", "rule 6")
    assert good["action"] == "continue"
    # outcome evidence No, P6 concern, objectives 2 (no achievements: not judged): 0
    assert (poor["vfm_effectiveness_score"], poor["vfm_judgement"]) == (0.0, "Poor")
    assert poor["overall_band"] == "Strength"  # (3.5 + 3.5 + 5 + 5 + 5 + 2) / 6 = 4.0
    assert (poor["action"], poor["action_rule"]) == (
        "review",
        "rule 4: vfm_judgement eq Poor; statutory eq False",
    )
