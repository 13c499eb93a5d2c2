"""The report's numbers (pipeline/report/metrics.py) on tiny hand-made frames.

Each test builds three to five partnerships with only the columns the function reads;
the expected values are worked out by hand in the comments. The toolkit is the pinned one
of tests/helpers.py (KIT, from tests/backtest/config/toolkit.yaml), so that tuning
config/toolkit.yaml does not change what these tests expect.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from helpers import KIT, with_action

from pipeline import protocol, toolkit
from pipeline.report import formats, metrics
from pipeline.toolkit import Action
from pipeline.toolkit.governance import EvidenceItem, Governance, Heading, UncontrolledRisk

PROTOCOL = protocol.load()


# --- money ------------------------------------------------------------------------------

COSTS = pd.DataFrame(
    {
        "partnership_id": ["P-1", "P-2", "P-3", "P-4"],
        "cash": [1000.0, 0.0, 250.5, 10000.0],
        "in_kind": [500.0, 0.0, 0.0, 2000.0],
        "officer_time_cost": [462.0, 0.0, 0.0, 1000.0],
        "full_cost": [1962.0, 0.0, 250.5, 13000.0],
        "external_funding": [3924.0, None, 0.0, 1000.0],
        "cost_missing_returns": pd.array([0, 2, 1, 0], dtype="Int64"),
        "directorate": ["Resources", "Public Health", None, "Resources"],
        "priorities": [
            "Economic ambition",
            "Better lives for all; Economic ambition",
            None,
            "Better lives for all",
        ],
    }
)


def test_cost_totals_sum_each_kind_of_money():
    totals = metrics.cost_totals(COSTS)

    # cash 1000 + 0 + 250.5 + 10000; in kind 500 + 2000; officer 462 + 1000
    assert (totals.cash, totals.in_kind, totals.officer_time) == (11250.5, 2500.0, 1462.0)
    assert totals.full_cost == 1962 + 250.5 + 13000
    assert totals.external == 3924 + 1000  # the blank is not a zero, just not added


def test_cost_totals_count_returns_with_missing_money():
    assert metrics.cost_totals(COSTS).missing_returns == 3  # 0 + 2 + 1 + 0


def test_leverage_is_external_funding_per_pound_of_full_cost():
    totals = metrics.CostTotals(
        cash=0, in_kind=0, officer_time=0, full_cost=2000, external=5000, missing_returns=0
    )

    assert metrics.leverage(totals) == 2.5


def test_leverage_is_none_when_the_council_puts_in_nothing():
    nothing = metrics.CostTotals(
        cash=0, in_kind=0, officer_time=0, full_cost=0, external=5000, missing_returns=0
    )

    assert metrics.leverage(nothing) is None


def test_money_by_directorate_sums_in_option_order_with_blanks_last():
    order = ["Public Health", "Resources"]

    table = metrics.money_by(COSTS, "directorate", order)

    assert table["value"].tolist() == ["Public Health", "Resources", None]
    assert table["partnerships"].tolist() == [1, 2, 1]
    assert table["cash"].tolist() == [0.0, 11000.0, 250.5]  # Resources: P-1 + P-4
    assert table["full_cost"].tolist() == [0.0, 14962.0, 250.5]


def test_money_by_priority_counts_a_partnership_under_each_priority():
    order = ["Better lives for all", "Economic ambition"]

    table = metrics.money_by(COSTS, "priorities", order, multi=True).set_index("value")

    # Better lives: P-2 and P-4; Economic ambition: P-1 and P-2; P-3 chose none.
    assert table.loc["Better lives for all", "partnerships"] == 2
    assert table.loc["Better lives for all", "full_cost"] == 0 + 13000
    assert table.loc["Economic ambition", "full_cost"] == 1962 + 0
    assert table["partnerships"].sum() == 5  # 4 partnerships, one counted twice


def test_top_cost_keeps_the_most_expensive_first_and_breaks_ties_by_id():
    tied = COSTS.assign(full_cost=[500.0, 900.0, 500.0, 100.0])

    top = metrics.top_cost(tied, count=3)

    assert top["partnership_id"].tolist() == ["P-2", "P-1", "P-3"]


# --- counts -----------------------------------------------------------------------------


def test_counts_follow_the_option_order_then_other_answers_then_blanks():
    values = pd.Series(["Shared service", None, "Something else", "Other", "Shared service"])

    counts = metrics.counts_by(values, ["Other", "Shared service", "Strategic partnership"])

    # options first in the protocol's order (absent ones left out), then the rest, then blank
    assert counts["value"].tolist() == ["Other", "Shared service", "Something else", None]
    assert counts["partnerships"].tolist() == [1, 2, 1, 1]


def test_priority_counts_split_a_multi_select_answer():
    counts = metrics.counts_by(
        metrics.split_multi(COSTS["priorities"]), ["Better lives for all", "Economic ambition"]
    )

    assert counts["partnerships"].tolist() == [2, 2, 1]  # the last: P-3, no priority


# --- key partnerships, principles, actions ----------------------------------------------

SCORED = pd.DataFrame(
    {
        "partnership_id": ["P-1", "P-2", "P-3", "P-4", "P-5"],
        "full_cost": [100.0, 300.0, 200.0, 300.0, 50.0],
        "key_partnership": pd.array([True, True, False, True, pd.NA], dtype="boolean"),
        "overall_band": ["Concern", "Strength", "Concern", "Borderline", "Not enough answers"],
        "P1_score": [2.0, 4.5, 2.5, 3.0, None],
        "P1_band": ["Concern", "Strength", "Concern", "Borderline", "Not enough answers"],
        "P2_score": [None, None, None, None, None],
        "P2_band": ["Not enough answers"] * 5,
        "P1_officer_spread": [2.0, 0.5, 3.0, None, None],
        "P2_officer_spread": [None] * 5,
        "officers_disagree_on": ["P1", None, "P1", None, None],
        "officers_disagree_count": [1, 0, 1, 0, 0],
        "name": [f"Partnership {n}" for n in range(1, 6)],
        "risk_level": ["High", "Low", "High", "Medium", None],
        "action": ["exit", "continue", "review", "develop", "continue"],
        "equality_band": ["Strength", "Concern", None, "Strength", "Not enough answers"],
    }
)


def test_key_partnerships_are_the_marked_ones_highest_cost_first():
    key = metrics.key_partnerships(SCORED)

    # P-2 and P-4 both cost 300: by ID; P-5's blank is not key
    assert key["partnership_id"].tolist() == ["P-2", "P-4", "P-1"]


def test_key_criteria_counts_count_each_criterion_and_the_key_partnerships_among_them():
    kit = dataclasses.replace(
        KIT,
        key_criteria=(
            toolkit.KeyCriterion("statutory", "Required by law", {}),
            toolkit.KeyCriterion("cost", "Costs at least £5", {"min_full_cost": 5}),
            toolkit.KeyCriterion("role", "Council leads", {"roles": ("Lead partner",)}),
        ),
    )
    scored = pd.DataFrame(
        {
            "key_criteria": ["Required by law; Costs at least £5", "Costs at least £5", None],
            "key_partnership": pd.array([True, False, pd.NA], dtype="boolean"),
        }
    )

    met = metrics.key_criteria_counts(scored, kit)

    assert met.to_dict("list") == {
        "criterion": ["Required by law", "Costs at least £5", "Council leads"],
        "partnerships": [1, 2, 0],
        "key": [1, 1, 0],
    }


# --- money held for others, shared services -----------------------------------------------

HELD = pd.DataFrame(
    {
        "partnership_id": ["P-1", "P-2", "P-3", "P-4"],
        "full_cost": [100.0, 300.0, 200.0, 300.0],
        "partnership_type": ["Shared service", "Other", "Shared service", "Shared service"],
        "pooled_budget": ["Yes", "Yes", "No", None],
        "accountable_body_funds": ["Don't know", "Yes", "No", "Yes"],
        "legal_form": ["Unincorporated", None, "Incorporated body", None],
        "reporting_line": ["Cabinet", None, None, "Audit Committee"],
    }
)


def test_held_for_others_lists_the_held_answer_only_highest_cost_first():
    pooled = metrics.held_for_others(HELD, KIT, "pooled_budget")
    accountable = metrics.held_for_others(HELD, KIT, "accountable_body_funds")

    assert pooled["partnership_id"].tolist() == ["P-2", "P-1"]
    assert accountable["partnership_id"].tolist() == ["P-2", "P-4"]  # equal cost: by ID


def test_held_for_others_follows_the_toolkits_held_answer():
    held = KIT.money_held.model_copy(update={"held_answer": "Don't know"})
    kit = dataclasses.replace(KIT, money_held=held)

    unsure = metrics.held_for_others(HELD, kit, "accountable_body_funds")

    assert unsure["partnership_id"].tolist() == ["P-1"]


def test_money_held_answers_count_both_questions_in_option_order_blanks_last():
    answers = metrics.money_held_answers(HELD, KIT, protocol.load())

    assert answers.to_dict("list") == {
        "value": ["Yes", "No", "Don't know", None],
        "pooled_budget": [2, 1, 0, 1],
        "accountable_body": [2, 1, 1, 0],
    }


def test_shared_services_are_the_toolkits_types_highest_cost_first():
    other = KIT.money_held.model_copy(update={"shared_service_types": ("Other",)})

    shared = metrics.shared_services(HELD, KIT)
    retuned = metrics.shared_services(HELD, dataclasses.replace(KIT, money_held=other))

    assert shared["partnership_id"].tolist() == ["P-4", "P-3", "P-1"]
    assert retuned["partnership_id"].tolist() == ["P-2"]


def test_shared_services_show_an_arrangement_the_questionnaire_does_not_ask_as_blank():
    shared = metrics.shared_services(HELD, KIT)  # HELD has no partnership_agreement column

    assert shared["partnership_agreement"].isna().all()
    assert metrics.records(shared[["partnership_id", "reporting_line"]]) == [
        {"partnership_id": "P-4", "reporting_line": "Audit Committee"},
        {"partnership_id": "P-3", "reporting_line": None},
        {"partnership_id": "P-1", "reporting_line": "Cabinet"},
    ]


def test_principle_summary_means_the_scores_and_counts_each_band():
    summary = metrics.principle_summary(SCORED, KIT).set_index("code")

    assert summary.loc["P1", "mean"] == pytest.approx((2.0 + 4.5 + 2.5 + 3.0) / 4)
    assert summary.loc["P1", ["strength", "borderline", "concern", "none"]].tolist() == [1, 1, 2, 1]
    assert summary.loc["P1", "principle"] == "P1 Purpose"


def test_principle_summary_counts_the_partnerships_whose_officers_disagree():
    summary = metrics.principle_summary(SCORED, KIT).set_index("code")

    assert summary["disagree"].tolist() == [2, 0]


def test_principle_disagreements_list_each_principle_beside_its_mean_and_spread():
    listed = metrics.principle_disagreements(SCORED.iloc[::-1], KIT)

    assert listed.to_dict(orient="list") == {
        "partnership_id": ["P-1", "P-3"],
        "name": ["Partnership 1", "Partnership 3"],
        "principle": ["P1 Purpose", "P1 Purpose"],
        "mean": [2.0, 2.5],
        "spread": [2.0, 3.0],
    }
    assert metrics.officers_disagree_count(SCORED) == 2


def test_bands_are_counted_by_meaning_when_two_bands_share_one():
    bands = (
        toolkit.Band(start=1, label="Poor", means="concern"),
        toolkit.Band(start=2, label="Weak", means="concern"),
        toolkit.Band(start=3.0, label="Borderline", means="borderline"),
        toolkit.Band(start=4.0, label="Strength", means="strength"),
    )
    kit = dataclasses.replace(
        KIT, instrument=KIT.instrument.model_copy(update={"domain_bands": bands})
    )
    scored = SCORED.assign(P1_band=["Poor", "Strength", "Weak", "Borderline", "Not enough answers"])

    summary = metrics.principle_summary(scored, kit).set_index("code")

    assert summary.loc["P1", ["strength", "borderline", "concern", "none"]].tolist() == [1, 1, 2, 1]


def test_principle_summary_has_no_mean_when_no_partnership_has_a_score():
    summary = metrics.principle_summary(SCORED, KIT).set_index("code")

    assert formats.is_missing(summary.loc["P2", "mean"])
    assert summary.loc["P2", "none"] == 5


def test_concern_count_counts_the_overall_band_only():
    assert metrics.concern_count(SCORED, KIT) == 2  # P-1 and P-3


def test_high_risk_takes_the_toolkits_highest_level():
    assert metrics.high_risk(SCORED, KIT)["partnership_id"].tolist() == ["P-1", "P-3"]


def test_high_risk_follows_a_retuned_risk_order():
    kit = dataclasses.replace(KIT, risk_order=("Low", "High", "Medium"))

    assert metrics.high_risk(SCORED, kit)["partnership_id"].tolist() == ["P-4"]


def test_action_counts_follow_the_toolkit_order_with_zeros():
    counts = metrics.action_counts(SCORED, KIT)

    assert counts["action"].tolist() == ["exit", "review", "develop", "continue"]
    assert counts["partnerships"].tolist() == [1, 1, 1, 2]


def test_action_counts_follow_the_toolkit_order_including_a_new_action():
    kit = with_action(KIT, "pause", Action(label="Pause", colour="#3D3D3D"), before="develop")

    counts = metrics.action_counts(SCORED.assign(action=["pause"] * 5), kit)

    assert counts["action"].tolist() == ["exit", "review", "pause", "develop", "continue"]
    assert counts["partnerships"].tolist() == [0, 0, 5, 0, 0]


def test_action_counts_keep_an_action_the_toolkit_no_longer_lists():
    counts = metrics.action_counts(SCORED.assign(action=["renegotiate"] + ["exit"] * 4), KIT)

    assert counts["action"].tolist()[-1] == "renegotiate"
    assert counts["partnerships"].sum() == 5


def test_for_attention_lists_the_partnerships_of_attention_actions_by_id():
    kit = dataclasses.replace(
        KIT,
        actions={
            **KIT.actions,
            "develop": Action(label="Develop", colour="#28A197", attention=True),
        },
    )

    assert metrics.for_attention(SCORED, KIT)["partnership_id"].tolist() == ["P-1", "P-3"]
    assert metrics.for_attention(SCORED, kit)["partnership_id"].tolist() == ["P-1", "P-3", "P-4"]


def test_equality_bands_count_in_band_order_with_blanks_last():
    bands = metrics.equality_bands(SCORED, KIT)

    assert bands["value"].tolist() == ["Strength", "Concern", "Not enough answers", None]
    assert bands["partnerships"].tolist() == [2, 1, 1, 1]


def test_impact_assessments_count_in_the_questions_option_order():
    frame = pd.DataFrame({"equality_impact_assessment": ["Not applicable", "Yes", "No", "Yes"]})

    counts = metrics.impact_assessments(frame, KIT, protocol.load())

    assert counts["value"].tolist() == ["Yes", "No", "Not applicable"]
    assert counts["partnerships"].tolist() == [2, 1, 1]


# --- governance -------------------------------------------------------------------------

# Two headings are pinned here (the pinned toolkit has seven): risk (a register) and exit
# (a strategy); the risk control is the register.
GOV_KIT = dataclasses.replace(
    KIT,
    governance=Governance(
        strength_from=0.8,
        concern_below=0.5,
        headings={
            "risk": Heading(
                name="Risk",
                items=(
                    EvidenceItem(
                        question="risk_register",
                        kind="answer_in",
                        answers=("Yes",),
                        missing="no risk register",
                        unanswered="no answer on a risk register",
                    ),
                ),
            ),
            "exit": Heading(
                name="Exit",
                items=(
                    EvidenceItem(
                        question="exit_strategy",
                        kind="answer_in",
                        answers=("Yes",),
                        missing="no exit strategy",
                        unanswered="no answer on an exit strategy",
                    ),
                ),
            ),
        },
    ),
    risk=KIT.risk.model_copy(
        update={"uncontrolled": UncontrolledRisk(levels=("High",), controls=("risk_register",))}
    ),
)
GOVERNANCE = pd.DataFrame(
    {
        "partnership_id": ["P-4", "P-1", "P-2", "P-3", "P-5"],
        "governance_risk_completeness": [1.0, 0.5, 0.0, None, 1.0],
        "governance_exit_completeness": [1.0, 1.0, 0.0, 0.25, None],
        "governance_completeness": [1.0, 0.75, 0.0, 0.25, 1.0],
        "governance_band": ["Strength", "Borderline", "Concern", "Concern", "Strength"],
        "governance_missing": [None, "no risk register", "all of it", "no exit strategy", None],
        "key_partnership": pd.array([False, True, False, False, True], dtype="boolean"),
        "risk_level": ["High", "High", "Low", "High", "Medium"],
        "uncontrolled_risk": pd.array([False, True, False, True, False], dtype="boolean"),
        "main_risks": ["Funding", None, "Staff | Data", "Reputation", "Costs"],
    }
)


def test_governance_by_heading_counts_partnerships_by_how_much_they_evidence():
    by_heading = metrics.governance_by_heading(GOVERNANCE, GOV_KIT).set_index("heading")

    assert by_heading.loc["Risk", list(metrics.GOVERNANCE_SPREAD)].tolist() == [2, 1, 1, 1]
    assert by_heading.loc["Exit", list(metrics.GOVERNANCE_SPREAD)].tolist() == [2, 1, 1, 1]
    assert by_heading.loc["Risk", "mean_completeness"] == pytest.approx(2.5 / 4)
    assert by_heading.index.tolist() == ["Risk", "Exit"]  # the toolkit's order


def test_governance_gaps_list_concern_and_key_partnerships_weakest_first():
    gaps = metrics.governance_gaps(GOVERNANCE, GOV_KIT)

    # P-2 and P-3 are of concern; P-1 is key with something missing; P-5 is key, complete
    assert gaps["partnership_id"].tolist() == ["P-2", "P-3", "P-1"]


def test_not_asked_items_name_the_heading_and_question():
    asked = set(PROTOCOL.keys) - {"exit_strategy"}

    items = metrics.not_asked_items(GOV_KIT, PROTOCOL, asked)

    assert items.to_dict("records") == [
        {"heading": "Exit", "question": PROTOCOL.by_key("exit_strategy").text}
    ]
    assert metrics.not_asked_items(GOV_KIT, PROTOCOL, PROTOCOL.keys).empty


def test_uncontrolled_risks_and_their_control_words():
    assert metrics.uncontrolled_risks(GOVERNANCE)["partnership_id"].tolist() == ["P-1", "P-3"]
    assert metrics.control_gaps(GOV_KIT) == ["no risk register"]


def test_main_risks_are_shown_for_high_risk_and_key_partnerships_that_named_some():
    shown = metrics.main_risks(GOVERNANCE, GOV_KIT)

    # P-1 (high, key) named none; P-2 is low risk and not key
    assert shown["partnership_id"].tolist() == ["P-3", "P-4", "P-5"]


# --- changes and data quality -----------------------------------------------------------


def test_change_counts_give_every_kind_even_when_none_happened():
    changes = pd.DataFrame({"change": ["new", "changed", "new"]})

    assert metrics.change_counts(changes) == {"new": 2, "ended": 0, "changed": 1}


def test_disagreements_count_partnerships_and_answers_apart():
    disagreements = pd.DataFrame(
        {
            "partnership_id": ["P-1", "P-1", "P-1", "P-2"],
            "question": ["risk_level", "cash", "exit_strategy", "risk_level"],
        }
    )

    counted = metrics.disagreement_counts(disagreements)

    assert (counted.partnerships, counted.answers) == (2, 4)


DQ = {
    "quarantined_by_rule": [{"rule": "duplicate", "rows": 1}, {"rule": "parse_error", "rows": 5}],
    "warnings_by_rule": [{"rule": "email_format", "column": "Q2", "rows": 3}],
}


def test_quarantined_by_rule_reads_the_validation_summary():
    table = metrics.quarantined_by_rule(DQ)

    assert table.to_dict(orient="list") == {"rule": ["duplicate", "parse_error"], "returns": [1, 5]}


def test_warnings_by_rule_keep_the_question():
    table = metrics.warnings_by_rule(DQ)

    assert table.to_dict(orient="records") == [
        {"rule": "email_format", "column": "Q2", "returns": 3}
    ]


def test_records_give_blanks_as_none():
    frame = pd.DataFrame({"value": ["a", None], "mean": [1.5, float("nan")]})

    assert metrics.records(frame) == [{"value": "a", "mean": 1.5}, {"value": None, "mean": None}]


# --- formats ----------------------------------------------------------------------------


def test_at_least_names_the_returns_that_left_a_figure_blank():
    assert formats.at_least(12345.4, 0) == "£12,345"
    assert formats.at_least(12345.4, 1) == "at least £12,345 (1 return left a figure blank)"
    assert formats.at_least(12345.4, 3) == "at least £12,345 (3 returns left a figure blank)"


def test_formats_say_what_a_blank_reads_as():
    blank = float("nan")

    assert [formats.money(blank), formats.percent(pd.NA), formats.score(None)] == [
        "unknown",
        "",
        "",
    ]
    assert [formats.ratio(blank), formats.pounds(None), formats.answer(None)] == [
        "n/a",
        "n/a",
        "Not answered",
    ]


def test_formats_round_as_members_read_them():
    assert [formats.money(1999.5), formats.pounds(38.5), formats.percent(0.926)] == [
        "£2,000",
        "£38.50",
        "93%",
    ]
    assert [formats.score(3.456), formats.ratio(0.7349), formats.number(4.0)] == [
        "3.46",
        "0.73",
        "4",
    ]


# --- value for money --------------------------------------------------------------------

VFM = pd.DataFrame(
    {
        "partnership_id": ["P-3", "P-1", "P-2", "P-4"],
        "vfm_judgement": ["Poor", "Good", "Poor", "Not enough evidence"],
        "vfm_economy_band": ["Poor", "Good", "Not enough evidence", "Not enough evidence"],
        "vfm_efficiency_band": ["Good", "Good", "Adequate", "Not enough evidence"],
        "vfm_effectiveness_band": ["Poor", "Good", "Poor", "Adequate"],
        "vfm_equity_band": ["Adequate", "Adequate", "Adequate", "Good"],
    }
)


def test_vfm_judgements_count_every_label_in_order_with_zeros():
    counts = metrics.vfm_judgements(VFM, KIT)

    assert counts.to_dict("list") == {
        "judgement": ["Good", "Adequate", "Poor", "Not enough evidence"],
        "partnerships": [1, 0, 2, 1],
    }


def test_vfm_judgements_keep_a_judgement_the_toolkit_no_longer_labels():
    counts = metrics.vfm_judgements(VFM.assign(vfm_judgement=["Weak", "Good", "Poor", "Poor"]), KIT)

    assert counts["judgement"].tolist()[-1] == "Weak"
    assert counts["partnerships"].tolist() == [1, 0, 2, 0, 1]


def test_vfm_headings_count_each_band_per_heading_in_the_naos_order():
    headings = metrics.vfm_headings(VFM, KIT)

    assert headings.to_dict("records") == [
        {"heading": "economy", "good": 1, "adequate": 0, "poor": 1, "none": 2},
        {"heading": "efficiency", "good": 2, "adequate": 1, "poor": 0, "none": 1},
        {"heading": "effectiveness", "good": 1, "adequate": 1, "poor": 2, "none": 0},
        {"heading": "equity", "good": 1, "adequate": 3, "poor": 0, "none": 0},
    ]


def test_by_vfm_judgement_orders_best_first_then_by_id():
    assert metrics.by_vfm_judgement(VFM, KIT)["partnership_id"].tolist() == [
        "P-1",
        "P-2",
        "P-3",
        "P-4",
    ]
