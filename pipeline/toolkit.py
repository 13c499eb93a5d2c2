"""Evaluate stage, scoring: loads config/toolkit.yaml and applies it to the registry.

Every number, band, weight and rule comes from toolkit.yaml; each score can be traced
back to the answers it came from (the number of answers and their spread are kept).
"""

from __future__ import annotations

import datetime as dt
import math
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import Field, model_validator

from pipeline import paths
from pipeline.config import KeyPath, Strict, config_error, load_model, read_yaml_with_lines
from pipeline.errors import PipelineError
from pipeline.protocol import Protocol, Question
from pipeline.protocol import load as load_protocol

_OPERATORS = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "in": lambda a, b: a in b,
    "lt": lambda a, b: a is not None and a < b,
    "le": lambda a, b: a is not None and a <= b,
    "gt": lambda a, b: a is not None and a > b,
    "ge": lambda a, b: a is not None and a >= b,
}
# What a recommendation rule can test, and the kind of value each fact holds.
FACT_KINDS: dict[str, str] = {
    "overall_band": "band",
    "governance_band": "band",
    "risk_level": "risk",
    "statutory": "bool",
    "full_cost": "number",
    "leverage": "number",
    "principles_of_concern": "number",
    "officer_exit_share": "number",
}
Fact = Literal[
    "overall_band",
    "governance_band",
    "risk_level",
    "statutory",
    "full_cost",
    "leverage",
    "principles_of_concern",
    "officer_exit_share",
]
Operator = Literal["eq", "ne", "in", "lt", "le", "gt", "ge"]
_PLACEHOLDER = string.Formatter()


# --- toolkit.yaml, as pydantic models (unknown keys are errors) -----------------------


class _Principle(Strict):
    name: str
    weight: float = Field(ge=0)


class _BandLabels(Strict):
    strength: str
    borderline: str
    concern: str
    none: str


class _Bands(Strict):
    strength_from: float
    borderline_from: float
    labels: _BandLabels

    @model_validator(mode="after")
    def _ordered(self) -> _Bands:
        if self.borderline_from > self.strength_from:
            raise ValueError("borderline_from must not be above strength_from")
        return self


class _Governance(Strict):
    evidenced_answer: str
    yes_items: tuple[str, ...] = Field(min_length=1)
    reporting_line: str
    last_review: str
    review_period_months: int = Field(ge=1)
    strength_from: float = Field(ge=0, le=1)
    concern_below: float = Field(ge=0, le=1)


class _Finance(Strict):
    officer_hourly_cost: float = Field(ge=0)
    months_per_year: int = Field(ge=1, le=12)


class _Risk(Strict):
    order: tuple[str, ...] = Field(min_length=1)


class _Equality(Strict):
    question: str
    impact_assessment: str


class _Criterion(Strict):
    """A key-partnership criterion; its label states its settings by naming them in braces."""

    label: str

    @model_validator(mode="after")
    def _label_states_settings(self) -> _Criterion:
        named = {field for _, field, _, _ in _PLACEHOLDER.parse(self.label) if field}
        settings = set(type(self).model_fields) - {"label"}
        unknown = named - settings
        if unknown:
            raise ValueError(f"label names {{{sorted(unknown)[0]}}}, which is not a setting here")
        unstated = settings - named
        if unstated:
            raise ValueError(
                f"label must state {{{sorted(unstated)[0]}}} so that it shows the number in force"
            )
        return self


class _Statutory(_Criterion):
    pass


class _Cost(_Criterion):
    min_full_cost: float = Field(ge=0)


class _RiskCriterion(_Criterion):
    levels: tuple[str, ...] = Field(min_length=1)


class _Priorities(_Criterion):
    min_priorities: int = Field(ge=1)


class _Role(_Criterion):
    roles: tuple[str, ...] = Field(min_length=1)


class _Criteria(Strict):
    statutory: _Statutory | None = None
    cost: _Cost | None = None
    risk: _RiskCriterion | None = None
    priorities: _Priorities | None = None
    role: _Role | None = None


class _KeyPartnerships(Strict):
    min_criteria: int = Field(ge=1)
    criteria: _Criteria


class Action(Strict):
    """A recommended action: its label for members, its colour in charts, and whether the
    report lists its partnerships for members' attention."""

    label: str
    colour: str = Field(pattern=r"^#[0-9A-Fa-f]{6}$")
    attention: bool = False


class _Condition(Strict):
    field: Fact
    op: Operator
    value: bool | float | str | list[str] | list[float]


class _Default(Strict):
    action: str
    reason: str


class _Rule(Strict):
    action: str
    reason: str
    when: tuple[_Condition, ...] = Field(min_length=1)


class _Recommendation(Strict):
    default: _Default
    rules: tuple[_Rule, ...] = ()


class _Changes(Strict):
    material_cost_change: float = Field(gt=0)


class _Matching(Strict):
    same_at: float = Field(ge=0, le=100)
    unsure_from: float = Field(ge=0, le=100)
    id_prefix: str
    ignore_words: tuple[str, ...] = ()
    synonyms: dict[str, str] = {}


class _Consolidation(Strict):
    cautious_first: tuple[str, ...]
    lead_roles: tuple[str, ...]
    exit_answer: str


class _ToolkitFile(Strict):
    toolkit_version: int
    principles: dict[str, _Principle] = Field(min_length=1)
    min_answers: int = Field(ge=1)
    bands: _Bands
    governance: _Governance
    finance: _Finance
    risk: _Risk
    equality: _Equality
    key_partnerships: _KeyPartnerships
    actions: dict[str, Action] = Field(min_length=1)
    recommendation: _Recommendation
    changes: _Changes
    matching: _Matching
    consolidation: _Consolidation


# --- the toolkit in force ------------------------------------------------------------


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
    """One key-partnership criterion: its kind, its label (stating its settings) and them."""

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
    actions: dict[str, Action]
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

    @property
    def action_order(self) -> list[str]:
        """Action names in the order the report lists them."""
        return list(self.actions)

    def settings_table(self) -> pd.DataFrame:
        """The numbers in force, for the report's method section."""
        rows: list[tuple[str, Any]] = [
            ("Minimum answers for a score", self.min_answers),
            ("Strength from (mean, 1-5)", self.strength_from),
            ("Borderline from (mean, 1-5)", self.borderline_from),
            ("Officer hourly cost (£)", f"{self.officer_hourly_cost:.2f}"),
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
        rows += [(f"Key criterion: {c.name}", c.label) for c in self.key_criteria]
        return pd.DataFrame(rows, columns=["Setting", "Value"]).astype({"Value": str})


def _stated(value: Any, setting: str) -> str:
    """A setting as a label states it: money in pounds, lists joined with "or"."""
    if isinstance(value, tuple | list):
        return " or ".join(str(v) for v in value)
    if setting == "min_full_cost":
        return f"£{value:,.0f}"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _key_criteria(criteria: _Criteria) -> tuple[KeyCriterion, ...]:
    found = []
    for name in type(criteria).model_fields:
        spec = getattr(criteria, name)
        if spec is None:
            continue
        settings = spec.model_dump(exclude={"label"})
        label = spec.label.format(**{k: _stated(v, k) for k, v in settings.items()})
        found.append(KeyCriterion(name, label, settings))
    return tuple(found)


def _check_against_protocol(
    model: _ToolkitFile, protocol: Protocol, path: Path, lines: dict[KeyPath, int]
) -> None:
    """Every question the toolkit names by key exists, every answer it names is one of
    that question's options, and its principles are the protocol's."""

    def fail(location: KeyPath, problem: str) -> PipelineError:
        return PipelineError(config_error(path, location, problem, lines))

    def question(key: str, location: KeyPath) -> Question:
        try:
            return protocol.by_key(key)
        except KeyError:
            raise fail(location, f"'{key}' is no question's key in protocol.yaml.") from None

    def options(key: str, answers: tuple[str, ...], location: KeyPath) -> None:
        allowed = question(key, location).options
        for index, answer in enumerate(answers):
            if answer not in allowed:
                raise fail(
                    (*location, index) if len(answers) > 1 else location,
                    f"'{answer}' is not an option of {key} ({', '.join(allowed)}).",
                )

    governance = model.governance
    for index, key in enumerate(governance.yes_items):
        options(key, (governance.evidenced_answer,), ("governance", "yes_items", index))
    question(governance.reporting_line, ("governance", "reporting_line"))
    if question(governance.last_review, ("governance", "last_review")).type != "date":
        raise fail(("governance", "last_review"), f"'{governance.last_review}' is not a date.")
    if question(model.equality.question, ("equality", "question")).type != "agree5":
        raise fail(("equality", "question"), "must name an agree5 statement.")
    question(model.equality.impact_assessment, ("equality", "impact_assessment"))
    levels = protocol.by_key("risk_level").options
    if sorted(model.risk.order) != sorted(levels):
        raise fail(("risk", "order"), f"must list the risk levels {', '.join(levels)} once each.")
    consolidation = model.consolidation
    options("council_role", consolidation.lead_roles, ("consolidation", "lead_roles"))
    options(
        "officer_recommendation", (consolidation.exit_answer,), ("consolidation", "exit_answer")
    )
    criteria = model.key_partnerships.criteria
    if criteria.risk is not None:
        options(
            "risk_level", criteria.risk.levels, ("key_partnerships", "criteria", "risk", "levels")
        )
    if criteria.role is not None:
        options(
            "council_role", criteria.role.roles, ("key_partnerships", "criteria", "role", "roles")
        )
    if set(model.principles) != set(protocol.principles):
        raise fail(
            ("principles",),
            f"the principles are {', '.join(model.principles)} but protocol.yaml's statements "
            f"measure {', '.join(protocol.principles)}.",
        )


def _check_rules(model: _ToolkitFile, path: Path, lines: dict[KeyPath, int]) -> None:
    """A rule that could never fire is a typo: its action, operator and value must fit."""
    labels = model.bands.labels.model_dump()
    allowed = {"band": list(labels.values()), "risk": list(model.risk.order)}
    actions = list(model.actions)
    entries: list[tuple[KeyPath, str]] = [
        (("recommendation", "default", "action"), model.recommendation.default.action)
    ]
    entries += [
        (("recommendation", "rules", i, "action"), rule.action)
        for i, rule in enumerate(model.recommendation.rules)
    ]
    for location, action in entries:
        if action not in actions:
            raise PipelineError(
                config_error(
                    path,
                    location,
                    f"'{action}' is not listed under actions ({', '.join(actions)}).",
                    lines,
                )
            )
    for i, rule in enumerate(model.recommendation.rules):
        for j, condition in enumerate(rule.when):
            where: KeyPath = ("recommendation", "rules", i, "when", j)
            kind = FACT_KINDS[condition.field]
            values = condition.value if isinstance(condition.value, list) else [condition.value]
            problem = None
            if (condition.op == "in") != isinstance(condition.value, list):
                problem = "'in' takes a list of values; the other operators one value."
            elif kind == "bool" and (
                condition.op not in ("eq", "ne") or not isinstance(condition.value, bool)
            ):
                problem = f"{condition.field} is true or false: use eq or ne with true or false."
            elif (
                kind == "number"
                and condition.op == "in"
                or kind == "number"
                and any(isinstance(v, bool) or not isinstance(v, int | float) for v in values)
            ):
                problem = f"{condition.field} is a number: compare it with a number."
            elif kind in allowed:
                if condition.op not in ("eq", "ne", "in"):
                    problem = f"{condition.field} is a label: use eq, ne or in."
                else:
                    wrong = [v for v in values if v not in allowed[kind]]
                    if wrong:
                        problem = (
                            f"{condition.field} is never {wrong[0]!r}; it is one of "
                            f"{', '.join(allowed[kind])}."
                        )
            if problem:
                raise PipelineError(config_error(path, (*where, "value"), problem, lines))


def load(root: Path | str | None = None, protocol: Protocol | None = None) -> Toolkit:
    """Read config/toolkit.yaml once, strictly, and check it against the protocol.

    Every problem (an unknown or misspelt key, a wrong type, a rule that could never fire,
    a question key or answer the protocol does not have) is one line naming file, key and line.
    """
    path = paths.toolkit_file(root)
    model = load_model(path, _ToolkitFile)
    _, lines = read_yaml_with_lines(path)
    questionnaire = protocol or load_protocol(root)
    _check_against_protocol(model, questionnaire, path, lines)
    _check_rules(model, path, lines)
    total = sum(p.weight for p in model.principles.values())
    if total <= 0:
        raise PipelineError(
            config_error(path, ("principles",), "weights must add up to more than 0.", lines)
        )
    bands, governance, matching = model.bands, model.governance, model.matching
    return Toolkit(
        version=model.toolkit_version,
        principles={code: p.name for code, p in model.principles.items()},
        principle_weights={code: p.weight / total for code, p in model.principles.items()},
        min_answers=model.min_answers,
        strength_from=bands.strength_from,
        borderline_from=bands.borderline_from,
        band_labels=bands.labels.model_dump(),
        governance_yes_items=governance.yes_items,
        governance_reporting_line=governance.reporting_line,
        governance_last_review=governance.last_review,
        review_period_months=governance.review_period_months,
        governance_strength_from=governance.strength_from,
        governance_concern_below=governance.concern_below,
        officer_hourly_cost=model.finance.officer_hourly_cost,
        months_per_year=model.finance.months_per_year,
        risk_order=model.risk.order,
        equality_question=model.equality.question,
        impact_assessment_question=model.equality.impact_assessment,
        key_min_criteria=model.key_partnerships.min_criteria,
        key_criteria=_key_criteria(model.key_partnerships.criteria),
        actions=dict(model.actions),
        default_action=model.recommendation.default.action,
        default_reason=model.recommendation.default.reason,
        rules=tuple(
            RecommendationRule(
                rule.action,
                rule.reason,
                tuple(Condition(c.field, c.op, c.value) for c in rule.when),
            )
            for rule in model.recommendation.rules
        ),
        same_at=matching.same_at,
        unsure_from=matching.unsure_from,
        id_prefix=matching.id_prefix,
        ignore_words=tuple(w.casefold() for w in matching.ignore_words),
        synonyms={k.casefold(): v.casefold() for k, v in matching.synonyms.items()},
        cautious_first=model.consolidation.cautious_first,
        material_cost_change=model.changes.material_cost_change,
        lead_roles=model.consolidation.lead_roles,
        exit_answer=model.consolidation.exit_answer,
        evidenced_answer=governance.evidenced_answer,
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

    Needs partnership_id and the agree5 statements by key. Returns one row per partnership
    with <P>_score (None below the toolkit's minimum answers), <P>_answers, <P>_spread and
    <P>_band, then overall_score (weighted mean of the principles that have a score) and
    overall_band.
    """
    rows = []
    for partnership_id, group in returns.groupby("partnership_id", sort=True):
        row: dict[str, Any] = {"partnership_id": partnership_id}
        weighted, weight_used = 0.0, 0.0
        for code, questions in protocol.principles.items():
            every = pd.Series(group[questions].to_numpy().ravel())  # each answer counts once
            answers = pd.to_numeric(every, errors="coerce").dropna()
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
    """Whole months from one date to a later one: 15 March to 14 May is one month."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - 1 if later.day < earlier.day else months


def governance_items(row: pd.Series, toolkit: Toolkit, as_of: dt.date) -> dict[str, bool]:
    """The governance checklist: which items a partnership evidences (Don't know does not).

    ``row`` is a registry row (columns by question key); items are keyed the same way."""
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
            hit = facts["risk_level"] in settings["levels"]
        elif criterion.name == "priorities":
            hit = facts["priority_count"] >= settings["min_priorities"]
        elif criterion.name == "role":
            hit = facts["council_role"] in settings["roles"]
        else:  # the model admits no other kind
            raise ValueError(f"unknown key-partnership criterion {criterion.name!r}")
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
    labels = {q.key: q.text for q in protocol.questions}
    statutory_key = protocol.question(protocol.statutory_condition_question).key
    for _, row in scored.iterrows():
        items = governance_items(row, toolkit, as_of)
        completeness = sum(items.values()) / len(items)
        cost = full_cost(row["cash"], row["in_kind"], row["officer_hours"], toolkit)
        external = row["external_funding"]
        leverage = None if cost == 0 or pd.isna(external) else round(external / cost, 2)
        facts = {
            "statutory": str(row[statutory_key] or "").startswith(
                protocol.statutory_condition_prefix
            ),
            "full_cost": cost,
            "risk_level": row["risk_level"],
            "priority_count": row["priority_count"],
            "council_role": row["council_role"],
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
                "governance_missing": "; ".join(labels[key] for key, ok in items.items() if not ok)
                or None,
                "key_partnership": len(met) >= toolkit.key_min_criteria,
                "key_criteria": "; ".join(met) or None,
                "action": action,
                "action_reason": reason,
                "action_rule": rule,
            }
        )
    return scored.merge(pd.DataFrame(rows), on="partnership_id", validate="one_to_one")
