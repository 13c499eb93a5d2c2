"""Every recommendation rule of config/toolkit.yaml and of the pinned copy, at its boundaries:
each fires just inside its thresholds and not just outside them, through the real
``recommend`` (facts) and ``evaluate_partnerships`` (a partnership's answers).

The facts tests read each rule's conditions from the file, so a rule added or retuned there
is tested at its own thresholds; the evaluation tests pin tests/backtest/config/toolkit.yaml.
"""

import dataclasses
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from pipeline import paths, protocol, toolkit
from pipeline.toolkit import Condition

PROTOCOL = protocol.load()
PINNED = toolkit.load(Path(__file__).parent / "backtest", PROTOCOL)
LIVE = toolkit.load(paths.ROOT, PROTOCOL)
KITS = {"pinned": PINNED, "live": LIVE}
CLOSING = dt.date(2025, 4, 30)


def _labels(field: str, kit: toolkit.Toolkit) -> list[str]:
    """The values a label fact can take, lowest (worst) first."""
    none = kit.instrument.not_enough_answers
    if field == "overall_band":
        return [b.label for b in kit.instrument.overall_bands] + [none]
    if field == "governance_band":
        return [kit.band_labels[m] for m in ("concern", "borderline", "strength", "none")]
    if field == "risk_level":
        return list(reversed(kit.risk_order))  # highest risk first
    if field.startswith("vfm_"):
        return list(reversed(kit.value_for_money.band_order()[:3])) + [
            kit.value_for_money.label("none")
        ]
    return sorted({b.label for b in kit.band_meanings()}) + [none]


def _calm(kit: toolkit.Toolkit) -> dict:
    """Facts that fire no rule: the best band of each kind, lowest risk, nothing else."""
    facts: dict = {"priority_count": 0, "council_role": None}
    for field, kind in toolkit.FACT_KINDS.items():
        if kind == "bool":
            facts[field] = False
        elif kind == "number":
            facts[field] = 0.0
        else:
            facts[field] = _labels(field, kit)[-2]  # the best, before "none"
    facts["risk_level"] = kit.risk_order[0]
    return facts


def _step(value: float, field: str) -> float:
    """The smallest move that matters for a number: one principle, else a penny/0.001."""
    return 1.0 if field == "principles_of_concern" else 0.001


def _inside_and_outside(condition: Condition, kit: toolkit.Toolkit) -> tuple[object, object]:
    """A value that just meets the condition, and one just beside it that does not."""
    value, op, field = condition.value, condition.op, condition.field
    if isinstance(value, bool):
        return (value, not value) if op == "eq" else (not value, value)
    if op in ("ge", "gt", "le", "lt"):
        step = _step(float(value), field)
        return {
            "ge": (value, value - step),
            "gt": (value + step, value),
            "le": (value, value + step),
            "lt": (value - step, value),
        }[op]
    labels = _labels(field, kit)
    chosen = value[0] if op == "in" else value
    index = labels.index(chosen)
    neighbour = labels[index - 1] if index else labels[index + 1]
    if op == "in":
        outside = next(label for label in labels if label not in value)
        return chosen, outside
    return (chosen, neighbour) if op == "eq" else (neighbour, chosen)


def _rules() -> list[tuple[str, int]]:
    return [(name, number) for name, kit in KITS.items() for number in range(len(kit.rules))]


def test_calm_facts_fire_no_rule_in_either_toolkit():
    for kit in KITS.values():
        assert toolkit.recommend(_calm(kit), kit)[2] == "default: no rule matched"


@pytest.mark.parametrize(("file", "index"), _rules())
def test_each_rule_fires_just_inside_its_thresholds(file, index):
    kit = KITS[file]
    rule = kit.rules[index]
    facts = _calm(kit) | {c.field: _inside_and_outside(c, kit)[0] for c in rule.when}

    action, reason, fired = toolkit.recommend(facts, kit)

    assert fired.startswith(f"rule {index + 1}: ")
    assert (action, reason) == (rule.action, rule.reason)


@pytest.mark.parametrize(("file", "index"), _rules())
def test_each_rule_does_not_fire_just_outside_any_one_threshold(file, index):
    kit = KITS[file]
    rule = kit.rules[index]
    inside = _calm(kit) | {c.field: _inside_and_outside(c, kit)[0] for c in rule.when}

    for condition in rule.when:
        outside = inside | {condition.field: _inside_and_outside(condition, kit)[1]}

        fired = toolkit.recommend(outside, kit)[2]

        assert not fired.startswith(f"rule {index + 1}: "), (condition, fired)


def test_the_live_rules_are_the_pinned_rules():
    """The evaluation tests below pin the rules; they hold for the live file while it agrees."""
    assert LIVE.rules == PINNED.rules
    assert (LIVE.default_action, LIVE.default_reason) == (
        PINNED.default_action,
        PINNED.default_reason,
    )


# --- through evaluate_partnerships, on a partnership's answers (pinned toolkit) ----------

STATEMENTS = [key for keys in PROTOCOL.principles.values() for key in keys]


def _partnership(
    statement: float = 5,
    lower: dict[str, float] | None = None,
    **registry: object,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One discretionary partnership with every governance item evidenced, its two officers
    answering every statement ``statement`` (``lower``: statements answered otherwise by
    the second officer), and ``registry`` changes."""
    answers = {key: None for key in PROTOCOL.keys}
    row = answers | {
        "partnership_id": "PSH-0001",
        "name": "Alpha Board",
        "partnership_type": "Strategic partnership",
        "statutory_requirement": "No - discretionary",
        "council_role": "Member",
        "risk_level": "Low",
        "terms_of_reference": "Yes",
        "partnership_agreement": "Yes",
        "performance_framework": "Yes",
        "risk_register": "Yes",
        "exit_strategy": "Yes",
        "reporting_line": "Cabinet",
        "last_reviewed": "2025-01-01",
        "outcome_evidence": "Yes - measured",
        "equality_impact_assessment": "Yes",
        "cash": 1000.0,
        "in_kind": 0.0,
        "officer_hours": 0.0,
        "external_funding": 2000.0,
        "priority_count": 1,
        "officer_exit_share": 0.0,
        "returns": 2,
        "cost_missing_returns": 0,
    }
    first = answers | {"partnership_id": "PSH-0001", "main_risks": "Funding", "achievements": "A"}
    first |= dict.fromkeys([*STATEMENTS, "equality_considered"], statement)
    second = first | (lower or {})
    return pd.DataFrame([row | registry]), pd.DataFrame([first, second])


def _action(kit: toolkit.Toolkit = PINNED, **given) -> tuple[str, str]:
    registry, returns = _partnership(**given)
    row = toolkit.evaluate_partnerships(registry, returns, PROTOCOL, kit, as_of=CLOSING).iloc[0]
    return row["action"], row["action_rule"].split(":")[0]


def test_a_well_run_partnership_gets_the_default():
    assert _action() == ("continue", "default")


@pytest.mark.parametrize(
    ("share", "expected"), [(0.5, ("exit", "rule 1")), (0.499, ("review", "rule 2"))]
)
def test_exit_needs_half_the_officers_recommending_it(share, expected):
    # every statement 2: principles of concern
    assert _action(statement=2, officer_exit_share=share) == expected


def test_exit_is_never_recommended_for_a_partnership_required_by_law():
    statutory = "Yes - statutory duty"

    assert _action(statement=2, officer_exit_share=1.0, statutory_requirement=statutory) == (
        "review",
        "rule 2",
    )


@pytest.mark.parametrize(
    ("lower", "expected"),
    [
        # one statement of one principle 2 not 3: that principle 2.75, overall 2.958 (Concern)
        ({STATEMENTS[0]: 2}, ("review", "rule 2")),
        # every statement 3: overall exactly 3.0, Borderline
        ({}, ("develop", "rule 5")),
    ],
)
def test_review_below_the_borderline_band_and_develop_from_it(lower, expected):
    assert _action(statement=3, lower=lower) == expected


def test_every_statement_at_the_strength_band_is_neither_develop_nor_review():
    assert _action(statement=4)[0] == "continue"


def _governance_at(concern_below: float, risk_level: str) -> tuple[str, str]:
    """The partnership without terms of reference, agreement and reporting line, judged on
    the governance-and-accountability heading alone (1 of its 4 items: completeness 0.25),
    with concern_below set."""
    heading = "governance_and_accountability"
    kit = dataclasses.replace(
        PINNED,
        governance=PINNED.governance.model_copy(
            update={
                "headings": {heading: PINNED.governance.headings[heading]},
                "concern_below": concern_below,
            }
        ),
    )
    return _action(
        kit,
        terms_of_reference="No",
        partnership_agreement="No",
        reporting_line=None,
        risk_level=risk_level,
    )


@pytest.mark.parametrize(
    ("below", "risk", "expected"),
    [
        (0.2501, "High", ("review", "rule 3")),  # completeness 0.25 just below concern_below
        (0.2501, "Medium", ("develop", "rule 6")),  # one risk level lower: rule 6
        (0.25, "High", ("continue", "default")),  # completeness at concern_below: Borderline
    ],
)
def test_governance_of_concern_at_its_threshold_with_and_without_high_risk(below, risk, expected):
    assert _governance_at(below, risk) == expected
