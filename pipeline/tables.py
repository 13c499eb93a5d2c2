"""The processed-data contract: every table under data/processed/<year>/, its columns and
types, which stage writes it, and one ``read`` / ``write`` pair that every stage uses.

Tables are CSV (UTF-8, "\\n" line ends, blanks for missing); the data-quality summary is
JSON. Returns-shaped tables (returns, valid, quarantine) have the protocol's question IDs as
columns: they are the survey's own record. From the registry onward columns are named by
question key or by what they hold. Tables marked ``personal`` hold respondents' names or
emails: the report stage reads none of them (decision D9).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from pipeline import paths
from pipeline.errors import PipelineError
from pipeline.protocol import Protocol, Question

ColumnType = Literal["text", "number", "integer", "boolean", "date"]
Stage = Literal["01_ingest", "02_validate", "03_evaluate"]

_TEXT: ColumnType = "text"

PROVENANCE = ["response_id", "submitted_at", "source_file", "source_row", "row_key", "complete"]
DERIVED = ["parse_errors", "parse_warnings", "duplicate_of"]
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class Table:
    """One processed table: its file, the stage that writes it and its columns' types.

    ``columns`` lists the columns every copy has, in order. ``open`` tables also hold
    columns that follow the protocol or toolkit (a column per single-choice question, per
    principle): their types come from ``patterns`` (regex -> type), else text.
    """

    name: str
    filename: str
    stage: Stage
    description: str
    columns: dict[str, ColumnType] = field(default_factory=dict)
    returns_shaped: bool = False
    open: bool = False
    patterns: dict[str, ColumnType] = field(default_factory=dict)
    personal: bool = False

    def path(self, year: int, root: Path | str | None = None) -> Path:
        return paths.processed_dir(year, root) / self.filename

    def type_of(self, column: str) -> ColumnType:
        if column in self.columns:
            return self.columns[column]
        for pattern, kind in self.patterns.items():
            if re.search(pattern, column):
                return kind
        return _TEXT


_PRINCIPLE_COLUMNS: dict[str, ColumnType] = {
    r"^[A-Za-z0-9]+_score$": "number",
    r"^[A-Za-z0-9]+_answers$": "integer",
    r"^[A-Za-z0-9]+_spread$": "number",
    r"^[A-Za-z0-9]+_officer_spread$": "number",
    r"^[A-Za-z0-9]+_officer_(low|high)$": "number",  # the officer spread's ends
    r"^governance_[a-z0-9_]+_completeness$": "number",  # one per governance heading
}

_REGISTRY: dict[str, ColumnType] = {
    "partnership_id": "text",
    "name": "text",
    "returns": "integer",
    "names_reported": "text",
    # single-choice answers the code relies on (the registry has one per single choice)
    "partnership_type": "text",
    "legal_form": "text",
    "statutory_requirement": "text",
    "council_role": "text",
    "risk_level": "text",
    "officer_recommendation": "text",
    "directorate": "text",
    "partners": "text",
    "statutory_basis": "text",
    "reporting_line": "text",
    "last_reviewed": "date",
    "cash": "number",
    "cash_missing": "integer",
    "in_kind": "number",
    "in_kind_missing": "integer",
    "officer_hours": "number",
    "officer_hours_missing": "integer",
    "cost_missing_returns": "integer",
    "external_funding": "number",
    "priorities": "text",
    "priority_count": "integer",
    "priorities_named_by_any": "text",  # the union of every officer's ticks (decision D7)
    "possible_double_count": "text",
    "officer_exit_share": "number",
}

_EVALUATION: dict[str, ColumnType] = {
    **_REGISTRY,
    "overall_score": "number",
    "overall_band": "text",
    "principles_of_concern": "integer",
    "officers_disagree_on": "text",
    "officers_disagree_count": "integer",
    "equality_score": "number",
    "equality_answers": "integer",
    "equality_band": "text",
    "officer_time_cost": "number",
    "full_cost": "number",
    "leverage": "number",
    "statutory": "boolean",
    "governance_completeness": "number",
    "governance_band": "text",
    "governance_evidenced": "integer",
    "governance_asked": "integer",
    "governance_missing": "text",
    "uncontrolled_risk": "boolean",
    "risk_controls_missing": "text",
    "main_risks": "text",
    "achievements": "text",  # each officer's answer once, " | "-joined (as main_risks)
    "key_partnership": "boolean",
    "key_criteria": "text",
    "action": "text",
    "action_reason": "text",
    "action_rule": "text",
    # value for money (decision D18)
    "vfm_cost_known": "boolean",
    "vfm_cash_share": "number",
    "vfm_in_kind_share": "number",
    "vfm_officer_time_share": "number",
    "vfm_type_costed": "integer",
    "vfm_type_median_cost": "number",
    "vfm_cost_ratio": "number",
    "vfm_economy_score": "number",
    "vfm_economy_band": "text",
    "vfm_cost_per_priority": "number",
    "vfm_efficiency_score": "number",
    "vfm_efficiency_band": "text",
    "vfm_achievements_reported": "integer",
    "vfm_objectives_score": "number",
    "vfm_objectives_answers": "integer",
    "vfm_effectiveness_score": "number",
    "vfm_effectiveness_band": "text",
    "vfm_equity_score": "number",
    "vfm_equity_band": "text",
    "vfm_measures": "text",
    "vfm_judgement": "text",
    "vfm_reason": "text",
    "vfm_rule": "text",
}

CATALOGUE: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "returns",
            "returns.csv",
            "01_ingest",
            "One row per return: provenance, an answer column per question ID, parse notes.",
            returns_shaped=True,
            personal=True,
        ),
        Table(
            "column_map",
            "column_map.csv",
            "01_ingest",
            "Every export column: the question it maps to, how, the score, and how many "
            "values it holds.",
            {
                "source_file": "text",
                "layout": "text",
                "column": "integer",
                "header": "text",
                "question_id": "text",
                "method": "text",
                "score": "number",
                "values": "integer",
            },
        ),
        Table(
            "valid",
            "valid.csv",
            "02_validate",
            "The accepted returns (the returns table's columns).",
            returns_shaped=True,
            personal=True,
        ),
        Table(
            "quarantine",
            "quarantine.csv",
            "02_validate",
            "Returns refused by an error rule, with every reason.",
            {"quarantine_rules": "text", "quarantine_reasons": "text"},
            returns_shaped=True,
            personal=True,
        ),
        Table(
            "findings",
            "dq_findings.csv",
            "02_validate",
            "Every failed check: one row per return and rule, errors and warnings.",
            {
                "row_key": "text",
                "rule": "text",
                "severity": "text",
                "column": "text",
                "value": "text",
                "reason": "text",
            },
            personal=True,  # a failing value can be an email address
        ),
        Table(
            "coverage",
            "coverage.csv",
            "02_validate",
            "Senior officers who sent an accepted return, by directorate (no names).",
            {
                "directorate": "text",
                "senior_officers": "integer",
                "officers_responding": "integer",
                "coverage": "number",
                "anonymous_returns": "integer",
            },
        ),
        Table(
            "caveats",
            "caveats.csv",
            "02_validate",
            "Accepted values read with a caveat (approximate amounts, other answers), by question.",
            {"question_id": "text", "question": "text", "returns": "integer"},
        ),
        Table(
            "registry",
            "registry.csv",
            "03_evaluate",
            "One row per partnership, answers consolidated and named by question key.",
            _REGISTRY,
            open=True,
        ),
        Table(
            "evaluation",
            "evaluation.csv",
            "03_evaluate",
            "The registry with its scores, bands, costs, key criteria and recommended action.",
            _EVALUATION,
            open=True,
            patterns=_PRINCIPLE_COLUMNS,
        ),
        Table(
            "name_matches",
            "name_matches.csv",
            "03_evaluate",
            "Each typed partnership name, the partnership it was matched to, how and the score.",
            {
                "typed_name": "text",
                "normalised": "text",
                "partnership_id": "text",
                "name": "text",
                "method": "text",
                "score": "number",
            },
        ),
        Table(
            "unsure_pairs",
            "unsure_name_pairs.csv",
            "03_evaluate",
            "Every pair of names close enough to ask the analyst about, kept apart, with the "
            "score before (word_score) and after the evidence, and the evidence for and "
            "against (acronym, partners named under both, a directorate or service in common).",
            {
                "name_a": "text",
                "name_b": "text",
                "score": "number",
                "word_score": "number",
                "partnership_a": "text",
                "partnership_b": "text",
                "acronym": "boolean",
                "partners_in_common": "integer",
                "same_directorate": "boolean",
                "same_service": "boolean",
                "evidence_for": "text",
                "evidence_against": "text",
            },
        ),
        Table(
            "return_partnerships",
            "return_partnerships.csv",
            "03_evaluate",
            "Each accepted return's partnership ID.",
            {"response_id": "text", "row_key": "text", "partnership_id": "text"},
        ),
        Table(
            "id_history",
            "id_history.csv",
            "03_evaluate",
            "How each partnership got its ID this year (new, carried, renamed, split_from, "
            "merged_into), the related ID, and whether the evidence or the analyst decided.",
            {
                "partnership_id": "text",
                "year": "integer",
                "event": "text",
                "related_id": "text",
                "decided_by": "text",
                "name": "text",
                "earlier_name": "text",
                "earlier_year": "integer",
            },
        ),
        Table(
            "disagreements",
            "disagreements.csv",
            "03_evaluate",
            "Where officers reporting one partnership answered differently, and what was taken.",
            {"partnership_id": "text", "question": "text", "answers": "text", "chosen": "text"},
        ),
        Table(
            "changes",
            "changes.csv",
            "03_evaluate",
            "Partnerships new, ended or materially changed since last year.",
            {"partnership_id": "text", "name": "text", "change": "text", "what_changed": "text"},
        ),
    )
}

DQ_SUMMARY = "dq_summary.json"  # written by 02_validate: counts, checks and the closing date


def other_option(question: Question) -> str | None:
    """The option a platform's "Other (please specify)" box stands for, if there is one."""
    return next((o for o in question.options if o.casefold().startswith("other")), None)


def has_other(question: Question) -> bool:
    """Multi-selects, and choices with an "Other" option, keep their extra text."""
    return question.type == "multi" or other_option(question) is not None


def returns_columns(protocol: Protocol) -> list[str]:
    """The returns table's columns, in the order decision D1 fixes."""
    others = [f"{q.id}_other" for q in protocol.questions if has_other(q)]
    return PROVENANCE + protocol.ids + DERIVED + others


def table(name: str) -> Table:
    try:
        return CATALOGUE[name]
    except KeyError:
        raise KeyError(f"no processed table named {name!r}") from None


def path(name: str, year: int, root: Path | str | None = None) -> Path:
    return table(name).path(year, root)


def cell_text(value: Any) -> str:
    """How a value is written to CSV: whole numbers without ".0", blanks (None, NaN,
    pd.NA, NaT) empty, numpy numbers as plain numbers."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(float(value))
    if isinstance(value, dt.datetime):
        return value.strftime(TIMESTAMP_FORMAT)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def check_contract(name: str, frame: pd.DataFrame, protocol: Protocol | None = None) -> None:
    """A stage writes what the contract says: a missing column is a programming error."""
    spec = table(name)
    expected = list(spec.columns)
    if spec.returns_shaped:
        if protocol is None:
            raise ValueError(f"writing {spec.name} needs the protocol for its columns")
        expected = returns_columns(protocol) + expected
    missing = [c for c in expected if c not in frame.columns]
    extra = [c for c in frame.columns if c not in expected]
    if missing or (extra and not spec.open):
        raise ValueError(
            f"{spec.name} does not match its contract in pipeline/tables.py: "
            f"missing {missing}, not in the contract {extra}"
        )


def write(
    name: str,
    frame: pd.DataFrame,
    year: int,
    root: Path | str | None = None,
    protocol: Protocol | None = None,
) -> Path:
    """Write a processed table as its contract says, creating the year's folder."""
    spec = table(name)
    check_contract(name, frame, protocol)
    target = spec.path(year, root)
    return write_csv(frame, target)


# Object columns whose values are all of one kind: factorising them never takes two values
# that write differently for one (as it would True and 1 in a mixed column). Not "datetime":
# in an object column, two times of one instant in different zones compare equal but are
# written differently (a datetime64 column, one zone throughout, is factorised).
_ONE_KIND = ("string", "empty", "floating", "integer", "boolean", "date")


def _distinct_texts(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """``cell_text`` of a column's values as codes into texts: code -1 (the last text, "")
    for a blank. One text per distinct value, or per cell for an object column mixing kinds
    (where factorising would take True and 1 for one value)."""
    inferred = pd.api.types.infer_dtype(column, skipna=True) if column.dtype == object else None
    if inferred is not None and inferred not in _ONE_KIND:
        texts = [cell_text(value) for value in column]
        return np.arange(len(texts)), texts + [""]
    codes, distinct = pd.factorize(column, use_na_sentinel=True)
    if inferred == "string":  # str(value) of a str is itself: no call per value
        texts = [v if type(v) is str else cell_text(v) for v in distinct]
    else:
        texts = [cell_text(value) for value in distinct]
    return codes, texts + [""]


def column_text(column: pd.Series) -> pd.Series:
    """``cell_text`` of every value of a column, computed once per distinct value.

    A column of text (or of one dtype: numbers, dates, booleans) is factorised and each
    distinct value written once, so a table of many rows costs its distinct values, not
    its cells. An object column mixing kinds (where factorising would take True and 1 for
    one value) is written cell by cell.
    """
    codes, texts = _distinct_texts(column)
    return pd.Series(
        np.array(texts, dtype=object)[codes], index=column.index, name=column.name, dtype=object
    )


def map_distinct(values: pd.Series, change: Callable[[Any], Any]) -> pd.Series:
    """``change`` of each value, called once per distinct value (blanks one by one, since
    None, NaN, NaT and pd.NA may differ to it); an object column mixing kinds cell by cell.
    A table of many rows repeats few values: this costs its distinct values, not its rows.
    """
    if values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) not in _ONE_KIND:
        return values.map(change).astype(object)
    codes, distinct = pd.factorize(values, use_na_sentinel=True)
    changed = pd.Series(
        # as Python values, as .map gives them (not numpy scalars of an extension dtype)
        np.array([change(v) for v in distinct.astype(object)] + [None], dtype=object)[codes],
        index=values.index,
        dtype=object,
    )
    blank = codes == -1
    if blank.any():
        changed[blank] = values[blank].map(change).astype(object)
    return changed


# A field holding none of these is written by Python's csv module (QUOTE_MINIMAL, as
# pandas' to_csv writes) as it is; one holding any is handed to the module itself. A
# superset of what the module quotes ("\r" alone is not quoted with "\n" line ends).
_MAY_QUOTE = (",", '"', "\r", "\n")
_ROWS_AT_ONCE = 20_000  # rows joined into one string before it is written
_TEXT_OR_BLANK = {str, type(None)}


def _csv_line(values: list[Any]) -> str:
    """One CSV line as Python's csv module writes it (QUOTE_MINIMAL, "\n" line end)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(values)
    return buffer.getvalue()


def _may_quote(text: str) -> bool:
    """Whether the csv module might quote ``text`` (a search per character, done in C, is
    faster on a long text than a regular expression's character class)."""
    return any(char in text for char in _MAY_QUOTE)


def csv_fields(texts: list[str]) -> list[str]:
    """Texts as the fields of a CSV line of two or more fields: quoted (and their quotes
    doubled) exactly where Python's csv module, which pandas' to_csv uses, quotes them."""
    if not _may_quote("".join(texts)):
        return texts
    return [_csv_line([t, ""])[:-2] if _may_quote(t) else t for t in texts]


def _column_fields(column: pd.Series) -> list[str]:
    """Every cell of a column as its CSV field, quoted once per distinct text.

    A column of texts and blanks none of which is quoted (most of a returns table) is its
    cells as they are, blanks empty, without factorising: ``cell_text`` of a str is itself.
    """
    if column.dtype == object:
        values = column.tolist()
        if set(map(type, values)) <= _TEXT_OR_BLANK:
            texts = ["" if value is None else value for value in values]
            if not _may_quote("".join(texts)):
                return texts
    codes, texts = _distinct_texts(column)
    return np.array(csv_fields(texts), dtype=object)[codes].tolist()


def write_csv(frame: pd.DataFrame, target: Path) -> Path:
    """A table as UTF-8 CSV with "\\n" line ends and blanks for missing values.

    The bytes are those pandas' ``to_csv`` writes of the table's ``column_text`` (decision
    D49): each distinct value is written and quoted once, and each line joined in C. A
    table of one column (whose blank line the csv module writes as ``""``) or of labels
    other than text is written by pandas itself.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    labels = list(frame.columns)
    if len(labels) < 2 or not all(type(label) is str for label in labels):
        text = pd.DataFrame(
            {i: column_text(frame.iloc[:, i]) for i in range(frame.shape[1])}, index=frame.index
        )
        text.columns = frame.columns
        text.to_csv(target, index=False, lineterminator="\n")
        return target
    fields = [_column_fields(frame.iloc[:, i]) for i in range(len(labels))]
    with open(target, "w", encoding="utf-8", newline="") as handle:
        handle.write(_csv_line(labels))
        for start in range(0, len(frame), _ROWS_AT_ONCE):
            rows = zip(*(column[start : start + _ROWS_AT_ONCE] for column in fields), strict=True)
            handle.write("\n".join(map(",".join, rows)) + "\n")
    return target


def read_csv_text(source: Path) -> pd.DataFrame:
    """A processed CSV with every cell as text and blanks as None (never "NA" -> missing)."""
    if not source.is_file():
        raise PipelineError(f"{source}: not found; run the earlier pipeline stage first.")
    # read as object (Python strings, NaN for a blank), not str: pandas' string dtype
    # costs a pass to build and another to turn back into objects; and in one piece, not
    # in chunks joined after (decision D49)
    text = pd.read_csv(
        source, dtype=object, keep_default_na=False, na_values=[""], low_memory=False
    )
    columns = {}
    for i in range(text.shape[1]):
        values = text.iloc[:, i].to_numpy(dtype=object, copy=True)
        values[pd.isna(values)] = None
        columns[i] = values
    cells = pd.DataFrame(columns, index=text.index, dtype=object)
    cells.columns = text.columns
    return cells


def _typed(column: pd.Series, kind: ColumnType) -> pd.Series:
    if kind == "number":
        return pd.to_numeric(column).astype("float64")
    if kind == "integer":
        return pd.to_numeric(column).astype("Int64")
    if kind == "boolean":
        return column.map({"True": True, "False": False, None: None}).astype("boolean")
    return column


def numbers_of(column: pd.Series) -> pd.Series:
    """``pd.to_numeric(column, errors="coerce")``, each distinct text of a column of texts
    read once (a year repeats few amounts and scores; decision D49). What to_numeric gives
    does not depend on a value's place or repeats, so the distinct values (and a blank, if
    there is one) give every value and the dtype."""
    if column.dtype != object:
        return pd.to_numeric(column, errors="coerce")
    codes, distinct = pd.factorize(column, use_na_sentinel=True)
    if not all(type(value) is str for value in distinct):
        # factorize takes 0.0 for -0.0 and 1 for True, and to_numeric's dtype depends on
        # every value's type: only text (what a CSV holds) is read once per distinct value
        return pd.to_numeric(column, errors="coerce")
    blank = bool((codes == -1).any())
    values = pd.to_numeric(
        np.array([*distinct, None] if blank else list(distinct), dtype=object), errors="coerce"
    )
    return pd.Series(values[codes], index=column.index, name=column.name)


def typed_returns(returns: pd.DataFrame, protocol: Protocol) -> pd.DataFrame:
    """Give a returns table read from CSV its types: numbers where every value reads.

    A column still holding raw text that failed to parse stays text: validation
    quarantines those rows, after which the column reads as numbers.
    """
    typed = returns.copy(deep=False)  # copy on write (pandas 3): columns are replaced
    for question in protocol.of_type("money", "number", "agree5"):
        numbers = numbers_of(typed[question.id])
        if numbers.notna().sum() != typed[question.id].notna().sum():
            continue  # raw text that failed to read: validation quarantines its row
        whole = numbers.dropna().mod(1).eq(0).all()
        if question.type == "agree5" and whole:
            typed[question.id] = numbers.astype("Int64")
        elif question.type != "agree5":
            typed[question.id] = numbers
    return typed.astype({"source_row": "int64"})


def read(
    name: str,
    year: int,
    root: Path | str | None = None,
    protocol: Protocol | None = None,
    *,
    personal: bool = True,
) -> pd.DataFrame:
    """Read a processed table with its contract's types.

    ``personal=False`` refuses a table that holds names or emails: the report stage reads
    this way, so that nothing it shows can come from one.
    """
    spec = table(name)
    if spec.personal and not personal:
        raise ValueError(f"{spec.name} holds personal data and may not be read here (D9)")
    source = spec.path(year, root)
    text = read_csv_text(source)
    if spec.returns_shaped and protocol is None:
        raise ValueError(f"reading {spec.name} needs the protocol for its types")
    expected = (returns_columns(protocol) if protocol else []) + list(spec.columns)
    lacking = [c for c in expected if c not in text.columns]
    if lacking:
        raise PipelineError(
            f"{source}: lacks column(s) {', '.join(lacking[:5])}"
            f"{' and more' if len(lacking) > 5 else ''}: it was written by an earlier version "
            f"of the pipeline or edited by hand. Rebuild that year: make report YEAR={year}."
        )
    if spec.returns_shaped and protocol is not None:
        return typed_returns(text, protocol)
    # Built at once, not column by column: a frame assigned a hundred columns one at a time
    # is fragmented, and pandas then warns into the report notebook's output.
    return pd.DataFrame(
        {c: _typed(text[c], spec.type_of(c)) for c in text.columns}, index=text.index
    )


def exists(name: str, year: int, root: Path | str | None = None) -> bool:
    return table(name).path(year, root).is_file()


def write_json(content: dict[str, Any], target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        json.dumps(content, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
    )
    return target


def dq_summary_path(year: int, root: Path | str | None = None) -> Path:
    return paths.processed_dir(year, root) / DQ_SUMMARY


def write_dq_summary(summary: dict[str, Any], year: int, root: Path | str | None = None) -> Path:
    return write_json(summary, dq_summary_path(year, root))


def read_dq_summary(year: int, root: Path | str | None = None) -> dict[str, Any]:
    source = dq_summary_path(year, root)
    if not source.is_file():
        raise PipelineError(f"{source}: not found; run 02_validate first.")
    return json.loads(source.read_text(encoding="utf-8"))


def summary_path(stage: str, year: int, root: Path | str | None = None) -> Path:
    return paths.processed_dir(year, root) / f"summary_{stage}.txt"


def write_summary(stage: str, line: str, year: int, root: Path | str | None = None) -> Path:
    """A stage's one-line account of what it wrote, which the run prints as it is."""
    target = summary_path(stage, year, root)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(" ".join(line.split()) + "\n", encoding="utf-8")
    return target


def read_summary(stage: str, year: int, root: Path | str | None = None) -> str | None:
    source = summary_path(stage, year, root)
    return source.read_text(encoding="utf-8").strip() if source.is_file() else None
