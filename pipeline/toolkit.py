"""Evaluate stage, scoring: loads config/toolkit.yaml and applies it to the registry.

Every number, band, weight and rule comes from toolkit.yaml; each score can be traced
back to the answers it came from (the number of answers and their spread are kept).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import paths
from pipeline.config import read_yaml, require
from pipeline.errors import PipelineError
from pipeline.protocol import Protocol

_OPERATORS = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "in": lambda a, b: a in b,
    "lt": lambda a, b: a is not None and a < b,
    "le": lambda a, b: a is not None and a <= b,
    "gt": lambda a, b: a is not None and a > b,
    "ge": lambda a, b: a is not None and a >= b,
}


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: Any

    def holds(self, facts: dict[str, Any]) -> bool:
        return bool(_OPERATORS[self.op](facts.get(self.field), self.value))

    def __str__(self) -> str:
        return f"{self.field} {self.op} {self.value}"


@dataclass(frozen=True)
class RecommendationRule:
    action: str
    reason: str
    when: tuple[Condition, ...]


@dataclass(frozen=True)
class KeyCriterion:
    name: str
    label: str
    settings: dict[str, Any]


@dataclass(frozen=True)
class Toolkit:
    """Every scoring number in force, as read from toolkit.yaml."""

    version: int
    principles: dict[str, str]
    principle_weights: dict[str, float]
    min_answers: int
    strength_from: float
    borderline_from: float
    band_labels: dict[str, str]
    governance_yes_items: tuple[str, ...]
    governance_reporting_line: str
    governance_last_review: str
    review_period_months: int
    governance_strength_from: float
    governance_concern_below: float
    officer_hourly_cost: float
    months_per_year: int
    risk_order: tuple[str, ...]
    equality_question: str
    impact_assessment_question: str
    key_min_criteria: int
    key_criteria: tuple[KeyCriterion, ...]
    default_action: str
    default_reason: str
    rules: tuple[RecommendationRule, ...]
    same_at: float
    unsure_from: float
    id_prefix: str
    ignore_words: tuple[str, ...]
    synonyms: dict[str, str]
    cautious_first: tuple[str, ...]
    material_cost_change: float
    lead_roles: tuple[str, ...]
    exit_answer: str
    evidenced_answer: str
    source: Path

    def settings_table(self) -> pd.DataFrame:
        """The numbers in force, for the report's method section."""
        rows = [
            ("Minimum answers for a score", self.min_answers),
            ("Strength from (mean, 1-5)", self.strength_from),
            ("Borderline from (mean, 1-5)", self.borderline_from),
            ("Officer hourly cost (£)", self.officer_hourly_cost),
            ("Governance: review period (months)", self.review_period_months),
            ("Governance: strength from (share of items)", self.governance_strength_from),
            ("Governance: concern below (share of items)", self.governance_concern_below),
            ("Key partnership: criteria to meet", self.key_min_criteria),
            ("Material change in full cost (share)", self.material_cost_change),
            ("Name matching: same partnership at (0-100)", self.same_at),
            ("Name matching: unsure from (0-100)", self.unsure_from),
        ]
        rows += [
            (f"Weight of {code} {name}", round(self.principle_weights[code], 3))
            for code, name in self.principles.items()
        ]
        rows += [(f"Key criterion: {c.label}", "") for c in self.key_criteria]
        return pd.DataFrame(rows, columns=["Setting", "Value"]).astype({"Value": str})


def load(root: Path | str | None = None) -> Toolkit:
    """Read config/toolkit.yaml once, checking every key, into a frozen Toolkit."""
    path = paths.toolkit_file(root)
    raw = read_yaml(path)
    principles = require(raw, "principles", path)
    bands = require(raw, "bands", path)
    governance = require(raw, "governance", path)
    finance = require(raw, "finance", path)
    key = require(raw, "key_partnerships", path)
    recommendation = require(raw, "recommendation", path)
    matching = require(raw, "matching", path)
    rules = []
    for index, rule in enumerate(require(recommendation, "rules", path, "recommendation")):
        where = f"recommendation.rules[{index}]"
        conditions = []
        for cond in require(rule, "when", path, where):
            if cond.get("op") not in _OPERATORS:
                raise PipelineError(
                    f"{path}: {where} has operator {cond.get('op')!r}; "
                    f"use one of {', '.join(_OPERATORS)}."
                )
            conditions.append(Condition(cond["field"], cond["op"], cond.get("value")))
        rules.append(
            RecommendationRule(
                str(require(rule, "action", path, where)),
                str(require(rule, "reason", path, where)),
                tuple(conditions),
            )
        )
    default = require(recommendation, "default", path, "recommendation")
    weights = {
        code: float(require(p, "weight", path, f"principles.{code}"))
        for code, p in principles.items()
    }
    if sum(weights.values()) <= 0:
        raise PipelineError(f"{path}: principles weights must add up to more than 0.")
    total = sum(weights.values())
    return Toolkit(
        version=int(require(raw, "toolkit_version", path)),
        principles={
            code: str(require(p, "name", path, f"principles.{code}"))
            for code, p in principles.items()
        },
        principle_weights={code: w / total for code, w in weights.items()},
        min_answers=int(require(raw, "min_answers", path)),
        strength_from=float(require(bands, "strength_from", path, "bands")),
        borderline_from=float(require(bands, "borderline_from", path, "bands")),
        band_labels={str(k): str(v) for k, v in require(bands, "labels", path, "bands").items()},
        governance_yes_items=tuple(require(governance, "yes_items", path, "governance")),
        governance_reporting_line=str(require(governance, "reporting_line", path, "governance")),
        governance_last_review=str(require(governance, "last_review", path, "governance")),
        review_period_months=int(require(governance, "review_period_months", path, "governance")),
        governance_strength_from=float(require(governance, "strength_from", path, "governance")),
        governance_concern_below=float(require(governance, "concern_below", path, "governance")),
        officer_hourly_cost=float(require(finance, "officer_hourly_cost", path, "finance")),
        months_per_year=int(require(finance, "months_per_year", path, "finance")),
        risk_order=tuple(require(require(raw, "risk", path), "order", path, "risk")),
        equality_question=str(require(require(raw, "equality", path), "question", path)),
        impact_assessment_question=str(
            require(require(raw, "equality", path), "impact_assessment", path)
        ),
        key_min_criteria=int(require(key, "min_criteria", path, "key_partnerships")),
        key_criteria=tuple(
            KeyCriterion(
                name,
                str(require(spec, "label", path, f"key_partnerships.{name}")),
                {k: v for k, v in spec.items() if k != "label"},
            )
            for name, spec in require(key, "criteria", path, "key_partnerships").items()
        ),
        default_action=str(require(default, "action", path, "recommendation.default")),
        default_reason=str(require(default, "reason", path, "recommendation.default")),
        rules=tuple(rules),
        same_at=float(require(matching, "same_at", path, "matching")),
        unsure_from=float(require(matching, "unsure_from", path, "matching")),
        id_prefix=str(require(matching, "id_prefix", path, "matching")),
        ignore_words=tuple(str(w).casefold() for w in matching.get("ignore_words", [])),
        synonyms={
            str(k).casefold(): str(v).casefold()
            for k, v in (matching.get("synonyms") or {}).items()
        },
        cautious_first=tuple(
            require(require(raw, "consolidation", path), "cautious_first", path, "consolidation")
        ),
        material_cost_change=float(
            require(require(raw, "changes", path), "material_cost_change", path, "changes")
        ),
        lead_roles=tuple(
            require(require(raw, "consolidation", path), "lead_roles", path, "consolidation")
        ),
        exit_answer=str(
            require(require(raw, "consolidation", path), "exit_answer", path, "consolidation")
        ),
        evidenced_answer=str(require(governance, "evidenced_answer", path, "governance")),
        source=path,
    )


def band(mean: float | None, toolkit: Toolkit) -> str:
    """Half-open bands on the unrounded mean: concern < 3.0 <= borderline < 4.0 <= strength."""
    labels = toolkit.band_labels
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return labels["none"]
    if mean >= toolkit.strength_from:
        return labels["strength"]
    if mean >= toolkit.borderline_from:
        return labels["borderline"]
    return labels["concern"]


def score_principles(returns: pd.DataFrame, protocol: Protocol, toolkit: Toolkit) -> pd.DataFrame:
    """A principle's score is the mean of all its agree5 answers over a partnership's returns.

    Needs partnership_id and the agree5 question columns. Returns one row per partnership
    with <P>_score (None below the toolkit's minimum answers), <P>_answers, <P>_spread and
    <P>_band, then overall_score (weighted mean of the principles that have a score) and
    overall_band.
    """
    rows = []
    for partnership_id, group in returns.groupby("partnership_id", sort=True):
        row: dict[str, Any] = {"partnership_id": partnership_id}
        weighted, weight_used = 0.0, 0.0
        for code, questions in protocol.principles.items():
            answers = pd.to_numeric(group[questions].stack(), errors="coerce").dropna()
            enough = len(answers) >= toolkit.min_answers
            mean = float(answers.mean()) if enough else None
            row[f"{code}_score"] = mean
            row[f"{code}_answers"] = len(answers)
            row[f"{code}_spread"] = float(answers.max() - answers.min()) if len(answers) else None
            row[f"{code}_band"] = band(mean, toolkit)
            if mean is not None:
                weighted += mean * toolkit.principle_weights[code]
                weight_used += toolkit.principle_weights[code]
        overall = weighted / weight_used if weight_used else None
        row["overall_score"] = overall
        row["overall_band"] = band(overall, toolkit)
        row["principles_of_concern"] = sum(
            row[f"{code}_band"] == toolkit.band_labels["concern"] for code in protocol.principles
        )
        rows.append(row)
    return pd.DataFrame(rows)


def score_equality(returns: pd.DataFrame, toolkit: Toolkit) -> pd.DataFrame:
    """Equality score: mean of the equality statement's answers, banded like principles."""
    rows = []
    for partnership_id, group in returns.groupby("partnership_id", sort=True):
        answers = pd.to_numeric(group[toolkit.equality_question], errors="coerce").dropna()
        mean = float(answers.mean()) if len(answers) >= toolkit.min_answers else None
        rows.append(
            {
                "partnership_id": partnership_id,
                "equality_score": mean,
                "equality_answers": len(answers),
                "equality_band": band(mean, toolkit),
            }
        )
    return pd.DataFrame(rows)


def _months_between(earlier: dt.date, later: dt.date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def governance_items(row: pd.Series, toolkit: Toolkit, as_of: dt.date) -> dict[str, bool]:
    """The governance checklist: which items a partnership evidences (Don't know does not)."""
    items = {qid: row.get(qid) == toolkit.evidenced_answer for qid in toolkit.governance_yes_items}
    line = row.get(toolkit.governance_reporting_line)
    items[toolkit.governance_reporting_line] = isinstance(line, str) and bool(line.strip())
    reviewed = row.get(toolkit.governance_last_review)
    recent = False
    if isinstance(reviewed, str) and reviewed:
        review_date = dt.date.fromisoformat(reviewed[:10])
        recent = _months_between(review_date, as_of) <= toolkit.review_period_months
    items[toolkit.governance_last_review] = recent
    return items


def governance_band(completeness: float, toolkit: Toolkit) -> str:
    labels = toolkit.band_labels
    if completeness >= toolkit.governance_strength_from:
        return labels["strength"]
    if completeness < toolkit.governance_concern_below:
        return labels["concern"]
    return labels["borderline"]


def key_criteria_met(facts: dict[str, Any], toolkit: Toolkit) -> list[str]:
    """Which of the toolkit's key-partnership criteria a partnership meets, by label."""
    met = []
    for criterion in toolkit.key_criteria:
        settings = criterion.settings
        if criterion.name == "statutory":
            hit = bool(facts["statutory"])
        elif criterion.name == "cost":
            hit = (facts["full_cost"] or 0) >= settings["min_full_cost"]
        elif criterion.name == "risk":
            hit = facts["risk"] in settings["levels"]
        elif criterion.name == "priorities":
            hit = facts["priority_count"] >= settings["min_priorities"]
        elif criterion.name == "role":
            hit = facts["role"] in settings["roles"]
        else:
            raise PipelineError(
                f"{toolkit.source}: unknown key-partnership criterion '{criterion.name}'; "
                "use statutory, cost, risk, priorities or role."
            )
        if hit:
            met.append(criterion.label)
    return met


def recommend(facts: dict[str, Any], toolkit: Toolkit) -> tuple[str, str, str]:
    """The first recommendation rule whose conditions all hold: action, reason and the
    rule's conditions as written in toolkit.yaml (for the auditor)."""
    for number, rule in enumerate(toolkit.rules, start=1):
        if all(condition.holds(facts) for condition in rule.when):
            conditions = "; ".join(map(str, rule.when))
            return rule.action, rule.reason, f"rule {number}: {conditions}"
    return toolkit.default_action, toolkit.default_reason, "default: no rule matched"


def full_cost(cash: float, in_kind: float, officer_hours: float, toolkit: Toolkit) -> float:
    """Full annual cost to the council: cash + in-kind + hours a month x 12 x hourly cost."""
    officer_cost = officer_hours * toolkit.months_per_year * toolkit.officer_hourly_cost
    return round(cash + in_kind + officer_cost, 2)


def evaluate_partnerships(
    registry: pd.DataFrame,
    returns: pd.DataFrame,
    protocol: Protocol,
    toolkit: Toolkit,
    as_of: dt.date,
) -> pd.DataFrame:
    """Score every partnership and recommend an action, with the rule that produced it.

    Needs the registry (consolidate_returns) and the accepted returns with partnership_id.
    Returns one row per partnership: costs, principle and overall scores with bands,
    governance completeness, risk, equality, key-partnership criteria, action and reason.
    """
    principles = score_principles(returns, protocol, toolkit)
    equality = score_equality(returns, toolkit)
    scored = registry.merge(principles, on="partnership_id", validate="one_to_one").merge(
        equality, on="partnership_id", validate="one_to_one"
    )
    rows = []
    labels = {qid: protocol.question(qid).text for qid in protocol.ids}
    for _, row in scored.iterrows():
        items = governance_items(row, toolkit, as_of)
        completeness = sum(items.values()) / len(items)
        cost = full_cost(row["cash"], row["in_kind"], row["officer_hours"], toolkit)
        external = row["external_funding"]
        leverage = None if cost == 0 or pd.isna(external) else round(external / cost, 2)
        facts = {
            "statutory": str(row[protocol.statutory_condition_question] or "").startswith(
                protocol.statutory_condition_prefix
            ),
            "full_cost": cost,
            "risk": row["Q43"],
            "priority_count": row["priority_count"],
            "role": row["Q12"],
            "overall_band": row["overall_band"],
            "governance_band": governance_band(completeness, toolkit),
            "leverage": leverage,
            "principles_of_concern": row["principles_of_concern"],
            "officer_exit_share": row["officer_exit_share"],
        }
        met = key_criteria_met(facts, toolkit)
        action, reason, rule = recommend(facts, toolkit)
        rows.append(
            {
                "partnership_id": row["partnership_id"],
                "officer_time_cost": round(
                    row["officer_hours"] * toolkit.months_per_year * toolkit.officer_hourly_cost, 2
                ),
                "full_cost": cost,
                "leverage": leverage,
                "statutory": facts["statutory"],
                "governance_completeness": round(completeness, 4),
                "governance_band": facts["governance_band"],
                "governance_missing": "; ".join(labels[qid] for qid, ok in items.items() if not ok)
                or None,
                "key_partnership": len(met) >= toolkit.key_min_criteria,
                "key_criteria": "; ".join(met) or None,
                "action": action,
                "action_reason": reason,
                "action_rule": rule,
            }
        )
    return scored.merge(pd.DataFrame(rows), on="partnership_id", validate="one_to_one")
