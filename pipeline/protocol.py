"""The questionnaire as data: loads config/protocol.yaml into frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipeline import paths
from pipeline.config import read_yaml, require
from pipeline.errors import PipelineError

# Rules whose failure can never be let through (the Decisions): their severity is fixed.
ALWAYS_ERRORS = ("duplicate", "table", "unique_accepted")
QUESTION_TYPES = ("text", "email", "single", "multi", "date", "money", "number", "agree5")


@dataclass(frozen=True)
class Question:
    """One survey question: its stable ID, the year's wording and how answers are read."""

    id: str
    section: str
    text: str
    type: str
    options: tuple[str, ...] = ()
    required: bool = False
    personal: bool = False
    principle: str | None = None
    help: str = ""
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class Rule:
    """A validation rule and its severity: error quarantines the row, warning counts it."""

    name: str
    severity: str
    description: str


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
    aliases: dict[int, dict[str, str]]
    rules: dict[str, Rule]
    email_pattern: str
    statutory_question: str
    statutory_condition_question: str
    statutory_condition_prefix: str
    source: Path = field(compare=False, default=Path("protocol.yaml"))

    @property
    def ids(self) -> list[str]:
        return [q.id for q in self.questions]

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    def of_type(self, *types: str) -> list[Question]:
        return [q for q in self.questions if q.type in types]

    @property
    def required_ids(self) -> list[str]:
        return [q.id for q in self.questions if q.required]

    @property
    def personal_ids(self) -> list[str]:
        return [q.id for q in self.questions if q.personal]

    @property
    def principles(self) -> dict[str, list[str]]:
        """Principle code -> the agree5 question IDs that measure it, in question order."""
        grouped: dict[str, list[str]] = {}
        for q in self.questions:
            if q.principle:
                grouped.setdefault(q.principle, []).append(q.id)
        return grouped

    def aliases_for(self, year: int) -> dict[str, str]:
        """Header aliases in force for a survey year: those listed for it and every earlier
        year (a wording seen once can come back), the latest year's winning a conflict."""
        merged: dict[str, str] = {}
        for listed in sorted(y for y in self.aliases if y <= year):
            merged.update(self.aliases[listed])
        return merged


def _question(entry: dict, path: Path, index: int) -> Question:
    where = f"questions[{index}]"
    qtype = require(entry, "type", path, where)
    if qtype not in QUESTION_TYPES:
        raise PipelineError(
            f"{path}: {where}.type is '{qtype}'; expected one of {', '.join(QUESTION_TYPES)}."
        )
    options = tuple(str(o) for o in entry.get("options", []))
    if qtype in ("single", "multi") and not options:
        raise PipelineError(f"{path}: {where} ({entry.get('id')}) is {qtype} but has no options.")
    return Question(
        id=str(require(entry, "id", path, where)),
        section=str(require(entry, "section", path, where)),
        text=str(require(entry, "text", path, where)),
        type=qtype,
        options=options,
        required=bool(entry.get("required", False)),
        personal=bool(entry.get("personal", False)),
        principle=entry.get("principle"),
        help=str(entry.get("help", "")),
        min=entry.get("min"),
        max=entry.get("max"),
    )


def load(root: Path | str | None = None) -> Protocol:
    """Read config/protocol.yaml, checking it once, and return the frozen Protocol."""
    path = paths.protocol_file(root)
    raw = read_yaml(path)
    questions = tuple(
        _question(entry, path, i) for i, entry in enumerate(require(raw, "questions", path))
    )
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids):
        raise PipelineError(f"{path}: question IDs are not unique.")
    scales = require(raw, "scales", path)
    agree5 = {str(k): int(v) for k, v in require(scales, "agree5", path, "scales").items()}
    matching = require(raw, "column_matching", path)
    money = require(raw, "money", path)
    validation = require(raw, "validation", path)
    rules = {
        name: Rule(
            name=name,
            severity=str(require(spec, "severity", path, f"validation.rules.{name}")),
            description=str(require(spec, "description", path, f"validation.rules.{name}")),
        )
        for name, spec in require(validation, "rules", path, "validation").items()
    }
    for rule in rules.values():
        if rule.severity not in ("error", "warning"):
            raise PipelineError(
                f"{path}: validation.rules.{rule.name}.severity must be error or warning."
            )
        if rule.name in ALWAYS_ERRORS and rule.severity != "error":
            raise PipelineError(
                f"{path}: validation.rules.{rule.name}.severity must be error: a duplicate or "
                "a broken table can never be accepted."
            )
    statutory = require(validation, "statutory_basis", path, "validation")
    aliases = {
        int(year): {str(header): str(qid) for header, qid in (mapping or {}).items()}
        for year, mapping in (raw.get("aliases") or {}).items()
    }
    for year, mapping in aliases.items():
        unknown = sorted(set(mapping.values()) - set(ids))
        if unknown:
            raise PipelineError(
                f"{path}: aliases.{year} maps to unknown question(s) {', '.join(unknown)}."
            )
    return Protocol(
        version=int(require(raw, "protocol_version", path)),
        questions=questions,
        agree5=agree5,
        agree5_missing=tuple(scales.get("agree5_missing", [])),
        fuzzy_threshold=float(require(matching, "fuzzy_threshold", path, "column_matching")),
        money_zero_words=tuple(str(w).lower() for w in require(money, "zero_words", path)),
        money_missing_words=tuple(str(w).lower() for w in require(money, "missing_words", path)),
        approximate_words=tuple(str(w).lower() for w in require(money, "approximate_words", path)),
        aliases=aliases,
        rules=rules,
        email_pattern=str(require(validation, "email_pattern", path, "validation")),
        statutory_question=str(require(statutory, "question", path)),
        statutory_condition_question=str(require(statutory, "when_question", path)),
        statutory_condition_prefix=str(require(statutory, "when_starts_with", path)),
        source=path,
    )
