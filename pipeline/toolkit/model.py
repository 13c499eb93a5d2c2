"""The evaluation toolkit in force: config/toolkit.yaml, loaded strictly (decision D15).

Every scoring number, band, weight, criterion, action and recommendation rule is read here
into a frozen ``Toolkit`` and checked against the protocol before anything runs.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
from pydantic import Field, model_validator

from pipeline import paths
from pipeline.config import KeyPath, Strict, config_error, load_model_with_lines
from pipeline.errors import PipelineError
from pipeline.protocol import Protocol, Question
from pipeline.protocol import load as load_protocol
from pipeline.toolkit import governance as governance_section
from pipeline.toolkit.governance import Governance, Risk

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
    "uncontrolled_risk": "bool",
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
    "uncontrolled_risk",
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
        labels = list(self.labels.model_dump().values())
        if len(set(labels)) != len(labels):
            raise ValueError("the four band labels must differ")
        return self


class _Finance(Strict):
    officer_hourly_cost: float = Field(ge=0)
    months_per_year: int = Field(ge=1, le=12)


class _Equality(Strict):
    question: str
    impact_assessment: str


class _Criterion(Strict):
    """A key-partnership criterion; its label states its settings by naming them in braces."""

    label: str

    @model_validator(mode="after")
    def _label_states_settings(self) -> _Criterion:
        try:
            parts = list(_PLACEHOLDER.parse(self.label))
        except ValueError as error:
            raise ValueError(f"label is not a valid template: {error}") from None
        for _, field, spec, conversion in parts:
            if field is not None and (not field.isidentifier() or spec or conversion):
                raise ValueError(
                    "label placeholders are plain setting names such as {min_full_cost}, "
                    "without formats: the number is written the council's way"
                )
        named = {field for _, field, _, _ in parts if field}
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
    levels: Annotated[tuple[str, ...], Field(strict=False, min_length=1)]


class _Priorities(_Criterion):
    min_priorities: int = Field(ge=1)


class _Role(_Criterion):
    roles: Annotated[tuple[str, ...], Field(strict=False, min_length=1)]


class _Criteria(Strict):
    statutory: _Statutory | None = None
    cost: _Cost | None = None
    risk: _RiskCriterion | None = None
    priorities: _Priorities | None = None
    role: _Role | None = None


class _KeyPartnerships(Strict):
    min_criteria: int = Field(ge=1)
    criteria: _Criteria

    @model_validator(mode="after")
    def _reachable(self) -> _KeyPartnerships:
        listed = sum(getattr(self.criteria, name) is not None for name in _Criteria.model_fields)
        if self.min_criteria > listed:
            raise ValueError(
                f"min_criteria is {self.min_criteria} but only {listed} criteria are listed: "
                "no partnership could be key"
            )
        return self


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
    when: Annotated[tuple[_Condition, ...], Field(strict=False, min_length=1)]


class _Recommendation(Strict):
    default: _Default
    rules: Annotated[tuple[_Rule, ...], Field(strict=False)] = ()


class _Changes(Strict):
    material_cost_change: float = Field(gt=0)


class _Matching(Strict):
    same_at: float = Field(ge=0, le=100)
    unsure_from: float = Field(ge=0, le=100)
    id_prefix: str
    ignore_words: Annotated[tuple[str, ...], Field(strict=False)] = ()
    synonyms: dict[str, str] = {}
    generic_words: Annotated[tuple[str, ...], Field(strict=False)]
    generic_weight: float = Field(ge=0, le=1)
    typo_similarity: float = Field(ge=50, le=100)
    acronyms: dict[str, str] = {}
    never_merge: Annotated[
        tuple[Annotated[tuple[str, ...], Field(strict=False, min_length=2)], ...],
        Field(strict=False),
    ] = ()

    @model_validator(mode="after")
    def _ordered(self) -> _Matching:
        if self.unsure_from > self.same_at:
            raise ValueError("unsure_from must not be above same_at")
        for acronym in self.acronyms:
            if not acronym.isalpha() or not 2 <= len(acronym) <= 8:
                raise ValueError(f"acronym '{acronym}' must be 2 to 8 letters")
        return self


class _Consolidation(Strict):
    cautious_first: Annotated[tuple[str, ...], Field(strict=False)]
    lead_roles: Annotated[tuple[str, ...], Field(strict=False)]
    exit_answer: str


class _ToolkitFile(Strict):
    toolkit_version: int
    principles: dict[str, _Principle] = Field(min_length=1)
    min_answers: int = Field(ge=1)
    bands: _Bands
    governance: Governance
    finance: _Finance
    risk: Risk
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
    governance: Governance  # the headings and their evidence (governance.py)
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
    generic_words: tuple[str, ...]
    generic_weight: float
    typo_similarity: float
    acronyms: dict[str, str]
    never_merge: tuple[tuple[str, ...], ...]
    cautious_first: tuple[str, ...]
    material_cost_change: float
    lead_roles: tuple[str, ...]
    exit_answer: str
    source: Path
    risk: Risk  # the levels, what makes a risk uncontrolled, the main-risks question

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
            ("Governance: strength from (completeness)", self.governance.strength_from),
            ("Governance: concern below (completeness)", self.governance.concern_below),
            ("Uncontrolled risk: levels", " or ".join(self.risk.uncontrolled.levels)),
            ("Uncontrolled risk: controls", " and ".join(self.risk.uncontrolled.controls)),
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
        rows += [
            (f"Governance, {self.governance.headings[heading].name}", item.describe())
            for heading, item in self.governance.items()
        ]
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

    governance_section.check_against_protocol(model.governance, model.risk, protocol, fail)
    if question(model.equality.question, ("equality", "question")).type != "agree5":
        raise fail(("equality", "question"), "must name an agree5 statement.")
    question(model.equality.impact_assessment, ("equality", "impact_assessment"))
    consolidation = model.consolidation
    single_answers = {o for q in protocol.of_type("single") for o in q.options}
    for index, answer in enumerate(consolidation.cautious_first):
        if answer not in single_answers:
            raise fail(
                ("consolidation", "cautious_first", index),
                f"'{answer}' is no single-choice question's option, so it would never apply.",
            )
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
    allowed = {
        # governance is "not enough answers" when the survey asked none of its evidence
        "band": list(labels.values()),
        "risk": list(model.risk.order),
    }
    ranges = {  # the values a numeric fact can take
        "officer_exit_share": (0.0, 1.0),
        "principles_of_concern": (0.0, float(len(model.principles))),
        "full_cost": (0.0, float("inf")),
        "leverage": (0.0, float("inf")),
    }
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
            elif kind == "number" and not all(
                ranges[condition.field][0] <= float(v) <= ranges[condition.field][1] for v in values
            ):
                low, high = ranges[condition.field]
                problem = (
                    f"{condition.field} is never {values[0]!r}: it runs from {low:g} to {high:g}."
                )
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
    model, lines = load_model_with_lines(path, _ToolkitFile)
    questionnaire = protocol or load_protocol(root)
    _check_against_protocol(model, questionnaire, path, lines)
    _check_rules(model, path, lines)
    total = sum(p.weight for p in model.principles.values())
    if total <= 0:
        raise PipelineError(
            config_error(path, ("principles",), "weights must add up to more than 0.", lines)
        )
    bands, matching = model.bands, model.matching
    return Toolkit(
        version=model.toolkit_version,
        principles={code: p.name for code, p in model.principles.items()},
        principle_weights={code: p.weight / total for code, p in model.principles.items()},
        min_answers=model.min_answers,
        strength_from=bands.strength_from,
        borderline_from=bands.borderline_from,
        band_labels=bands.labels.model_dump(),
        governance=model.governance,
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
        generic_words=tuple(w.casefold() for w in matching.generic_words),
        generic_weight=matching.generic_weight,
        typo_similarity=matching.typo_similarity,
        acronyms={k.casefold(): v for k, v in matching.acronyms.items()},
        never_merge=tuple(tuple(m.casefold() for m in s) for s in matching.never_merge),
        cautious_first=model.consolidation.cautious_first,
        material_cost_change=model.changes.material_cost_change,
        lead_roles=model.consolidation.lead_roles,
        exit_answer=model.consolidation.exit_answer,
        source=path,
        risk=model.risk,
    )
