"""Value for money in toolkit.yaml (``value_for_money:``), loaded strictly (decision D18).

The National Audit Office's four headings (economy, efficiency, effectiveness, equity),
each judged from measures whose thresholds live here, and the ordered rules that turn the
heading bands into one judgement. The models are frozen and kept whole on the ``Toolkit``
(``toolkit.value_for_money``); ``check_value_for_money`` cross-checks them against the
protocol and refuses a rule that could never fire, with one line naming file, key and line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from pipeline.config import KeyPath, Strict, config_error
from pipeline.errors import PipelineError
from pipeline.protocol import Protocol
from pipeline.toolkit.conditions import condition_problem

BAND_KEYS = ("good", "adequate", "poor", "none")
BandKey = Literal["good", "adequate", "poor", "none"]
HEADINGS = ("economy", "efficiency", "effectiveness", "equity")

# What a judgement rule can test, and the kind of value each fact holds.
JUDGEMENT_FACTS: dict[str, str] = {
    "economy": "band",
    "efficiency": "band",
    "effectiveness": "band",
    "equity": "band",
    "good_headings": "count",
    "adequate_headings": "count",
    "poor_headings": "count",
    "unknown_headings": "count",
    "cost_known": "bool",
}
JudgementFact = Literal[
    "economy",
    "efficiency",
    "effectiveness",
    "equity",
    "good_headings",
    "adequate_headings",
    "poor_headings",
    "unknown_headings",
    "cost_known",
]


class VfmLabels(Strict):
    good: str
    adequate: str
    poor: str
    none: str

    @model_validator(mode="after")
    def _distinct(self) -> VfmLabels:
        labels = list(self.model_dump().values())
        if len(set(labels)) != len(labels):
            raise ValueError("the four value-for-money labels must differ")
        return self


class Points(Strict):
    """What a measure's band counts towards its heading's score (0 to 1)."""

    good: float = Field(ge=0, le=1)
    adequate: float = Field(ge=0, le=1)
    poor: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> Points:
        if not self.good > self.adequate > self.poor:
            raise ValueError("points must fall from good to adequate to poor")
        return self


class HigherIsBetter(Strict):
    """Good at or above good_from, adequate at or above adequate_from, else poor."""

    good_from: float
    adequate_from: float

    @model_validator(mode="after")
    def _ordered(self) -> HigherIsBetter:
        if self.adequate_from > self.good_from:
            raise ValueError("adequate_from must not be above good_from")
        return self


class LowerIsBetter(Strict):
    """Good up to and including good_up_to, adequate up to adequate_up_to, above it poor."""

    good_up_to: float = Field(ge=0)
    adequate_up_to: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> LowerIsBetter:
        if self.good_up_to > self.adequate_up_to:
            raise ValueError("good_up_to must not be above adequate_up_to")
        return self


class AnswerBands(Strict):
    """A single-choice question whose every option is given a band (none: not judged)."""

    question: str
    bands: dict[str, BandKey] = Field(min_length=1)


class Achievements(Strict):
    question: str
    reported: BandKey
    not_reported: BandKey


class Monitoring(Strict):
    principle: str


class Objectives(HigherIsBetter):
    statements: Annotated[tuple[str, ...], Field(strict=False, min_length=1)]


class _Heading(Strict):
    min_measures: int = Field(ge=1)

    @model_validator(mode="after")
    def _reachable(self) -> _Heading:
        count = len(MEASURES_BY_HEADING[self._name()])
        if self.min_measures > count:
            raise ValueError(
                f"min_measures is {self.min_measures} but the heading has {count} measure(s): "
                "it could never be judged"
            )
        return self

    @classmethod
    def _name(cls) -> str:
        return cls.__name__.lower()


class Economy(_Heading):
    min_costed_share: float = Field(gt=0, le=1)
    min_same_type: int = Field(ge=2)
    cost_for_type: LowerIsBetter


class Efficiency(_Heading):
    leverage: HigherIsBetter
    cost_per_priority: LowerIsBetter


class Effectiveness(_Heading):
    outcome_evidence: AnswerBands
    achievements: Achievements
    monitoring: Monitoring
    objectives: Objectives


class Equity(_Heading):
    impact_assessment: AnswerBands


class JudgementCondition(Strict):
    field: JudgementFact
    op: Literal["eq", "ne", "in", "lt", "le", "gt", "ge"]
    value: bool | int | float | str | list[str] | list[int] | list[float]


class JudgementDefault(Strict):
    judgement: str
    reason: str


class JudgementRule(Strict):
    judgement: str
    reason: str
    when: Annotated[tuple[JudgementCondition, ...], Field(strict=False, min_length=1)]


class Judgement(Strict):
    default: JudgementDefault
    rules: Annotated[tuple[JudgementRule, ...], Field(strict=False)] = ()


class ValueForMoney(Strict):
    """The ``value_for_money:`` section, kept whole on the Toolkit."""

    labels: VfmLabels
    points: Points
    headings: HigherIsBetter
    economy: Economy
    efficiency: Efficiency
    effectiveness: Effectiveness
    equity: Equity
    judgement: Judgement

    @model_validator(mode="after")
    def _headings_in_range(self) -> ValueForMoney:
        if not 0 <= self.headings.adequate_from <= self.headings.good_from <= 1:
            raise ValueError(
                "headings: 0 <= adequate_from <= good_from <= 1 (a heading scores 0-1)"
            )
        return self

    def label(self, key: str) -> str:
        """A band key (good, adequate, poor, none) as the report writes it."""
        return str(getattr(self.labels, key))

    def band_order(self) -> list[str]:
        """The labels from good to not enough evidence."""
        return [self.label(key) for key in BAND_KEYS]

    def describe(self) -> list[MeasureText]:
        """Every measure and heading in plain English, with its formula and the numbers in
        force (for docs/toolkit.md and the report's method section)."""
        rows = [m.stated(self) for m in MEASURES]
        lab = self.labels
        rows.append(
            MeasureText(
                "all",
                "heading",
                "Heading band",
                "Each heading's judged measures are averaged as points "
                f"({lab.good} {self.points.good:g}, {lab.adequate} {self.points.adequate:g}, "
                f"{lab.poor} {self.points.poor:g}); a measure without evidence is left out.",
                f"mean points >= {self.headings.good_from:g}: {lab.good}; >= "
                f"{self.headings.adequate_from:g}: {lab.adequate}; below: {lab.poor}; fewer "
                f"judged measures than the heading's minimum: {lab.none}",
            )
        )
        return rows


@dataclass(frozen=True)
class MeasureText:
    heading: str
    measure: str
    name: str
    description: str
    formula: str


def _text(value: object) -> object:
    """A setting as a formula states it: answers with their bands (the band "none" as "not
    judged"), lists joined."""
    if isinstance(value, dict):
        return ", ".join(f"{answer} {_text(band)}" for answer, band in value.items())
    if value == "none":
        return "not judged"
    if isinstance(value, tuple | list):
        return ", ".join(str(v) for v in value)
    return value


@dataclass(frozen=True)
class Measure:
    """One value-for-money measure: its heading, key, name for members and its formula
    (a template naming the settings in force)."""

    heading: str
    key: str
    name: str
    description: str
    formula: str

    def stated(self, vfm: ValueForMoney) -> MeasureText:
        heading = getattr(vfm, self.heading)
        settings = heading.model_dump()
        flat = {
            f"{k}_{inner}": _text(v)
            for k, value in settings.items()
            if isinstance(value, dict)
            for inner, v in value.items()
        }
        return MeasureText(
            self.heading,
            self.key,
            self.name,
            self.description,
            self.formula.format(**settings, **flat),
        )


MEASURES: tuple[Measure, ...] = (
    Measure(
        "economy",
        "cost_for_type",
        "Cost for its type",
        "The full annual cost to the council (cash + in kind + officer time) against the "
        "median full cost of partnerships of the same type. The cost is known when enough "
        "returns gave every cost figure; a type with too few costed partnerships gives no "
        "comparison.",
        "ratio = full cost / median full cost of the type (known costs; at least "
        "{min_same_type} of the type); cost known when at least {min_costed_share:g} of the "
        "returns gave every figure; ratio <= {cost_for_type_good_up_to:g} good, <= "
        "{cost_for_type_adequate_up_to:g} adequate, above: poor (high cost for its type)",
    ),
    Measure(
        "efficiency",
        "leverage",
        "Leverage",
        "External funding the partnership brings in for every £1 it costs the council.",
        "leverage = external funding / full cost; >= {leverage_good_from:g} good, >= "
        "{leverage_adequate_from:g} adequate, below: poor; not judged when either is unknown",
    ),
    Measure(
        "efficiency",
        "cost_per_priority",
        "Cost per priority",
        "The full cost for each Council Plan priority the partnership serves.",
        "full cost / priorities counted; <= £{cost_per_priority_good_up_to:,.0f} good, <= "
        "£{cost_per_priority_adequate_up_to:,.0f} adequate, above: poor; not judged when the "
        "cost is unknown or no priority is counted",
    ),
    Measure(
        "effectiveness",
        "outcome_evidence",
        "Outcome evidence",
        "Whether officers say there is evidence of the partnership's outcomes.",
        "the answer to {outcome_evidence_question}: {outcome_evidence_bands}",
    ),
    Measure(
        "effectiveness",
        "achievements",
        "Achievements reported",
        "Whether any officer said what the partnership achieved in the year (the text "
        "itself is not scored).",
        "any non-blank answer to {achievements_question}: {achievements_reported}; no "
        "answer from any return: {achievements_not_reported}",
    ),
    Measure(
        "effectiveness",
        "monitoring",
        "Monitor, measure and learn",
        "The principle's band: strength good, borderline adequate, concern poor.",
        "band of principle {monitoring_principle}; not enough answers: not judged",
    ),
    Measure(
        "effectiveness",
        "objectives",
        "Objectives clear and shared",
        "The mean of officers' answers (1-5) to the statements on clear, shared objectives.",
        "mean of {objectives_statements}; >= {objectives_good_from:g} good, >= "
        "{objectives_adequate_from:g} adequate, below: poor; too few answers: not judged",
    ),
    Measure(
        "equity",
        "impact_assessment",
        "Equality impact assessment",
        "Whether an equality impact assessment has been completed.",
        "the answer to {impact_assessment_question}: {impact_assessment_bands}",
    ),
    Measure(
        "equity",
        "equality_statement",
        "Equality statement",
        "The equality score's band: strength good, borderline adequate, concern poor.",
        "band of the equality score; not enough answers: not judged",
    ),
)
MEASURES_BY_HEADING: dict[str, tuple[Measure, ...]] = {
    heading: tuple(m for m in MEASURES if m.heading == heading) for heading in HEADINGS
}


def check_value_for_money(
    vfm: ValueForMoney,
    protocol: Protocol,
    principles: list[str],
    path: Path,
    lines: dict[KeyPath, int],
) -> None:
    """Every question named exists with the right type, every option of an answer-banded
    question is banded, and every judgement rule could fire."""
    base: KeyPath = ("value_for_money",)

    def fail(location: KeyPath, problem: str) -> PipelineError:
        return PipelineError(config_error(path, (*base, *location), problem, lines))

    def question_type(key: str, location: KeyPath) -> str:
        try:
            return protocol.by_key(key).type
        except KeyError:
            raise fail(location, f"'{key}' is no question's key in protocol.yaml.") from None

    answer_banded: tuple[tuple[KeyPath, AnswerBands], ...] = (
        (("effectiveness", "outcome_evidence"), vfm.effectiveness.outcome_evidence),
        (("equity", "impact_assessment"), vfm.equity.impact_assessment),
    )
    for location, spec in answer_banded:
        if question_type(spec.question, (*location, "question")) != "single":
            raise fail((*location, "question"), f"'{spec.question}' is not a single choice.")
        options = protocol.by_key(spec.question).options
        for answer in spec.bands:
            if answer not in options:
                raise fail(
                    (*location, "bands", answer),
                    f"'{answer}' is not an option of {spec.question} ({', '.join(options)}).",
                )
        unbanded = [o for o in options if o not in spec.bands]
        if unbanded:
            raise fail(
                (*location, "bands"),
                f"option '{unbanded[0]}' of {spec.question} has no band (give it none to "
                "leave it unjudged).",
            )
    achievements = vfm.effectiveness.achievements
    location = ("effectiveness", "achievements", "question")
    if question_type(achievements.question, location) != "text":
        raise fail(location, f"'{achievements.question}' is not a free-text question.")
    principle = vfm.effectiveness.monitoring.principle
    if principle not in principles:
        raise fail(
            ("effectiveness", "monitoring", "principle"),
            f"'{principle}' is not a principle ({', '.join(principles)}).",
        )
    for index, key in enumerate(vfm.effectiveness.objectives.statements):
        location = ("effectiveness", "objectives", "statements", index)
        if question_type(key, location) != "agree5":
            raise fail(location, f"'{key}' is not an agree5 statement.")
    labels = vfm.band_order()
    judgement = vfm.judgement
    entries: list[tuple[KeyPath, str]] = [
        (("judgement", "default", "judgement"), judgement.default.judgement)
    ]
    entries += [
        (("judgement", "rules", i, "judgement"), rule.judgement)
        for i, rule in enumerate(judgement.rules)
    ]
    for location, given in entries:
        if given not in labels:
            raise fail(location, f"'{given}' is not a label ({', '.join(labels)}).")
    for i, rule in enumerate(judgement.rules):
        for j, condition in enumerate(rule.when):
            kind = JUDGEMENT_FACTS[condition.field]
            problem = condition_problem(
                condition.field,
                condition.op,
                condition.value,
                "number" if kind == "count" else "label" if kind == "band" else "bool",
                labels,
                high=len(HEADINGS),
            )
            if problem:
                raise fail(("judgement", "rules", i, "when", j, "value"), problem)
