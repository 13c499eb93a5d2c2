"""The new-partnership decision aid in toolkit.yaml (``new_partnership:``), loaded strictly (D37).

The protocol's criteria for entering a partnership ("whether or not a proposed partnership
is necessary or advantageous") and the ordered rules that choose its model (informal
network, strategic partnership, joint committee, company, pooled budget, shared service).
The questions a proposal answers reuse the survey's by key, so their wording and options
come from protocol.yaml; the proposal's own questions are defined here. The section is kept
whole on the ``Toolkit`` (``toolkit.new_partnership``); ``check_new_partnership`` refuses a
question, fact or rule that could never work, with one line naming file, key and line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from pipeline.config import KeyPath, Strict, config_error
from pipeline.errors import PipelineError
from pipeline.protocol import Protocol
from pipeline.toolkit.conditions import Kind, condition_problem

# The survey's question types a proposal may reuse (a proposal has no agreement statements,
# dates or respondent's details).
SURVEY_TYPES = ("text", "single", "multi", "money", "number")
# Facts computed from the answers, and the survey questions (by key) each one needs; the
# statutory fact needs the protocol's statutory question, named there.
COMPUTED_FACTS: dict[str, tuple[str, ...]] = {
    "statutory": (),
    "full_cost": ("cash", "in_kind", "officer_hours"),
    "leverage": ("cash", "in_kind", "officer_hours", "external_funding"),
    "priority_count": ("priorities",),
    "partner_count": ("partners",),
}
Operator = Literal["eq", "ne", "in", "lt", "le", "gt", "ge"]


class ProposalQuestion(Strict):
    """A question of the proposal form: a survey question reused by key (``survey``), or a
    proposal-only one with its own id, key (its fact's name), text, type, options and help."""

    survey: str | None = None
    id: str | None = Field(default=None, pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    key: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*$")
    text: str | None = None
    type: Literal["text", "single"] | None = None
    options: Annotated[tuple[str, ...], Field(strict=False)] = ()
    help: str = ""

    @model_validator(mode="after")
    def _one_kind(self) -> ProposalQuestion:
        own = (self.id, self.key, self.text, self.type)
        if self.survey is not None:
            if any(v is not None for v in own) or self.options or self.help:
                raise ValueError(
                    "a survey question is named by its key alone: its id, wording, options "
                    "and help come from protocol.yaml"
                )
            return self
        if any(v is None for v in own):
            raise ValueError("a proposal question needs id, key, text and type (or survey: KEY)")
        if self.type == "single" and len(self.options) < 2:
            raise ValueError("a single-choice question needs at least two options")
        if self.type == "text" and self.options:
            raise ValueError("a free-text question has no options")
        return self


class ProposalPart(Strict):
    """One part of the form: its heading and questions, in order."""

    title: str
    questions: Annotated[tuple[ProposalQuestion, ...], Field(strict=False, min_length=1)]


class ProposalCondition(Strict):
    """``field op value``, as a recommendation rule's condition; the field is a fact of the
    decision aid (a question's key or a computed fact), checked against the form at load."""

    field: str
    op: Operator
    value: bool | float | str | list[str] | list[float]


Conditions = Annotated[tuple[ProposalCondition, ...], Field(strict=False, min_length=1)]


class EntryCriterion(Strict):
    """A criterion for entering a partnership: met when every condition under ``when``
    holds, or (``any``) when every condition of one of its alternatives does."""

    label: str
    reason: str
    when: Annotated[tuple[ProposalCondition, ...], Field(strict=False)] = ()
    any: Annotated[tuple[Conditions, ...], Field(strict=False)] = ()

    @model_validator(mode="after")
    def _when_or_any(self) -> EntryCriterion:
        if bool(self.when) == bool(self.any):
            raise ValueError("give either when (all must hold) or any (alternatives), not both")
        return self

    @property
    def alternatives(self) -> tuple[tuple[ProposalCondition, ...], ...]:
        """The criterion as alternatives, each a list of conditions that must all hold."""
        return self.any or (self.when,)


class Verdict(Strict):
    """Which criteria must hold, and the verdict's three wordings."""

    must_meet: Annotated[tuple[str, ...], Field(strict=False, min_length=1)]
    met: str
    not_met: str
    not_enough: str


class PartnershipModel(Strict):
    label: str
    needs: str


class ModelRule(Strict):
    model: str
    reason: str
    when: Conditions


class ModelDefault(Strict):
    model: str
    reason: str


class ModelRules(Strict):
    default: ModelDefault
    rules: Annotated[tuple[ModelRule, ...], Field(strict=False)] = ()


class NewPartnership(Strict):
    """The decision aid: the form's parts, the answers that are no answer, the entry
    criteria and verdict, the models and the rules that choose one."""

    parts: Annotated[tuple[ProposalPart, ...], Field(strict=False, min_length=1)]
    unknown_answers: Annotated[tuple[str, ...], Field(strict=False)] = ()
    criteria: dict[str, EntryCriterion] = Field(min_length=1)
    verdict: Verdict
    models: dict[str, PartnershipModel] = Field(min_length=1)
    model_rules: ModelRules


@dataclass(frozen=True)
class FormQuestion:
    """A question as the form asks it: ID, key, wording, type, options, help and its part."""

    id: str
    key: str
    text: str
    type: str
    options: tuple[str, ...]
    help: str
    part: str
    survey: bool
    min: float | None = None
    max: float | None = None


def form_questions(section: NewPartnership, protocol: Protocol) -> tuple[FormQuestion, ...]:
    """Every question of the form in order, a survey question as protocol.yaml words it
    (call after ``check_new_partnership``)."""
    found = []
    for part in section.parts:
        for asked in part.questions:
            if asked.survey is not None:
                q = protocol.by_key(asked.survey)
                found.append(
                    FormQuestion(
                        q.id,
                        q.key,
                        q.text,
                        q.type,
                        q.options,
                        q.help,
                        part.title,
                        True,
                        q.min,
                        q.max,
                    )
                )
            else:
                assert asked.id and asked.key and asked.text and asked.type
                found.append(
                    FormQuestion(
                        asked.id,
                        asked.key,
                        asked.text,
                        asked.type,
                        asked.options,
                        asked.help,
                        part.title,
                        False,
                    )
                )
    return tuple(found)


@dataclass(frozen=True)
class FactKind:
    """What a fact holds: its kind for ``condition_problem`` and, for a label, its values."""

    kind: Kind
    labels: tuple[str, ...] = ()


def fact_kinds(section: NewPartnership, protocol: Protocol) -> dict[str, FactKind]:
    """The facts a criterion or model rule may test on this form: each single-choice, free
    text, money and number question's key, and the computed facts whose questions it asks."""
    questions = {q.key: q for q in form_questions(section, protocol)}
    unknown = set(section.unknown_answers)
    kinds: dict[str, FactKind] = {}
    for key, q in questions.items():
        if q.type == "single":
            kinds[key] = FactKind("label", tuple(o for o in q.options if o not in unknown))
        elif q.type == "text":
            kinds[key] = FactKind("bool")
        elif q.type in ("money", "number"):
            kinds[key] = FactKind("number")
    statutory = protocol.question(protocol.statutory_condition_question).key
    for fact, needs in COMPUTED_FACTS.items():
        needed = (statutory,) if fact == "statutory" else needs
        if all(key in questions for key in needed):
            kinds[fact] = FactKind("bool" if fact == "statutory" else "number")
    return kinds


def _check_questions(
    section: NewPartnership, protocol: Protocol, fail: Callable[[KeyPath, str], PipelineError]
) -> None:
    ids: dict[str, KeyPath] = {}
    keys: dict[str, KeyPath] = {}
    protocol_ids, protocol_keys = set(protocol.ids), set(protocol.keys)
    for p, part in enumerate(section.parts):
        for n, asked in enumerate(part.questions):
            where: KeyPath = ("parts", p, "questions", n)
            if asked.survey is not None:
                try:
                    q = protocol.by_key(asked.survey)
                except KeyError:
                    raise fail(
                        (*where, "survey"),
                        f"'{asked.survey}' is no question's key in protocol.yaml.",
                    ) from None
                if q.personal or q.type not in SURVEY_TYPES:
                    raise fail(
                        (*where, "survey"),
                        f"'{asked.survey}' is a {'personal' if q.personal else q.type} question: "
                        f"a proposal reuses {', '.join(SURVEY_TYPES)} questions only.",
                    )
                question_id, key = q.id, q.key
            else:
                assert asked.id and asked.key
                question_id, key = asked.id, asked.key
                if question_id in protocol_ids:
                    raise fail(
                        (*where, "id"),
                        f"'{question_id}' is a question ID in protocol.yaml: give the "
                        "proposal's own questions their own IDs (N1...).",
                    )
                if key in protocol_keys or key in COMPUTED_FACTS:
                    raise fail(
                        (*where, "key"),
                        f"'{key}' is already a question's key in protocol.yaml or a computed "
                        "fact: reuse it with survey: KEY, or name this one apart.",
                    )
            for seen, name, field in ((ids, question_id, "id"), (keys, key, "key")):
                if name in seen:
                    raise fail(where, f"{field} '{name}' is asked twice in the form.")
                seen[name] = where
    for index, answer in enumerate(section.unknown_answers):
        if not answer.strip():
            raise fail(("unknown_answers", index), "a blank answer is no answer already.")


def _check_conditions(
    conditions: tuple[ProposalCondition, ...],
    kinds: dict[str, FactKind],
    where: KeyPath,
    fail: Callable[[KeyPath, str], PipelineError],
) -> None:
    for index, condition in enumerate(conditions):
        found = kinds.get(condition.field)
        if found is None:
            raise fail(
                (*where, index, "field"),
                f"'{condition.field}' is no fact of the decision aid (the form's question keys "
                f"and computed facts: {', '.join(sorted(kinds))}).",
            )
        problem = condition_problem(
            condition.field, condition.op, condition.value, found.kind, found.labels
        )
        if problem:
            raise fail((*where, index, "value"), problem)


def check_new_partnership(
    section: NewPartnership, protocol: Protocol, path: Path, lines: dict[KeyPath, int]
) -> None:
    """Every question reused exists and suits a proposal, IDs and keys are unique, every
    condition tests a fact the form gives with an operator and value that could hold, and
    every criterion and model named is listed."""
    base: KeyPath = ("new_partnership",)

    def fail(location: KeyPath, problem: str) -> PipelineError:
        return PipelineError(config_error(path, (*base, *location), problem, lines))

    _check_questions(section, protocol, fail)
    kinds = fact_kinds(section, protocol)
    for name, criterion in section.criteria.items():
        if criterion.when:
            _check_conditions(criterion.when, kinds, ("criteria", name, "when"), fail)
        for a, alternative in enumerate(criterion.any):
            _check_conditions(alternative, kinds, ("criteria", name, "any", a), fail)
    for index, name in enumerate(section.verdict.must_meet):
        if name not in section.criteria:
            raise fail(
                ("verdict", "must_meet", index),
                f"'{name}' is not a criterion ({', '.join(section.criteria)}).",
            )
    rules = section.model_rules
    chosen: list[tuple[KeyPath, str]] = [(("model_rules", "default", "model"), rules.default.model)]
    chosen += [(("model_rules", "rules", i, "model"), r.model) for i, r in enumerate(rules.rules)]
    for location, model in chosen:
        if model not in section.models:
            raise fail(location, f"'{model}' is not a model ({', '.join(section.models)}).")
    for i, rule in enumerate(rules.rules):
        _check_conditions(rule.when, kinds, ("model_rules", "rules", i, "when"), fail)
    never = [name for name in section.models if name not in {m for _, m in chosen}]
    if never:
        raise fail(
            ("models", never[0]),
            "no rule and not the default chooses this model: add a rule or remove it.",
        )
