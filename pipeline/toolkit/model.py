"""The evaluation toolkit in force: config/toolkit.yaml, loaded strictly (decision D15).

Every scoring number, band, weight, criterion, action and recommendation rule is read here
into a frozen ``Toolkit`` and checked against the protocol before anything runs.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from pipeline import palette, paths
from pipeline.config import KeyPath, Strict, config_error, key_path, load_model_with_lines
from pipeline.errors import PipelineError
from pipeline.protocol import Protocol, Question
from pipeline.protocol import load as load_protocol
from pipeline.toolkit import governance as governance_section
from pipeline.toolkit.checklist_model import Checklists, check_checklists
from pipeline.toolkit.conditions import condition_problem
from pipeline.toolkit.governance import Governance, Risk
from pipeline.toolkit.new_partnership import NewPartnership, check_new_partnership
from pipeline.toolkit.value_model import ValueForMoney, check_value_for_money

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
    # value for money (value_model.py): the judgement and each heading's band
    "vfm_judgement": "vfm_band",
    "vfm_economy_band": "vfm_band",
    "vfm_efficiency_band": "vfm_band",
    "vfm_effectiveness_band": "vfm_band",
    "vfm_equity_band": "vfm_band",
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
    "vfm_judgement",
    "vfm_economy_band",
    "vfm_efficiency_band",
    "vfm_effectiveness_band",
    "vfm_equity_band",
]
Operator = Literal["eq", "ne", "in", "lt", "le", "gt", "ge"]
_PLACEHOLDER = string.Formatter()
# Words dropped from partnership names before matching (pipeline/matching.py).
STOP_WORDS = frozenset({"and", "of", "for", "the", "on", "in", "to", "a"})
_WORD_BREAK = re.compile(r"[\W_]+")


# --- toolkit.yaml, as pydantic models (unknown keys are errors) -----------------------


# --- the instrument: domains, scale, how answers combine, bands (must-have 8) ---------

Meaning = Literal["concern", "borderline", "strength"]
MEANINGS: tuple[str, ...] = ("concern", "borderline", "strength")  # worst to best


class Domain(Strict):
    """One domain of the instrument (a principle of partnership working): its name, and its
    weight in the overall score. Its statements are the protocol's questions that name it
    under ``principle:``."""

    name: str
    weight: float = Field(ge=0)


class Band(Strict):
    """A half-open band: a score from ``from`` up to the next band's ``from`` (the last band
    runs to the top of the reachable range). ``means`` is what the band counts as wherever
    the toolkit counts or colours by meaning (principles of concern, the report's colours)."""

    model_config = ConfigDict(populate_by_name=True)

    start: float = Field(alias="from")
    label: str
    means: Meaning


class Instrument(Strict):
    """The principles instrument: officers rate statements on a scale; a domain's statements
    combine into its score, the domains into the overall score, and each score is banded.

    - statements ``mean``: a domain's score is the mean of all its answers over the
      partnership's returns (each answer counts once).
    - statements ``sum``: that mean times the number of the domain's statements, i.e. one
      officer's total when every statement is answered; with several officers it is the
      mean of their totals, and an unanswered statement counts as the mean of the others'
      answers, never as zero (so the score does not grow with the number of returns).
    - overall ``weighted_mean``: sum(weight x domain score) / sum(weight) over the domains
      that have a score.
    - overall ``sum``: sum(weight x domain score) over all domains; "not enough answers"
      when any domain has none (a partial total would fall in a lower band).
    - a domain with fewer than ``min_answers`` answers has no score ("not enough answers").
    - officers disagree on a domain when their own mean answers to its statements are at
      least ``disagree_from`` points apart (see ``officer_spread`` in scoring).
    """

    scale: str
    statements: Literal["mean", "sum"]
    overall: Literal["weighted_mean", "sum"]
    min_answers: int = Field(ge=1)
    disagree_from: float = Field(gt=0)
    domains: dict[str, Domain] = Field(min_length=1)
    domain_bands: Annotated[tuple[Band, ...], Field(strict=False, min_length=1)]
    overall_bands: Annotated[tuple[Band, ...], Field(strict=False, min_length=1)]
    not_enough_answers: str

    @property
    def weights(self) -> dict[str, float]:
        """Each domain's share of the overall weight (they sum to 1)."""
        total = sum(d.weight for d in self.domains.values())
        return {code: d.weight / total for code, d in self.domains.items()}

    def meaning_of(self, label: str) -> str:
        """What a band label means (strength, borderline, concern), or "none" for the
        not-enough-answers label. Labels mean the same in every band list (checked at load)."""
        if label == self.not_enough_answers:
            return "none"
        for band in (*self.domain_bands, *self.overall_bands):
            if band.label == label:
                return band.means
        raise KeyError(label)

    def meanings(self) -> dict[str, str]:
        """Every band label (domain and overall) -> its meaning; the none label -> "none"."""
        found = {b.label: b.means for b in (*self.domain_bands, *self.overall_bands)}
        return {**found, self.not_enough_answers: "none"}

    def first_label(self, meaning: str) -> str:
        """The label of the lowest domain band with this meaning (or the none label)."""
        if meaning == "none":
            return self.not_enough_answers
        return next(b.label for b in self.domain_bands if b.means == meaning)

    def first_from(self, meaning: str) -> float:
        """Where the lowest domain band with this meaning starts."""
        return next(b.start for b in self.domain_bands if b.means == meaning)

    def describe(self) -> dict[str, str]:
        """Each measure in plain English with its formula, for the method and docs."""
        combine = {
            "mean": "the mean of all its answers over the partnership's returns",
            "sum": "the mean of its answers times its number of statements (one officer's "
            "total; with several officers, the mean of their totals)",
        }[self.statements]
        overall = {
            "weighted_mean": "the weighted mean of the domains that have a score "
            "(sum of weight x score / sum of weight)",
            "sum": "the sum of weight x score over every domain (none unless every domain "
            "has a score)",
        }[self.overall]

        def bands(listed: tuple[Band, ...]) -> str:
            return ", ".join(f"{b.label} ({b.means}) from {b.start:g}" for b in listed)

        return {
            "domain score": f"A domain's score is {combine}, with at least "
            f"{self.min_answers} answer(s); otherwise '{self.not_enough_answers}'.",
            "overall score": f"The overall score is {overall}.",
            "domain bands": f"Half-open: {bands(self.domain_bands)}.",
            "overall bands": f"Half-open: {bands(self.overall_bands)}.",
            "officers disagree": "Officers disagree on a domain when the highest and lowest "
            "officer's own mean answer to its statements are at least "
            f"{self.disagree_from:g} points apart (needs two officers answering).",
        }


class _Finance(Strict):
    officer_hourly_cost: float = Field(ge=0)
    months_per_year: int = Field(ge=1, le=12)


class _Equality(Strict):
    """The equality statement, scored on its own: the mean of its answers, from
    ``min_answers`` answers (a one-statement measure can be scored from one return), banded
    by ``bands`` or, when not given, by the instrument's domain bands."""

    question: str
    impact_assessment: str
    min_answers: int = Field(ge=1)
    bands: Annotated[tuple[Band, ...], Field(strict=False, min_length=1)] | None = None


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
        if ";" in self.label:
            raise ValueError(
                "label may not hold ';': the criteria a partnership meets are listed joined by '; '"
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
    colour: str
    attention: bool = False

    @field_validator("colour")
    @classmethod
    def _in_palette(cls, colour: str) -> str:
        if not palette.in_palette(colour):
            raise ValueError(
                f"{colour!r} is not a colour of the chart palette: use one of "
                + " ".join(palette.PALETTE)
            )
        return colour


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


class RealWords(Strict):
    """When two words are two words, never a typo of one another (decision D7)."""

    zipf_from: float = Field(ge=0, le=8)  # both at least this common in English (wordfreq)
    officers_from: int = Field(ge=2)  # both typed in names by at least this many officers


class NameEvidence(Strict):
    """How the other answers under two names move the pair's word score (decision D7)."""

    applies_from: float = Field(ge=50, le=100)  # word score from which evidence counts
    partners: float = Field(ge=0, le=10)  # added x the share of partners named under both
    directorate: float = Field(ge=0, le=10)  # added when one directorate reported both
    service: float = Field(ge=0, le=10)  # added when one service reported both
    against: float = Field(ge=0, le=10)  # taken off when no directorate and no partner shared


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
    real_words: RealWords
    evidence: NameEvidence

    @model_validator(mode="after")
    def _ordered(self) -> _Matching:
        if self.unsure_from > self.same_at:
            raise ValueError("unsure_from must not be above same_at")
        if self.evidence.applies_from >= self.same_at:
            raise ValueError(
                "evidence.applies_from must be below same_at, or evidence never counts"
            )
        for acronym in self.acronyms:
            if not acronym.isalpha() or not 2 <= len(acronym) <= 8:
                raise ValueError(f"acronym '{acronym}' must be 2 to 8 letters")
        return self


class _Consolidation(Strict):
    cautious_first: Annotated[tuple[str, ...], Field(strict=False)]
    lead_roles: Annotated[tuple[str, ...], Field(strict=False)]
    exit_answer: str
    named_share: float = Field(
        gt=0,
        le=1,
        description=(
            "Counting rule: an answer (a Council Plan priority; a pooled budget or funds "
            "held) counts for a partnership when named by at least this share of its "
            "returns that answer the question, or by at least this share of its lead "
            "officers' returns. Counts = named / answering >= named_share (exactly the "
            "share counts), so they do not grow with the number of returns."
        ),
    )


class MoneyHeld(Strict):
    """Money the council holds for others, and shared services (decision D7).

    A partnership has a pooled budget (or the council is the accountable body for its
    funds) when its consolidated answer to that question is ``held_answer``; the answer is
    consolidated by the counting rule (``consolidation.named_share``, or the lead officers).
    Shared services are the partnerships whose type is one of ``shared_service_types``.
    """

    pooled_budget: str = Field(
        description="The question (key) asking whether there is a pooled budget."
    )
    accountable_body: str = Field(
        description="The question (key) asking whether the council is the accountable body "
        "for the partnership's funds."
    )
    held_answer: str = Field(description="The answer that says the money is there.")
    shared_service_types: Annotated[tuple[str, ...], Field(strict=False, min_length=1)] = Field(
        description="partnership_type answers reported as shared services."
    )

    @property
    def questions(self) -> tuple[str, str]:
        """The two money questions, by key: pooled budget, accountable body."""
        return (self.pooled_budget, self.accountable_body)


class _ToolkitFile(Strict):
    toolkit_version: int
    instrument: Instrument
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
    money_held: MoneyHeld
    value_for_money: ValueForMoney
    new_partnership: NewPartnership
    checklists: Checklists


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
    instrument: Instrument
    governance: Governance  # the headings and their evidence (governance.py)
    officer_hourly_cost: float
    months_per_year: int
    risk_order: tuple[str, ...]
    equality_question: str
    impact_assessment_question: str
    equality_min_answers: int
    equality_bands: tuple[Band, ...]
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
    real_words: RealWords
    name_evidence: NameEvidence
    cautious_first: tuple[str, ...]
    material_cost_change: float
    lead_roles: tuple[str, ...]
    exit_answer: str
    value_for_money: ValueForMoney
    source: Path
    risk: Risk  # the levels, what makes a risk uncontrolled, the main-risks question
    named_share: float  # consolidation.named_share: the counting rule (decision D7)
    money_held: MoneyHeld  # money held for others and shared services (decision D7)
    new_partnership: NewPartnership  # the new-partnership decision aid (decision D37)
    checklists: Checklists  # the checklists for a partnership's life (decision D35)

    # The instrument as the rest of the code read it before it was configurable: the
    # domains are the principles, and each meaning's band starts where its lowest band does.

    @property
    def principles(self) -> dict[str, str]:
        """Domain (principle) code -> name, in the toolkit's order."""
        return {code: domain.name for code, domain in self.instrument.domains.items()}

    @property
    def principle_weights(self) -> dict[str, float]:
        """Each domain's share of the overall weight (they sum to 1)."""
        return self.instrument.weights

    @property
    def min_answers(self) -> int:
        """The fewest answers a domain (principle) score needs."""
        return self.instrument.min_answers

    @property
    def strength_from(self) -> float:
        return self.instrument.first_from("strength")

    @property
    def borderline_from(self) -> float:
        return self.instrument.first_from("borderline")

    @property
    def band_labels(self) -> dict[str, str]:
        """Meaning (strength, borderline, concern, none) -> the label of its lowest domain band."""
        return {m: self.instrument.first_label(m) for m in (*reversed(MEANINGS), "none")}

    def band_meanings(self) -> dict[str, str]:
        """Every band label in force (instrument and equality) -> strength, borderline or
        concern: what the report colours by."""
        listed = (*self.instrument.domain_bands, *self.instrument.overall_bands)
        return {b.label: b.means for b in (*self.equality_bands, *listed)}

    @property
    def action_order(self) -> list[str]:
        """Action names in the order the report lists them."""
        return list(self.actions)


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
    """Every question the toolkit names by key exists, and every answer it names is one of
    that question's options (the instrument's domains: ``_check_instrument``)."""

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
    check_checklists(model.checklists, model.governance, fail)
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
    held = model.money_held
    for name in ("pooled_budget", "accountable_body"):
        where: KeyPath = ("money_held", name)
        if question(getattr(held, name), where).type != "single":
            raise fail(where, f"'{getattr(held, name)}' is not a single-choice question.")
        options(getattr(held, name), (held.held_answer,), ("money_held", "held_answer"))
    options("partnership_type", held.shared_service_types, ("money_held", "shared_service_types"))
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
    if criteria.priorities is not None:
        offered = len(question("priorities", ("key_partnerships", "criteria")).options)
        if criteria.priorities.min_priorities > offered:
            raise fail(
                ("key_partnerships", "criteria", "priorities", "min_priorities"),
                f"is {criteria.priorities.min_priorities} but the priorities question has "
                f"{offered} options: no partnership could serve that many.",
            )


def _reachable(
    instrument: Instrument, protocol: Protocol, fail: Any
) -> tuple[tuple[float, float], tuple[float, float], tuple[float, float]]:
    """The lowest and highest score a statement, a domain and the overall score can take."""
    values = protocol.agree5.values()
    statement = (float(min(values)), float(max(values)))
    if instrument.statements == "mean":
        domain = statement
    else:
        counts = {code: len(keys) for code, keys in protocol.principles.items()}
        if len(set(counts.values())) > 1:
            sizes = ", ".join(f"{code} has {n}" for code, n in counts.items())
            raise fail(
                ("instrument", "statements"),
                "summed statements need every domain to have the same number of statements, "
                f"so that one set of domain bands fits them all ({sizes}).",
            )
        size = next(iter(counts.values()))
        domain = (size * statement[0], size * statement[1])
    if instrument.overall == "weighted_mean":
        overall = domain
    else:
        total = sum(d.weight for d in instrument.domains.values())
        overall = (round(total * domain[0], 9), round(total * domain[1], 9))
    return statement, domain, overall


def domain_range(instrument: Instrument, protocol: Protocol) -> tuple[float, float]:
    """The lowest and highest score a domain (principle) can take: the scale's ends, times
    the statements per domain when they are summed (the range its bands are checked on)."""

    def fail(location: KeyPath, problem: str) -> PipelineError:
        return PipelineError(f"toolkit.yaml: {key_path(location)}: {problem}")

    return _reachable(instrument, protocol, fail)[1]


def _check_bands(
    bands: tuple[Band, ...],
    reach: tuple[float, float],
    location: KeyPath,
    none_label: str,
    fail: Any,
) -> None:
    """Bands start at the lowest reachable score, rise, stay within reach, run from concern
    up to strength, and have distinct labels (none of them the not-enough-answers label)."""
    low, high = reach
    if bands[0].start != low:
        raise fail(
            (*location, 0, "from"),
            f"the first band must start at the lowest score that can be reached, {low:g}, "
            "so that every score has a band.",
        )
    seen: set[str] = set()
    for index, band in enumerate(bands):
        where: KeyPath = (*location, index)
        if index and band.start <= bands[index - 1].start:
            raise fail(
                (*where, "from"),
                f"bands are listed lowest first: {band.start:g} is not above the previous "
                f"band's {bands[index - 1].start:g}.",
            )
        if band.start > high:
            raise fail(
                (*where, "from"),
                f"{band.start:g} is above the highest score that can be reached, {high:g}: "
                "no score would fall in this band.",
            )
        if index and MEANINGS.index(band.means) < MEANINGS.index(bands[index - 1].means):
            raise fail(
                (*where, "means"),
                f"a band meaning {band.means} cannot be above one meaning "
                f"{bands[index - 1].means}: bands run from concern up to strength.",
            )
        if band.label in seen or band.label == none_label:
            raise fail((*where, "label"), f"'{band.label}' is already a band's label.")
        seen.add(band.label)


def _check_instrument(
    model: _ToolkitFile, protocol: Protocol, path: Path, lines: dict[KeyPath, int]
) -> None:
    """The instrument fits the protocol's statements and every band can be reached."""

    def fail(location: KeyPath, problem: str) -> PipelineError:
        return PipelineError(config_error(path, location, problem, lines))

    instrument = model.instrument
    if instrument.scale != "agree5":
        raise fail(
            ("instrument", "scale"),
            f"'{instrument.scale}' is no scale in protocol.yaml (agree5).",
        )
    if set(instrument.domains) != set(protocol.principles):
        raise fail(
            ("instrument", "domains"),
            f"the domains are {', '.join(instrument.domains)} but protocol.yaml's statements "
            f"measure {', '.join(protocol.principles)}.",
        )
    for keys in protocol.principles.values():
        for key in keys:
            if protocol.by_key(key).type != instrument.scale:
                raise fail(
                    ("instrument", "scale"),
                    f"'{key}' names a domain in protocol.yaml but is not an "
                    f"{instrument.scale} statement.",
                )
    if sum(d.weight for d in instrument.domains.values()) <= 0:
        raise fail(("instrument", "domains"), "weights must add up to more than 0.")
    statement, domain, overall = _reachable(instrument, protocol, fail)
    if instrument.disagree_from > statement[1] - statement[0]:
        raise fail(
            ("instrument", "disagree_from"),
            f"officers' answers are at most {statement[1] - statement[0]:g} points apart, so "
            f"a spread of {instrument.disagree_from:g} would never be reached.",
        )
    none_label = instrument.not_enough_answers
    _check_bands(instrument.domain_bands, domain, ("instrument", "domain_bands"), none_label, fail)
    missing = [m for m in MEANINGS if m not in {b.means for b in instrument.domain_bands}]
    if missing:
        raise fail(
            ("instrument", "domain_bands"),
            f"no band means {missing[0]}: the domain bands need a band for each of "
            f"{', '.join(MEANINGS)}.",
        )
    _check_bands(
        instrument.overall_bands, overall, ("instrument", "overall_bands"), none_label, fail
    )
    if model.equality.bands is not None:
        _check_bands(model.equality.bands, statement, ("equality", "bands"), none_label, fail)
    elif domain != statement:
        raise fail(
            ("equality",),
            f"the domain bands run {domain[0]:g}-{domain[1]:g} but the equality score "
            f"{statement[0]:g}-{statement[1]:g}: give equality its own bands.",
        )
    meaning: dict[str, tuple[str, KeyPath]] = {}
    listed: list[tuple[KeyPath, tuple[Band, ...]]] = [
        (("instrument", "domain_bands"), instrument.domain_bands),
        (("instrument", "overall_bands"), instrument.overall_bands),
        (("equality", "bands"), model.equality.bands or ()),
    ]
    for location, bands in listed:
        for index, band in enumerate(bands):
            first = meaning.setdefault(band.label, (band.means, (*location, index)))
            if first[0] != band.means:
                raise fail(
                    (*location, index, "means"),
                    f"'{band.label}' means {first[0]} at {key_path(first[1])}: a label means "
                    "the same in every list of bands.",
                )


def _check_rules(model: _ToolkitFile, path: Path, lines: dict[KeyPath, int]) -> None:
    """A rule that could never fire is a typo: its action, operator and value must fit."""
    instrument = model.instrument
    every = [*instrument.domain_bands, *instrument.overall_bands, *(model.equality.bands or ())]
    labels = list(dict.fromkeys(b.label for b in every)) + [instrument.not_enough_answers]
    allowed = {
        "band": labels,
        "overall_band": [b.label for b in instrument.overall_bands]
        + [instrument.not_enough_answers],
        # governance is banded by each meaning's lowest domain band label, and is "not
        # enough answers" when the survey asked none of its evidence
        "governance_band": [instrument.first_label(m) for m in reversed(MEANINGS)]
        + [instrument.not_enough_answers],
        "risk": list(model.risk.order),
        "vfm_band": model.value_for_money.band_order(),
    }
    ranges = {  # the values a numeric fact can take
        "officer_exit_share": (0.0, 1.0),
        "principles_of_concern": (0.0, float(len(instrument.domains))),
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
            if condition.field in ("governance_band", "overall_band"):
                kind = condition.field
            low, high = ranges.get(condition.field, (0.0, float("inf")))
            problem = condition_problem(
                condition.field,
                condition.op,
                condition.value,
                "bool" if kind == "bool" else "number" if kind == "number" else "label",
                allowed.get(kind, ()),
                low,
                high,
            )
            if problem:
                raise PipelineError(config_error(path, (*where, "value"), problem, lines))


def _check_acronyms(matching: _Matching, path: Path, lines: dict[KeyPath, int]) -> None:
    """Each acronym expands to words that tell a partnership apart: an empty expansion
    would make the acronym vanish from a name, one of generic, ignore or stop words alone
    ("Partnership Board") would make it match every partnership of that kind."""
    synonyms = {k.casefold(): v.casefold() for k, v in matching.synonyms.items()}
    weak = {w.casefold() for w in (*matching.generic_words, *matching.ignore_words)}
    for acronym, expansion in matching.acronyms.items():
        folded = expansion.casefold().replace("'", "").replace("\u2019", "")
        words = [synonyms.get(w, w) for w in _WORD_BREAK.sub(" ", folded).split()]
        if not words:
            problem = "expands to no words: write what the acronym stands for."
        elif all(w in weak or w in STOP_WORDS for w in words):
            problem = (
                f"expands to '{expansion}', only generic or ignored words: it would match "
                "every partnership of that kind. Write what the acronym stands for."
            )
        else:
            continue
        raise PipelineError(config_error(path, ("matching", "acronyms", acronym), problem, lines))


def load(root: Path | str | None = None, protocol: Protocol | None = None) -> Toolkit:
    """Read config/toolkit.yaml once, strictly, and check it against the protocol.

    Every problem (an unknown or misspelt key, a wrong type, a rule that could never fire,
    a question key or answer the protocol does not have) is one line naming file, key and line.
    """
    path = paths.toolkit_file(root)
    model, lines = load_model_with_lines(path, _ToolkitFile)
    questionnaire = protocol or load_protocol(root)
    _check_against_protocol(model, questionnaire, path, lines)
    _check_instrument(model, questionnaire, path, lines)
    _check_rules(model, path, lines)
    _check_acronyms(model.matching, path, lines)
    check_value_for_money(
        model.value_for_money, questionnaire, list(model.instrument.domains), path, lines
    )
    check_new_partnership(model.new_partnership, questionnaire, path, lines)
    matching = model.matching
    return Toolkit(
        version=model.toolkit_version,
        instrument=model.instrument,
        governance=model.governance,
        officer_hourly_cost=model.finance.officer_hourly_cost,
        months_per_year=model.finance.months_per_year,
        risk_order=model.risk.order,
        equality_question=model.equality.question,
        impact_assessment_question=model.equality.impact_assessment,
        equality_min_answers=model.equality.min_answers,
        equality_bands=model.equality.bands or model.instrument.domain_bands,
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
        real_words=matching.real_words,
        name_evidence=matching.evidence,
        cautious_first=model.consolidation.cautious_first,
        material_cost_change=model.changes.material_cost_change,
        lead_roles=model.consolidation.lead_roles,
        exit_answer=model.consolidation.exit_answer,
        value_for_money=model.value_for_money,
        source=path,
        named_share=model.consolidation.named_share,
        money_held=model.money_held,
        risk=model.risk,
        new_partnership=model.new_partnership,
        checklists=model.checklists,
    )
