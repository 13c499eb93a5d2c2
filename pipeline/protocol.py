"""The questionnaire as data: loads config/protocol.yaml, strictly, into frozen models.

Every question has a stable ID (the survey's own record: returns and validation tables use
it) and a stable ``key`` that says what it means (``risk_level``, ``cash``). From
consolidation onward the pipeline names columns by key and never by ID, so a council can
renumber its questionnaire without a code change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

import pandas as pd
from pydantic import Field, field_validator, model_validator

from pipeline import paths
from pipeline.config import Strict, config_error, load_model_with_lines
from pipeline.errors import PipelineError

# Rules whose failure can never be let through (decision D2): their severity is fixed.
ALWAYS_ERRORS = ("duplicate", "table", "unique_accepted")
QuestionType = Literal["text", "email", "single", "multi", "date", "money", "number", "agree5"]
QUESTION_TYPES: tuple[str, ...] = QuestionType.__args__  # type: ignore[attr-defined]
_KEY = r"^[a-z][a-z0-9_]*$"

# The questions whose meaning the code relies on, by key, with the types it reads them as.
# A protocol without one of them cannot be consolidated or scored: it fails when loaded.
NEEDED_KEYS: dict[str, tuple[str, ...]] = {
    "respondent_name": ("text",),
    "respondent_email": ("email", "text"),
    "directorate": ("single",),
    "service": ("text",),
    "partnership_name": ("text",),
    "partners": ("text",),
    "partnership_type": ("single",),
    "legal_form": ("single",),
    "statutory_requirement": ("single",),
    "statutory_basis": ("text",),
    "council_role": ("single",),
    "reporting_line": ("text",),
    "last_reviewed": ("date",),
    "cash": ("money",),
    "in_kind": ("money",),
    "officer_hours": ("number",),
    "external_funding": ("money",),
    "priorities": ("multi",),
    "risk_level": ("single",),
    "officer_recommendation": ("single",),
}


# Names the pipeline gives columns of its own (provenance, the registry's and the
# evaluation's derived columns): a question key may not take one, or it would overwrite it.
RESERVED_NAMES = frozenset(
    {
        *("response_id", "submitted_at", "source_file", "source_row", "row_key", "complete"),
        *("parse_errors", "parse_warnings", "duplicate_of", "partnership_id", "partnership"),
        *("name", "returns", "names_reported", "cash_missing", "in_kind_missing"),
        *("officer_hours_missing", "cost_missing_returns", "priority_count"),
        *("possible_double_count", "officer_exit_share", "overall_score", "overall_band"),
        *("principles_of_concern", "equality_score", "equality_answers", "equality_band"),
        *("officer_time_cost", "full_cost", "leverage", "statutory"),
        *("governance_completeness", "governance_band", "governance_missing"),
        *("governance_evidenced", "governance_asked", "uncontrolled_risk"),
        *("risk_controls_missing",),
        *("key_partnership", "key_criteria", "action", "action_reason", "action_rule"),
        *("officers_disagree_on", "officers_disagree_count"),
        "priorities_named_by_any",
        # value for money (pipeline/toolkit/value_for_money.py COLUMNS)
        *("vfm_cost_known", "vfm_cash_share", "vfm_in_kind_share", "vfm_officer_time_share"),
        *("vfm_type_costed", "vfm_type_median_cost", "vfm_cost_ratio", "vfm_economy_score"),
        *("vfm_economy_band", "vfm_cost_per_priority", "vfm_efficiency_score"),
        *("vfm_efficiency_band", "vfm_achievements_reported", "vfm_objectives_score"),
        *("vfm_objectives_answers", "vfm_effectiveness_score", "vfm_effectiveness_band"),
        *("vfm_equity_score", "vfm_equity_band", "vfm_measures", "vfm_judgement"),
        *("vfm_reason", "vfm_rule"),
    }
)


class Question(Strict):
    """One survey question: its stable ID and key, the year's wording, how answers are read."""

    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    key: str = Field(pattern=_KEY)
    section: str
    text: str
    type: QuestionType
    options: Annotated[tuple[str, ...], Field(strict=False)] = ()
    required: bool = False
    personal: bool = False
    principle: str | None = None
    help: str = ""
    min: float | None = None
    max: float | None = None

    @field_validator("options", mode="before")
    @classmethod
    def _options_as_text(cls, value: object) -> object:
        # YAML reads an unquoted Yes/No as a boolean; the survey's options are always text.
        if isinstance(value, list):
            return [str(v) if not isinstance(v, bool) else ("Yes" if v else "No") for v in value]
        return value


class Rule(Strict):
    """A validation rule and its severity: error quarantines the row, warning counts it."""

    severity: Literal["error", "warning"]
    description: str
    name: str = ""


class _Rules(Strict):
    required: Rule
    parse_error: Rule
    late_submission: Rule
    duplicate: Rule
    option_set: Rule
    multi_option_set: Rule
    agree5_range: Rule
    range: Rule
    date_not_in_future: Rule
    email_format: Rule
    table: Rule
    unique_accepted: Rule
    statutory_basis: Rule


class _StatutoryBasis(Strict):
    question: str
    when_question: str
    when_starts_with: str


class _Validation(Strict):
    rules: _Rules
    email_pattern: str
    statutory_basis: _StatutoryBasis


class _Scales(Strict):
    agree5: dict[str, int]
    agree5_missing: Annotated[tuple[str, ...], Field(strict=False)] = ()


class _ColumnMatching(Strict):
    fuzzy_threshold: float = Field(ge=0, le=100)


class _Money(Strict):
    zero_words: Annotated[tuple[str, ...], Field(strict=False)]
    missing_words: Annotated[tuple[str, ...], Field(strict=False)]
    approximate_words: Annotated[tuple[str, ...], Field(strict=False)]


class _LargestAnswer(Strict):
    """The furthest from zero a number in one answer may be, per answer type (D23)."""

    money: float = Field(gt=0, allow_inf_nan=False)
    number: float = Field(gt=0, allow_inf_nan=False)


class PrefillField(Strict):
    """What the registry or evaluation says for one line of an agreement's section: the
    column (by its name in tables.py's evaluation contract, or a single-choice question's
    key), its label, and, when given, the answers that need no action (any other is a gap,
    worded by ``gap``)."""

    field: str = Field(pattern=_KEY)
    label: str = Field(min_length=1)
    expect: Annotated[tuple[str, ...], Field(strict=False, min_length=1)] | None = None
    gap: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _gap_with_expect(self) -> PrefillField:
        if (self.expect is None) != (self.gap is None):
            raise ValueError(
                "expect and gap go together: the answers that need no action, "
                "and the words of the gap when the answer is another"
            )
        return self


class AgreementSection(Strict):
    """One section of the partnership agreement: its heading, the guidance officers and
    legal services read, what pre-fills it, what the survey cannot tell (``to_complete``),
    and whether the parties' signature table goes under it."""

    heading: str = Field(min_length=1)
    guidance: str = Field(min_length=1)
    prefill: Annotated[tuple[PrefillField, ...], Field(strict=False)] = ()
    to_complete: str | None = Field(default=None, min_length=1)
    signatures: bool = False


class Agreement(Strict):
    """protocol.yaml ``agreement:``: the template's title, how to use it, and its sections."""

    title: str = Field(min_length=1)
    how_to_use: Annotated[tuple[str, ...], Field(strict=False, min_length=1)]
    sections: Annotated[tuple[AgreementSection, ...], Field(strict=False, min_length=1)]

    @model_validator(mode="after")
    def _one_signature_table(self) -> Agreement:
        headings = [section.heading for section in self.sections]
        twice = sorted({h for h in headings if headings.count(h) > 1})
        if twice:
            raise ValueError(f"two sections are headed '{twice[0]}': give each its own")
        if sum(section.signatures for section in self.sections) != 1:
            raise ValueError("exactly one section has signatures: true (the signature table)")
        return self


class _ProtocolFile(Strict):
    protocol_version: int
    scales: _Scales
    column_matching: _ColumnMatching
    money: _Money
    largest_answer: _LargestAnswer
    questions: Annotated[tuple[Question, ...], Field(strict=False, min_length=1)]
    aliases: dict[int, dict[str, str]] = {}
    validation: _Validation
    agreement: Agreement


@dataclass(frozen=True)
class Protocol:
    """The whole questionnaire plus how headers, money and answers are read and checked."""

    version: int
    questions: tuple[Question, ...]
    agree5: dict[str, int]
    agree5_missing: tuple[str, ...]
    fuzzy_threshold: float
    money_zero_words: tuple[str, ...]
    money_missing_words: tuple[str, ...]
    approximate_words: tuple[str, ...]
    largest_answer: dict[str, float]  # answer type (money, number) -> its bound (D23)
    aliases: dict[int, dict[str, str]]
    rules: dict[str, Rule]
    email_pattern: str
    statutory_question: str
    statutory_condition_question: str
    statutory_condition_prefix: str
    source: Path = field(compare=False, default=Path("protocol.yaml"))
    agreement: Agreement | None = None  # the agreement template's sections (decision D35)

    @property
    def ids(self) -> list[str]:
        return [q.id for q in self.questions]

    @property
    def keys(self) -> list[str]:
        return [q.key for q in self.questions]

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    def by_key(self, key: str) -> Question:
        """The question with this key (what it means), whatever its number this year."""
        for q in self.questions:
            if q.key == key:
                return q
        raise KeyError(key)

    def id_of(self, key: str) -> str:
        return self.by_key(key).id

    def of_type(self, *types: str) -> list[Question]:
        return [q for q in self.questions if q.type in types]

    @property
    def required_ids(self) -> list[str]:
        return [q.id for q in self.questions if q.required]

    @property
    def personal_ids(self) -> list[str]:
        return [q.id for q in self.questions if q.personal]

    @property
    def personal_keys(self) -> list[str]:
        return [q.key for q in self.questions if q.personal]

    @property
    def principles(self) -> dict[str, list[str]]:
        """Principle code -> the keys of the agree5 statements that measure it, in order."""
        grouped: dict[str, list[str]] = {}
        for q in self.questions:
            if q.principle:
                grouped.setdefault(q.principle, []).append(q.key)
        return grouped

    def aliases_for(self, year: int) -> dict[str, str]:
        """Header aliases in force for a survey year (header -> question ID): those listed
        for it and every earlier year (a wording seen once can come back), the latest
        year's winning a conflict."""
        merged: dict[str, str] = {}
        for listed in sorted(y for y in self.aliases if y <= year):
            merged.update(self.aliases[listed])
        return merged

    def column_names(self) -> dict[str, str]:
        """Returns-table column -> the name it has from consolidation onward: a question's
        ID becomes its key, and an answer's extra text ``<ID>_other`` becomes ``<key>_other``."""
        names = {q.id: q.key for q in self.questions}
        names.update({f"{q.id}_other": f"{q.key}_other" for q in self.questions})
        return names

    def by_keys(self, returns: pd.DataFrame) -> pd.DataFrame:
        """The returns with their answer columns named by key (decision D14): the point where
        the survey's record becomes the registry's data. Other columns keep their names."""
        return returns.rename(columns=self.column_names())


def _check_questions(model: _ProtocolFile, path: Path, lines: dict) -> None:
    """What one question cannot show alone: unique IDs and keys, options where needed,
    the keys the code relies on, and references by ID or key that resolve."""
    questions = model.questions
    for field_name in ("id", "key"):
        seen: dict[str, int] = {}
        for index, q in enumerate(questions):
            value = getattr(q, field_name)
            if value in seen:
                raise PipelineError(
                    config_error(
                        path,
                        ("questions", index, field_name),
                        f"'{value}' is already the {field_name} of questions[{seen[value]}]; "
                        f"each question's {field_name} must be its own.",
                        lines,
                    )
                )
            seen[value] = index
    for index, q in enumerate(questions):
        if q.type in ("single", "multi") and not q.options:
            raise PipelineError(
                config_error(
                    path,
                    ("questions", index, "options"),
                    f"{q.id} is {q.type} but has no options.",
                    lines,
                )
            )
        if q.type not in ("single", "multi") and q.options:
            raise PipelineError(
                config_error(
                    path,
                    ("questions", index, "options"),
                    f"{q.id} is {q.type}, which takes no options.",
                    lines,
                )
            )
    for index, q in enumerate(questions):
        if q.key in RESERVED_NAMES:
            raise PipelineError(
                config_error(
                    path,
                    ("questions", index, "key"),
                    f"'{q.key}' names a column the pipeline makes itself; choose another key.",
                    lines,
                )
            )
    bounds = model.largest_answer.model_dump()
    for index, q in enumerate(questions):
        for end in ("min", "max"):
            value = getattr(q, end)
            if q.type in bounds and value is not None and abs(value) > bounds[q.type]:
                raise PipelineError(
                    config_error(
                        path,
                        ("questions", index, end),
                        f"{value:g} is beyond largest_answer.{q.type} ({bounds[q.type]:g}): "
                        "answers that far from zero are parse errors, so it could never apply.",
                        lines,
                    )
                )
    keys = {q.key: q for q in questions}
    for key, types in NEEDED_KEYS.items():
        if key not in keys:
            raise PipelineError(
                f"{path}: questions: no question has key '{key}', which the registry and the "
                "toolkit use. Give the question that asks it that key."
            )
        if keys[key].type not in types:
            raise PipelineError(
                f"{path}: questions: '{key}' ({keys[key].id}) is {keys[key].type}; the "
                f"pipeline reads it as {' or '.join(types)}."
            )


def _check_agreement(model: _ProtocolFile, path: Path, lines: dict) -> None:
    """Every field that pre-fills the agreement is a column the evaluation has (its
    contract in tables.py, or a single-choice question's key), and every expected answer is
    one of that question's options."""
    from pipeline import tables  # tables reads the protocol: imported here, not above

    singles = {q.key: q for q in model.questions if q.type == "single"}
    columns = set(tables.table("evaluation").columns) | set(singles)
    for s_index, section in enumerate(model.agreement.sections):
        for f_index, item in enumerate(section.prefill):
            where = ("agreement", "sections", s_index, "prefill", f_index)
            if item.field not in columns:
                raise PipelineError(
                    config_error(
                        path,
                        (*where, "field"),
                        f"'{item.field}' is no column of the evaluation (pipeline/tables.py) "
                        "and no single-choice question's key.",
                        lines,
                    )
                )
            options = singles[item.field].options if item.field in singles else ()
            for a_index, answer in enumerate(item.expect or ()):
                if answer not in options:
                    raise PipelineError(
                        config_error(
                            path,
                            (*where, "expect", a_index),
                            f"'{answer}' is not an answer of {item.field}"
                            + (f" ({', '.join(options)})." if options else " (not a choice)."),
                            lines,
                        )
                    )


def _resolve(reference: str, by_id: dict[str, str], by_key: dict[str, str]) -> str | None:
    """A question named by ID or by key -> its ID."""
    return reference if reference in by_id else by_key.get(reference)


def load(root: Path | str | None = None) -> Protocol:
    """Read config/protocol.yaml, checking it strictly once, and return the Protocol."""
    path = paths.protocol_file(root)
    model, lines = load_model_with_lines(path, _ProtocolFile)
    _check_questions(model, path, lines)
    _check_agreement(model, path, lines)
    by_id = {q.id: q.id for q in model.questions}
    by_key = {q.key: q.id for q in model.questions}
    aliases: dict[int, dict[str, str]] = {}
    for year, mapping in model.aliases.items():
        aliases[year] = {}
        for header, reference in mapping.items():
            qid = _resolve(reference, by_id, by_key)
            if qid is None:
                raise PipelineError(
                    config_error(
                        path,
                        ("aliases", str(year), header),
                        f"'{reference}' is no question's ID or key.",
                        lines,
                    )
                )
            aliases[year][header] = qid
    statutory = model.validation.statutory_basis
    resolved = {}
    for name in ("question", "when_question"):
        reference = getattr(statutory, name)
        qid = _resolve(reference, by_id, by_key)
        if qid is None:
            raise PipelineError(
                config_error(
                    path,
                    ("validation", "statutory_basis", name),
                    f"'{reference}' is no question's ID or key.",
                    lines,
                )
            )
        resolved[name] = qid
    condition = next(q for q in model.questions if q.id == resolved["when_question"])
    if condition.options and not any(
        o.startswith(statutory.when_starts_with) for o in condition.options
    ):
        raise PipelineError(
            config_error(
                path,
                ("validation", "statutory_basis", "when_starts_with"),
                f"no option of {condition.key} starts with {statutory.when_starts_with!r}, so "
                "no partnership would count as required by law.",
                lines,
            )
        )
    rules = {
        name: getattr(model.validation.rules, name).model_copy(update={"name": name})
        for name in _Rules.model_fields
    }
    for name in ALWAYS_ERRORS:
        if rules[name].severity != "error":
            raise PipelineError(
                config_error(
                    path,
                    ("validation", "rules", name, "severity"),
                    "must be error: a duplicate or a broken table can never be accepted.",
                    lines,
                )
            )
    try:
        re.compile(model.validation.email_pattern)
    except re.error as exc:
        raise PipelineError(
            config_error(
                path, ("validation", "email_pattern"), f"not a regular expression: {exc}.", lines
            )
        ) from None
    return Protocol(
        version=model.protocol_version,
        questions=model.questions,
        agree5=dict(model.scales.agree5),
        agree5_missing=model.scales.agree5_missing,
        fuzzy_threshold=model.column_matching.fuzzy_threshold,
        money_zero_words=tuple(w.lower() for w in model.money.zero_words),
        money_missing_words=tuple(w.lower() for w in model.money.missing_words),
        approximate_words=tuple(w.lower() for w in model.money.approximate_words),
        largest_answer=model.largest_answer.model_dump(),
        aliases=aliases,
        rules=rules,
        email_pattern=model.validation.email_pattern,
        statutory_question=resolved["question"],
        statutory_condition_question=resolved["when_question"],
        statutory_condition_prefix=statutory.when_starts_with,
        source=path,
        agreement=model.agreement,
    )
